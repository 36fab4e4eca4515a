#!/usr/bin/env bash
# Builds every image the Docker backend needs, from this repository only (no registry):
#   1. the Debian bookworm base, by debootstrap + docker import      (docker/base/build-base.sh)
#   2. one sandbox image per language, from docker/sandbox/<lang>/Dockerfile, tagged evor/sandbox-<lang>:bookworm
# An image is rebuilt only when its Dockerfile changed (label org.evor.recipe holds the Dockerfile's sha256).
# dockerd here runs with --iptables=false --bridge=none, so builds use the host network to reach the Debian mirror.
#   docker/build-images.sh [lang…]        default: python lua nim c (pony and ring need internet: name them explicitly)
set -euo pipefail
cd "$(dirname "$0")"
BASE=${EVOR_BASE_IMAGE:-evor/debian:bookworm}
LANGS=("$@")
[ ${#LANGS[@]} -gt 0 ] || LANGS=(python lua nim c)

base/build-base.sh "$BASE"
for lang in "${LANGS[@]}"; do
  image="evor/sandbox-$lang:bookworm"
  recipe=$( (cat "sandbox/$lang/Dockerfile"; echo "$BASE"; docker image inspect -f '{{.Id}}' "$BASE") | sha256sum | cut -c1-16)
  have=$(docker image inspect -f '{{ index .Config.Labels "org.evor.recipe" }}' "$image" 2>/dev/null || true)
  if [ "$have" = "$recipe" ]; then
    echo "evor: $image is up to date, kept" >&2
    continue
  fi
  echo "evor: building $image" >&2
  docker build -q --network host --build-arg "BASE=$BASE" --label "org.evor.recipe=$recipe" \
    -t "$image" "sandbox/$lang" >/dev/null
done
