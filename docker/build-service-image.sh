#!/usr/bin/env bash
# Publishes the service self-contained (the runtime travels with it) and builds the service image from the top-level
# Dockerfile on the local base image. Skipped when the image was built from the same commit and tree.
#   docker/build-service-image.sh [image]      default: evor/service:local
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGE=${1:-evor/service:local}
BASE=${EVOR_BASE_IMAGE:-evor/debian:bookworm}
docker/base/build-base.sh "$BASE"

recipe=$( (git rev-parse HEAD 2>/dev/null; git status --porcelain 2>/dev/null; docker image inspect -f '{{.Id}}' "$BASE") | sha256sum | cut -c1-16)
if [ -z "$(git status --porcelain 2>/dev/null)" ] \
   && [ "$(docker image inspect -f '{{ index .Config.Labels "org.evor.recipe" }}' "$IMAGE" 2>/dev/null || true)" = "$recipe" ]; then
  echo "evor: $IMAGE is up to date, kept" >&2
  exit 0
fi

echo "evor: publishing the service (self-contained, linux-x64)" >&2
rm -rf artifacts/service
# Without shared build servers: a clean-clone CI run once saw the publish exit 0 with nothing written while other
# builds ran on the machine. The app's presence is checked, never assumed.
mkdir -p artifacts
if ! dotnet publish src/EvoR.Api -c Release -r linux-x64 --self-contained -o artifacts/service -p:UseAppHost=true \
       --disable-build-servers >artifacts/publish.log 2>&1 || [ ! -x artifacts/service/EvoR.Api ]; then
  tail -n 30 artifacts/publish.log >&2
  echo "evor: publishing the service did not produce artifacts/service/EvoR.Api (log: artifacts/publish.log)" >&2
  exit 1
fi
echo "evor: building $IMAGE" >&2
docker build -q --network host --build-arg "BASE=$BASE" --label "org.evor.recipe=$recipe" -t "$IMAGE" . >/dev/null
