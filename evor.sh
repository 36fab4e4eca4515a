#!/usr/bin/env bash
# EvoR's two entry points on a fresh Debian machine with the .NET SDK:
#   ./evor.sh serve [dotnet run args…]   start the service on its embedded defaults (http://127.0.0.1:5080)
#   ./evor.sh test                        run the whole test suite (CI runs exactly this)
#   ./evor.sh images                      build the Docker backend's images (base, sandboxes, service) and smoke-test the service image
#   ./evor.sh kb add <base> <folder> …    load a folder of documentation into a knowledge base of a running service
#   ./evor.sh bench <command> …           EvoR-Bench (run, compare, methods, sandbox): dotnet run --project bench/EvoR-Bench
# Both install the system packages the sandbox needs when they are missing. `test` also runs every sandbox suite on the
# Docker backend: it installs docker.io and debootstrap, starts dockerd itself unless one answers already (and stops
# what it started on exit, failure included), and builds the images once (kept while their recipe is unchanged).
# EVOR_DOCKER=0 leaves Docker out (its tests then skip, saying why); `serve` uses it when Sandbox__Backend=docker.
set -euo pipefail
cd "$(dirname "$0")"

# The sandbox (bubblewrap, prlimit) and the languages it offers, from Debian's packages.
PACKAGES=(bubblewrap util-linux python3 python3-numpy python3-scipy lua5.4 nim gcc libc6-dev)
# The Docker backend: the engine (runc and tini come with it), debootstrap for the base image, curl for the smoke test.
# runsc (gVisor) is registered with the dockerd that evor.sh starts, so the gVisor suites run too.
DOCKER_PACKAGES=(docker.io debootstrap curl runsc)
# What only the tests need: Chromium opens EvoR-Bench's report.html headless (the test skips without it).
TEST_PACKAGES=(chromium)
DOCKER_LOG=${EVOR_DOCKERD_LOG:-/tmp/evor-dockerd.log}
DOCKERD_PID=""

install_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "evor: installing ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

docker_wanted() { [ "${EVOR_DOCKER:-1}" != "0" ]; }

# Starts dockerd (no iptables, no bridge: sandboxes use no network at all) unless an engine answers already.
start_dockerd() {
  if docker info >/dev/null 2>&1; then
    echo "evor: using the Docker engine that is already running" >&2
    return 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "evor: no Docker engine answers and starting one needs root; Docker tests will skip" >&2
    return 1
  fi
  echo "evor: starting dockerd (log: $DOCKER_LOG)" >&2
  local config=()
  if [ -x /usr/bin/runsc ]; then
    # gVisor without its own network stack (sandboxes have none). Not --oci-seccomp: in Debian's runsc (20221219) it
    # makes pthread_create fail with EPERM; gVisor's own kernel stands between the program and the host instead.
    local daemon_json
    daemon_json=$(mktemp /tmp/evor-daemon.XXXXXX.json)
    echo '{"runtimes": {"runsc": {"path": "/usr/bin/runsc", "runtimeArgs": ["--network=none"]}}}' >"$daemon_json"
    config=(--config-file "$daemon_json")
  fi
  dockerd "${config[@]}" --iptables=false --ip-masq=false --ip-forward=false --bridge=none >"$DOCKER_LOG" 2>&1 &
  DOCKERD_PID=$!
  trap stop_dockerd EXIT
  for _ in $(seq 1 30); do
    docker info >/dev/null 2>&1 && return 0
    kill -0 "$DOCKERD_PID" 2>/dev/null || break
    sleep 1
  done
  echo "evor: dockerd did not come up (see $DOCKER_LOG); Docker tests will skip" >&2
  tail -5 "$DOCKER_LOG" >&2 || true
  stop_dockerd
  return 1
}

stop_dockerd() {
  [ -n "$DOCKERD_PID" ] || return 0
  # Sandbox containers of this run are removed by the service; whatever a crash left goes with the engine's state.
  kill "$DOCKERD_PID" 2>/dev/null || true
  for _ in $(seq 1 20); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$DOCKERD_PID" 2>/dev/null || true
  DOCKERD_PID=""
}

# Engine up, images built (cached), service image smoke-tested: the Docker suites must then pass, not skip.
prepare_docker() {
  docker_wanted || return 0
  install_packages "${DOCKER_PACKAGES[@]}"
  start_dockerd || return 0
  docker/build-images.sh
  docker/build-service-image.sh
  docker/service-smoke.sh
  docker/reap-smoke.sh
  export EVOR_REQUIRE_DOCKER=1
}

# The OpenAPI lint test runs redocly's CLI (npm, pinned); without npm the test skips and says so.
REDOCLY_VERSION=2.77.0
prepare_redocly() {
  command -v npm >/dev/null 2>&1 || install_packages nodejs npm || true
  command -v npm >/dev/null 2>&1 || { echo "evor: no npm; the OpenAPI lint test will skip" >&2; return 0; }
  local prefix="${XDG_CACHE_HOME:-$HOME/.cache}/evor/redocly-$REDOCLY_VERSION"
  if [ ! -x "$prefix/node_modules/.bin/redocly" ]; then
    echo "evor: installing @redocly/cli $REDOCLY_VERSION under $prefix" >&2
    npm install --silent --no-audit --no-fund --prefix "$prefix" "@redocly/cli@$REDOCLY_VERSION" >/dev/null
  fi
  export EVOR_REDOCLY="$prefix/node_modules/.bin/redocly"
}

# PostgreSQL for the tests of the PostgreSQL stores (Generations:Store=postgres): Debian's server, one throwaway
# cluster for the run (trust auth on 127.0.0.1 only, its own port, data in a temporary folder), stopped and removed on
# exit, failure included. Tests read EVOR_TEST_POSTGRES; EVOR_REQUIRE_POSTGRES=1 makes them fail rather than skip.
# EVOR_POSTGRES=0 leaves it out (those tests then skip, saying why).
PG_DIR=""
PG_BIN=""
PG_AS=()
prepare_postgres() {
  [ "${EVOR_POSTGRES:-1}" != "0" ] || return 0
  install_packages postgresql
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -x "$PG_BIN/initdb" ] || { echo "evor: no PostgreSQL server found; PostgreSQL tests will skip" >&2; return 0; }
  PG_DIR=$(mktemp -d /tmp/evor-pg.XXXXXX)
  trap 'stop_postgres; stop_dockerd' EXIT
  # The server refuses to run as root: as root, it runs as Debian's postgres user.
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$PG_DIR"; PG_AS=(runuser -u postgres --); fi
  if ! "${PG_AS[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 >"$PG_DIR/initdb.log" 2>&1; then
    echo "evor: initdb failed; PostgreSQL tests will skip" >&2; tail -5 "$PG_DIR/initdb.log" >&2; stop_postgres; return 0
  fi
  local port
  for port in $(seq "${EVOR_TEST_POSTGRES_PORT:-55432}" "$(( ${EVOR_TEST_POSTGRES_PORT:-55432} + 9 ))"); do
    # fsync off: a test cluster is thrown away; max_connections for several service replicas at once.
    if "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 \
        -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off" start >/dev/null 2>&1; then
      echo "evor: PostgreSQL for the tests on 127.0.0.1:$port (data $PG_DIR, removed on exit)" >&2
      export EVOR_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
      export EVOR_REQUIRE_POSTGRES=1
      return 0
    fi
  done
  echo "evor: PostgreSQL did not start; PostgreSQL tests will skip" >&2
  tail -5 "$PG_DIR/server.log" >&2 2>/dev/null || true
  stop_postgres
}

stop_postgres() {
  [ -n "$PG_DIR" ] || return 0
  "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
  PG_DIR=""
}

run_tests() {
  local log
  log=$(mktemp)
  set +e
  # One test project at a time: the sandbox suites assert wall times, and on 2 cores parallel projects (HumanEval on two
  # backends beside three hostile suites) would measure each other.
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
    install_packages "${PACKAGES[@]}"
    if [ "${Sandbox__Backend:-process}" = "docker" ]; then
      install_packages "${DOCKER_PACKAGES[@]}"
      docker info >/dev/null 2>&1 || { echo "evor: Sandbox__Backend=docker but no Docker engine answers" >&2; exit 1; }
      docker/build-images.sh
    fi
    exec dotnet run -c Release --project src/EvoR.Api -- "$@"
    ;;
  test)
    install_packages "${PACKAGES[@]}" "${TEST_PACKAGES[@]}"
    prepare_redocly
    prepare_docker
    prepare_postgres
    run_tests
    ;;
  images)
    install_packages "${DOCKER_PACKAGES[@]}"
    docker info >/dev/null 2>&1 || start_dockerd
    docker/build-images.sh
    docker/build-service-image.sh
    docker/service-smoke.sh
    docker/reap-smoke.sh
    ;;
  bench)
    shift
    install_packages "${PACKAGES[@]}"
    exec dotnet run -c Release --project bench/EvoR-Bench -- "$@"
    ;;
  kb)
    # ./evor.sh kb add <base> <folder> [--url URL] [--api-key KEY] [--shared] [--source KIND] [--language L]
    #   [--library L] [--prefix P]: packs the folder (Markdown, HTML, reStructuredText, text) as a .tar.gz and posts
    #   it to /v1/knowledge-bases/<base>/files, creating the base first when it does not exist (--shared: readable by
    #   every API key). URL and key default to $EVOR_URL (else http://127.0.0.1:5080) and $EVOR_API_KEY.
    if [ "${2:-}" != "add" ] || [ -z "${3:-}" ] || [ -z "${4:-}" ]; then
      echo "usage: ./evor.sh kb add <base> <folder> [--url URL] [--api-key KEY] [--shared] [--source KIND] [--language L] [--library L] [--prefix P]" >&2
      exit 2
    fi
    base=$3 folder=${4:-}
    [ -n "$folder" ] && [ -d "$folder" ] || { echo "evor: '$folder' is not a folder" >&2; exit 2; }
    shift 4
    url=${EVOR_URL:-http://127.0.0.1:5080} key=${EVOR_API_KEY:-} shared=false query=()
    while [ $# -gt 0 ]; do
      case "$1" in
        --url) url=${2:?--url needs a value}; shift 2 ;;
        --api-key) key=${2:?--api-key needs a value}; shift 2 ;;
        --shared) shared=true; shift ;;
        --source|--language|--library|--prefix) query+=(--url-query "${1#--}=${2:?$1 needs a value}"); shift 2 ;;
        *) echo "evor: unknown option '$1'" >&2; exit 2 ;;
      esac
    done
    url=${url%/} auth=()
    [ -z "$key" ] || auth=(-H "Authorization: Bearer $key")
    archive=$(mktemp --suffix=.tar.gz)
    trap 'rm -f "$archive"' EXIT
    tar -C "$folder" -czf "$archive" .
    status=$(curl -sS -o /dev/null -w '%{http_code}' "${auth[@]}" "$url/v1/knowledge-bases/$base") || { echo "evor: no service answers at $url" >&2; exit 1; }
    if [ "$status" = "404" ]; then
      curl -sS --fail-with-body -o /dev/null "${auth[@]}" -H 'Content-Type: application/json' \
        --data-binary "{\"name\":\"$base\",\"shared\":$shared}" "$url/v1/knowledge-bases" || exit 1
      echo "evor: created knowledge base $base" >&2
    elif [ "$status" != "200" ]; then
      curl -sS "${auth[@]}" "$url/v1/knowledge-bases/$base" >&2; echo >&2
      exit 1
    fi
    curl -sS --fail-with-body "${auth[@]}" -H 'Content-Type: application/gzip' --data-binary "@$archive" \
      "${query[@]}" "$url/v1/knowledge-bases/$base/files"
    echo
    ;;
  *)
    echo "usage: ./evor.sh serve|test|images|bench …|kb add <base> <folder> …" >&2
    exit 2
    ;;
esac
