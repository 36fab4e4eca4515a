#!/usr/bin/env bash
# kill -9 of a service running in a container leaves its pooled sandbox containers running; the next service must
# remove them. Starts service A (the service image, as docker/service-smoke.sh does), runs one execution so that its
# pool holds started sandbox containers, kills A with SIGKILL, checks that its sandboxes outlived it, starts service B
# and checks that B removes every sandbox labelled with A's container. Removes both services at the end, also on failure.
#   docker/reap-smoke.sh [image]      default: evor/service:local
set -euo pipefail
IMAGE=${1:-evor/service:local}
SOCKET=${DOCKER_SOCKET:-/var/run/docker.sock}
PORT=${EVOR_SMOKE_PORT:-5091}
BASE="http://127.0.0.1:$PORT"
A="evor-reap-smoke-a-$$"
B="evor-reap-smoke-b-$$"

cleanup() {
  docker stop -t 20 "$B" >/dev/null 2>&1 || true
  docker rm -f -v "$A" "$B" >/dev/null 2>&1 || true
  if [ -n "${A_ID:-}" ]; then
    # Whatever A's sandboxes are still there when this test failed.
    docker ps -aq --filter "label=org.evor.owner.container=$A_ID" | xargs -r docker rm -f >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

fail() {
  echo "evor: reap smoke failed: $*" >&2
  docker logs "$B" 2>&1 | tail -20 >&2 || true
  exit 1
}

start() { # start NAME
  docker run -d --name "$1" --network host --read-only --cap-drop ALL --security-opt no-new-privileges \
    --group-add "$(stat -c %g "$SOCKET")" -v "$SOCKET:/var/run/docker.sock" -e "Urls=$BASE" "$IMAGE" >/dev/null
  local body=""
  # The first /health probes every language in a fresh sandbox: allow it minutes on a loaded machine.
  for _ in $(seq 1 90); do
    body=$(curl -fsS -m 120 "$BASE/health" 2>/dev/null) && break
    sleep 1
  done
  grep -q '"healthy":true' <<<"$body" || fail "$1 did not answer a healthy /health: ${body:-no answer}"
}

sandboxes_of() { docker ps -aq --filter "label=org.evor.owner.container=$1" | wc -l; }

start "$A"
A_ID=$(docker inspect -f '{{.Id}}' "$A")
curl -fsS -m 60 "$BASE/v1/executions" -H 'content-type: application/json' -d '{"language":"python","code":"print(6 * 7)"}' \
  | grep -q '"stdout": *"42' || fail "A's execution did not print 42"
for _ in $(seq 1 20); do
  [ "$(sandboxes_of "$A_ID")" -gt 0 ] && break
  sleep 0.5
done
left=$(sandboxes_of "$A_ID")
[ "$left" -gt 0 ] || fail "A holds no pooled sandbox container labelled with its container id"

docker kill -s KILL "$A" >/dev/null
docker wait "$A" >/dev/null || true
sleep 1
after=$(sandboxes_of "$A_ID")
[ "$after" -gt 0 ] || fail "A's sandboxes went with it: nothing left to reap (the test proves nothing)"
echo "evor: reap smoke: service A killed with SIGKILL, $after of its sandbox containers still there" >&2

start "$B"
for _ in $(seq 1 30); do
  [ "$(sandboxes_of "$A_ID")" -eq 0 ] && break
  sleep 1
done
[ "$(sandboxes_of "$A_ID")" -eq 0 ] || fail "service B left $(sandboxes_of "$A_ID") sandbox containers of the dead service A"
echo "evor: reap smoke: service B removed every sandbox container the killed service A left: ok" >&2
