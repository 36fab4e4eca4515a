#!/usr/bin/env bash
# Builds the images the Docker backend needs, from this repository only (no registry):
#   1. the Debian bookworm base, by debootstrap + docker import      (docker/base/build-base.sh)
#   2. one sandbox image per language, tagged evor/sandbox-<lang>:bookworm: from docker/sandbox/Dockerfile with the
#      language's Debian packages (docker/languages.py reads them from languages.json), or from
#      docker/sandbox/<lang>/Dockerfile for a language Debian does not package (pony and ring need internet: name them)
# An image is rebuilt only when its recipe changed (label org.evor.recipe: sha256 of Dockerfile, packages and base).
# dockerd here runs with --iptables=false --bridge=none, so builds use the host network to reach the Debian mirror.
#   docker/build-images.sh [lang…|all]     default: the small default set (docker/languages.py defaults)
#   EVOR_IMAGE_JOBS=N                        images built at once (default 3: the builds mostly wait on the mirror)
set -euo pipefail
cd "$(dirname "$0")"
SELF="$PWD/$(basename "$0")"
BASE=${EVOR_BASE_IMAGE:-evor/debian:bookworm}

build_one() {
  local lang=$1 image="evor/sandbox-$1:bookworm" context dockerfile packages=""
  if [ -f "sandbox/$lang/Dockerfile" ]; then
    context="sandbox/$lang" dockerfile="sandbox/$lang/Dockerfile"
  else
    context="sandbox" dockerfile="sandbox/Dockerfile"
    packages=$(./languages.py packages "$lang" | tr '\n' ' ')
  fi
  local recipe have
  recipe=$( (cat "$dockerfile"; echo "$packages"; echo "$BASE"; docker image inspect -f '{{.Id}}' "$BASE") | sha256sum | cut -c1-16)
  have=$(docker image inspect -f '{{ index .Config.Labels "org.evor.recipe" }}' "$image" 2>/dev/null || true)
  if [ "$have" = "$recipe" ]; then
    echo "evor: $image is up to date, kept" >&2
    return 0
  fi
  echo "evor: building $image${packages:+ (Debian: $packages)}" >&2
  local log
  log=$(mktemp)
  if ! docker build -q --network host --build-arg "BASE=$BASE" --build-arg "LANGUAGE=$lang" --build-arg "PACKAGES=$packages" \
      --label "org.evor.recipe=$recipe" -f "$dockerfile" -t "$image" "$context" >"$log" 2>&1; then
    echo "evor: building $image failed:" >&2
    tail -20 "$log" >&2
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
  echo "evor: built $image" >&2
}

if [ "${1:-}" = "--one" ]; then
  build_one "$2"
  exit
fi

# Names with a Dockerfile of their own (pony, ring: not in languages.json) pass as they are; the rest, aliases and `all`
# included, are resolved by languages.py, which fails naming an unknown one.
own=() listed=()
for lang in "$@"; do
  if [ -f "sandbox/$lang/Dockerfile" ]; then own+=("$lang"); else listed+=("$lang"); fi
done
if [ $# -eq 0 ]; then
  resolved=$(./languages.py defaults)
elif [ ${#listed[@]} -gt 0 ]; then
  resolved=$(./languages.py resolve "${listed[@]}")
else
  resolved=""
fi
LANGS=("${own[@]}")
[ -z "$resolved" ] || mapfile -t -O "${#LANGS[@]}" LANGS <<<"$resolved"

base/build-base.sh "$BASE"
printf '%s\n' "${LANGS[@]}" | xargs -P "${EVOR_IMAGE_JOBS:-3}" -I{} "$SELF" --one {}
