#!/usr/bin/env bash
# Starts the service image with the engine's socket mounted and checks that /health answers 200 with the Docker
# backend healthy. The container shares the host's network (dockerd runs with --bridge=none here) and listens on
# loopback only. Stops and removes it at the end, also on failure.
#   docker/service-smoke.sh [image]      default: evor/service:local
set -euo pipefail
IMAGE=${1:-evor/service:local}
SOCKET=${DOCKER_SOCKET:-/var/run/docker.sock}
PORT=${EVOR_SMOKE_PORT:-5089}
NAME="evor-service-smoke-$$"

# Stopped (SIGTERM) before removal, so the service shuts down and removes its pool of started sandbox containers: a
# forced removal would leave them running, and no later service reaps them (their owner ran in another pid namespace).
trap 'docker stop -t 20 "$NAME" >/dev/null 2>&1 || true; docker rm -f "$NAME" >/dev/null 2>&1 || true' EXIT
docker run -d --name "$NAME" --network host --read-only --cap-drop ALL --security-opt no-new-privileges \
  --group-add "$(stat -c %g "$SOCKET")" -v "$SOCKET:/var/run/docker.sock" \
  -e "Urls=http://127.0.0.1:$PORT" "$IMAGE" >/dev/null

body=""
for _ in $(seq 1 60); do
  if body=$(curl -fsS "http://127.0.0.1:$PORT/health" 2>/dev/null); then
    break
  fi
  sleep 1
done
if ! grep -q '"backend":"docker"' <<<"$body" || ! grep -q '"healthy":true' <<<"$body"; then
  echo "evor: the service image did not answer a healthy /health on the Docker backend: ${body:-no answer}" >&2
  docker logs "$NAME" 2>&1 | tail -20 >&2 || true
  exit 1
fi
echo "evor: service image $IMAGE answered /health: $(head -c 200 <<<"$body")…" >&2
