#!/usr/bin/env bash
# EvoR's two entry points on a fresh Debian machine with the .NET SDK:
#   ./evor.sh serve [dotnet run args…]   start the service on its embedded defaults (http://127.0.0.1:5080)
#   ./evor.sh test                        run the whole test suite (CI runs exactly this)
# Both install the system packages the sandbox needs when they are missing.
set -euo pipefail
cd "$(dirname "$0")"

# The sandbox (bubblewrap, prlimit) and the languages it offers, from Debian's packages.
PACKAGES=(bubblewrap util-linux python3 python3-numpy python3-scipy lua5.4 nim gcc libc6-dev)

install_packages() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "evor: installing ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

run_tests() {
  local log
  log=$(mktemp)
  set +e
  # One test project at a time: the sandbox suites assert wall-time bounds, which two cores shared by several
  # suites at once would stretch.
  dotnet test EvoR.sln -c Release --max-parallel-test-modules 1 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  set -e
  # One plain closing line, whatever the runner printed above it.
  local passed failed skipped
  passed=$(grep -E '^\s+succeeded: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
  failed=$(grep -E '^\s+failed: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
  skipped=$(grep -E '^\s+skipped: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
  rm -f "$log"
  echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
  return "$rc"
}

case "${1:-}" in
  serve)
    shift
    install_packages
    exec dotnet run -c Release --project src/EvoR.Api -- "$@"
    ;;
  test)
    install_packages
    run_tests
    ;;
  *)
    echo "usage: ./evor.sh serve|test" >&2
    exit 2
    ;;
esac
