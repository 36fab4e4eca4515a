#!/usr/bin/env bash
# Builds the local base image (Debian bookworm minbase) with debootstrap + `docker import`: no registry is involved.
# The mirror is the one apt already uses on this machine, read from /etc/apt/sources.list*.
#   docker/base/build-base.sh [image]      default image: evor/debian:bookworm
set -euo pipefail
IMAGE=${1:-evor/debian:bookworm}
SUITE=bookworm

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "evor: base image $IMAGE exists, kept" >&2
  exit 0
fi

# First http(s) URI of a Debian archive in apt's sources (deb822 "URIs:" or one-line "deb …" form).
mirror_for() { # $1: path suffix to match, e.g. /debian or /debian-security
  { cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null || true; } \
    | { grep -v '^\s*#' || true; } \
    | grep -oE '(https?|file)://[^ ]+' \
    | sed 's:/*$::' \
    | { grep -E "$1\$" || true; } | head -1
}
MIRROR=$(mirror_for /debian)
SECURITY=$(mirror_for /debian-security || true)
if [ -z "$MIRROR" ]; then
  echo "evor: no Debian mirror found in /etc/apt/sources.list*" >&2
  exit 1
fi

ROOT=$(mktemp -d /var/tmp/evor-rootfs.XXXXXX)
trap 'rm -rf "$ROOT"' EXIT
echo "evor: debootstrap $SUITE (minbase) from the configured mirror" >&2
debootstrap --variant=minbase --components=main "$SUITE" "$ROOT" "$MIRROR" >/dev/null

{
  echo "deb $MIRROR $SUITE main"
  echo "deb $MIRROR $SUITE-updates main"
  [ -n "$SECURITY" ] && echo "deb $SECURITY $SUITE-security main"
} > "$ROOT/etc/apt/sources.list"
# Smaller images: no docs, no man pages, no apt caches.
cat > "$ROOT/etc/dpkg/dpkg.cfg.d/evor-nodoc" <<'CFG'
path-exclude /usr/share/doc/*
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
CFG
rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/*

tar --numeric-owner -C "$ROOT" -c . | docker import --change 'CMD ["/bin/bash"]' - "$IMAGE" >/dev/null
echo "evor: built $IMAGE" >&2
