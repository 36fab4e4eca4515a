#!/usr/bin/env bash
# EvoR's entry points on a fresh Debian machine with the .NET SDK:
#   ./evor.sh serve [dotnet run args…]   start the service on its embedded defaults (http://127.0.0.1:5080)
#   ./evor.sh test                        run the whole test suite (CI runs exactly this)
#   ./evor.sh languages add <name…>|all   install languages: their Debian packages (process backend) and, when a Docker
#                                         engine answers, their images (Docker backend)
#   ./evor.sh languages list              every language, and whether it is installed on the host and as an image
#   ./evor.sh images [lang…|all]          build the Docker backend's images (base, sandboxes, service) and smoke-test the
#                                         service image; starts a Docker engine when none answers and leaves it running
#   ./evor.sh engine stop                 stop the Docker engine that evor.sh started
#   ./evor.sh kb add <base> <folder> …    load a folder of documentation into a knowledge base of a running service
#   ./evor.sh bench <command> …           EvoR-Bench (run, compare, methods, sandbox): dotnet run --project bench/EvoR-Bench
# `serve` installs the sandbox's packages and a small default set of languages (python, c, lua) when they are missing;
# every other language is installed on request (`languages add`). `test` installs them all, and also runs every sandbox
# suite on the Docker backend: it installs docker.io and debootstrap, starts dockerd itself unless one answers already
# (and stops what it started on exit, failure included), and builds every image once (kept while its recipe is
# unchanged). EVOR_DOCKER=0 leaves Docker out (its tests then skip, saying why); `serve` uses it when
# Sandbox__Backend=docker, starting an engine (left running) when none answers.
# The engine evor.sh starts listens on $DOCKER_HOST (default unix:///var/run/docker.sock) and keeps its state under
# $EVOR_DOCKER_ROOT (default: Docker's own /var/lib/docker and /var/run/docker): a second engine beside another one
# needs both set.
set -euo pipefail
cd "$(dirname "$0")"

# The sandbox itself (bubblewrap, prlimit; python3 also reads the language table, docker/languages.py). The languages'
# own packages are listed once, in src/EvoR.Sandbox/Languages/languages.json.
PACKAGES=(bubblewrap util-linux python3)
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

# Where the engine evor.sh starts listens and keeps its state. Docker's defaults unless told otherwise; a second engine
# beside a running one (e.g. to try the newcomer's path without stopping it) needs its own socket (DOCKER_HOST) and
# root (EVOR_DOCKER_ROOT: data, exec state and pidfile beneath it).
DOCKER_ROOT=${EVOR_DOCKER_ROOT:-}
DOCKERD_PIDFILE=${DOCKER_ROOT:+$DOCKER_ROOT/dockerd.pid}
DOCKERD_PIDFILE=${DOCKERD_PIDFILE:-/var/run/evor-dockerd.pid}
# The smoke tests mount the engine's socket into the service container: the same engine.
case "${DOCKER_HOST:-}" in unix://*) export DOCKER_SOCKET=${DOCKER_SOCKET:-${DOCKER_HOST#unix://}} ;; esac

# Starts dockerd (no iptables, no bridge: sandboxes use no network at all) unless an engine answers already.
#   start_dockerd run     for this command only: stopped when evor.sh exits, failure included (`test`)
#   start_dockerd keep    left running after evor.sh exits, its pid in $DOCKERD_PIDFILE (`images`, `serve`)
start_dockerd() {
  local mode=$1
  if docker info >/dev/null 2>&1; then
    echo "evor: using the Docker engine that is already running" >&2
    return 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "evor: no Docker engine answers and starting one needs root" >&2
    return 1
  fi
  echo "evor: starting dockerd (log: $DOCKER_LOG)" >&2
  local args=(--iptables=false --ip-masq=false --ip-forward=false --bridge=none --pidfile "$DOCKERD_PIDFILE")
  if [ -x /usr/bin/runsc ]; then
    # gVisor without its own network stack (sandboxes have none). Not --oci-seccomp: in Debian's runsc (20221219) it
    # makes pthread_create fail with EPERM; gVisor's own kernel stands between the program and the host instead.
    local daemon_json
    daemon_json=$(mktemp /tmp/evor-daemon.XXXXXX.json)
    echo '{"runtimes": {"runsc": {"path": "/usr/bin/runsc", "runtimeArgs": ["--network=none"]}}}' >"$daemon_json"
    args+=(--config-file "$daemon_json")
  fi
  [ -z "${DOCKER_HOST:-}" ] || args+=(--host "$DOCKER_HOST")
  [ -z "$DOCKER_ROOT" ] || { mkdir -p "$DOCKER_ROOT"; args+=(--data-root "$DOCKER_ROOT/data" --exec-root "$DOCKER_ROOT/exec"); }
  if [ "$mode" = keep ]; then
    # Its own session, so that neither the end of this script nor a Ctrl-C in this terminal stops it.
    setsid dockerd "${args[@]}" >"$DOCKER_LOG" 2>&1 </dev/null &
  else
    dockerd "${args[@]}" >"$DOCKER_LOG" 2>&1 &
    trap stop_dockerd EXIT
  fi
  DOCKERD_PID=$!
  for _ in $(seq 1 30); do
    if docker info >/dev/null 2>&1; then
      [ "$mode" = run ] || echo "evor: dockerd (pid $DOCKERD_PID) keeps running after this command; stop it with: ./evor.sh engine stop" >&2
      return 0
    fi
    kill -0 "$DOCKERD_PID" 2>/dev/null || break
    sleep 1
  done
  echo "evor: dockerd did not come up (see $DOCKER_LOG)" >&2
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

# `./evor.sh engine stop`: the engine a previous `images` or `serve` left running, found by its pidfile (never one that
# evor.sh did not start).
stop_kept_dockerd() {
  local pid
  pid=$(cat "$DOCKERD_PIDFILE" 2>/dev/null || true)
  if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
    echo "evor: no Docker engine started by evor.sh is running (pidfile $DOCKERD_PIDFILE)" >&2
    return 0
  fi
  echo "evor: stopping dockerd (pid $pid)" >&2
  DOCKERD_PID=$pid stop_dockerd
}

# The Debian packages of languages (names, aliases or `all`), from the one table in languages.json.
install_language_packages() {
  local packages
  packages=$(docker/languages.py packages "$@")
  # shellcheck disable=SC2086 # one package a word
  install_packages $packages
}

# The languages' Debian packages (host, process backend) and, when a Docker engine answers, their images.
#   add_languages <name…>|all
add_languages() {
  local names
  names=$(docker/languages.py resolve "$@")
  # shellcheck disable=SC2086 # one name a word
  install_language_packages $names
  if docker info >/dev/null 2>&1; then
    # shellcheck disable=SC2086 # one name a word
    docker/build-images.sh $names
  elif [ "${Sandbox__Backend:-process}" = "docker" ]; then
    echo "evor: no Docker engine answers, so no language images were built; ./evor.sh images $* starts one and builds them" >&2
  fi
  echo "evor: installed $(echo $names)" >&2
}

# One line per language: whether its packages are on the host and its image in the engine.
list_languages() {
  local engine=0
  docker info >/dev/null 2>&1 && engine=1
  printf '%-12s %-10s %-9s %s\n' LANGUAGE HOST IMAGE PACKAGES
  while IFS=$'\t' read -r name packages _; do
    local host=installed image="-"
    for p in $packages; do
      dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || host=missing
    done
    if [ "$engine" = 1 ]; then
      image=missing
      docker image inspect "evor/sandbox-$name:bookworm" >/dev/null 2>&1 && image=built
    fi
    printf '%-12s %-10s %-9s %s\n' "$name" "$host" "$image" "$packages"
  done < <(docker/languages.py table)
  [ "$engine" = 1 ] || echo "(no Docker engine answers: images not checked)"
  echo "install more with: ./evor.sh languages add <name…>|all"
}

# Engine up, images built (cached), service image smoke-tested: the Docker suites must then pass, not skip.
prepare_docker() {
  docker_wanted || return 0
  install_packages "${DOCKER_PACKAGES[@]}"
  start_dockerd run || { echo "evor: Docker tests will skip" >&2; return 0; }
  docker/build-images.sh all
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
  trap 'stop_postgres; stop_second_engine; stop_dockerd' EXIT
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

# A second Docker engine for the fleet and TLS tests (EVOR_TEST_DOCKER_SECOND, EVOR_TEST_DOCKER_TLS_*;
# EVOR_REQUIRE_DOCKER_FLEET=1 makes them fail rather than skip): its own socket and state in a temporary folder, the
# python and c images copied from the first engine, stopped and removed on exit. Only where the first engine runs for
# the tests.
SECOND_DIR=""
SECOND_PID=""
prepare_second_engine() {
  [ "${EVOR_REQUIRE_DOCKER:-}" = 1 ] || return 0
  SECOND_DIR=$(mktemp -d /tmp/evor-docker2.XXXXXX)
  trap 'stop_postgres; stop_second_engine; stop_dockerd' EXIT
  local sock="unix://$SECOND_DIR/docker.sock" image tls="$SECOND_DIR/tls" port
  # It also listens on tcp://127.0.0.1 with TLS client certificates, for the TLS engine tests (TLS applies to tcp only).
  docker/test-tls-certs.sh "$tls"
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  dockerd --iptables=false --ip-masq=false --ip-forward=false --bridge=none --host "$sock" \
    --host "tcp://127.0.0.1:$port" --tlsverify --tlscacert "$tls/ca.pem" --tlscert "$tls/server-cert.pem" \
    --tlskey "$tls/server-key.pem" \
    --pidfile "$SECOND_DIR/dockerd.pid" --data-root "$SECOND_DIR/data" --exec-root "$SECOND_DIR/exec" \
    >"$SECOND_DIR/dockerd.log" 2>&1 </dev/null &
  SECOND_PID=$!
  for _ in $(seq 1 30); do DOCKER_HOST=$sock docker info >/dev/null 2>&1 && break; sleep 1; done
  if ! DOCKER_HOST=$sock docker info >/dev/null 2>&1; then
    echo "evor: the second Docker engine did not come up (fleet tests will skip)" >&2; tail -5 "$SECOND_DIR/dockerd.log" >&2
    return 0
  fi
  for image in evor/sandbox-python:bookworm evor/sandbox-c:bookworm; do
    docker save "$image" | DOCKER_HOST=$sock docker load >/dev/null
  done
  echo "evor: a second Docker engine for the fleet tests at $sock and (TLS) tcp://127.0.0.1:$port" >&2
  export EVOR_TEST_DOCKER_SECOND=$sock EVOR_REQUIRE_DOCKER_FLEET=1
  export EVOR_TEST_DOCKER_TLS_ENDPOINT="tcp://127.0.0.1:$port" EVOR_TEST_DOCKER_TLS_DIR=$tls
}

stop_second_engine() {
  [ -n "$SECOND_PID" ] || return 0
  kill "$SECOND_PID" 2>/dev/null || true
  for _ in $(seq 1 20); do kill -0 "$SECOND_PID" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$SECOND_PID" 2>/dev/null || true
  umount -R "$SECOND_DIR" 2>/dev/null || true
  rm -rf "$SECOND_DIR"
  SECOND_PID=""
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
  # The runner prints a failing module's whole console output after the failure, which can push the failure out of a
  # log's tail (CI shows only the tail): name each failed test and the start of its message again, last.
  if grep -aq '^failed ' "$log"; then
    echo "failed tests (repeated from above):"
    grep -a -A8 '^failed ' "$log" | cut -c1-300 | head -200
  fi
  rm -f "$log"
  echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
  return "$rc"
}

case "${1:-}" in
  serve)
    shift
    install_packages "${PACKAGES[@]}"
    mapfile -t defaults < <(docker/languages.py defaults)
    install_language_packages "${defaults[@]}"
    if [ "${Sandbox__Backend:-process}" = "docker" ]; then
      install_packages "${DOCKER_PACKAGES[@]}"
      start_dockerd keep || { echo "evor: Sandbox__Backend=docker but no Docker engine answers" >&2; exit 1; }
      docker/build-images.sh "${defaults[@]}"
    fi
    exec dotnet run -c Release --project src/EvoR.Api -- "$@"
    ;;
  test)
    install_packages "${PACKAGES[@]}" "${TEST_PACKAGES[@]}"
    install_language_packages all
    # Every language is installed now: a language test that finds its toolchain missing fails instead of skipping.
    export EVOR_REQUIRE_LANGUAGES=1
    prepare_redocly
    prepare_docker
    prepare_postgres
    prepare_second_engine
    run_tests
    ;;
  images)
    shift
    install_packages "${DOCKER_PACKAGES[@]}"
    start_dockerd keep || exit 1
    if [ $# -gt 0 ]; then docker/build-images.sh "$@"; else docker/build-images.sh; fi
    docker/build-service-image.sh
    docker/service-smoke.sh
    docker/reap-smoke.sh
    ;;
  languages)
    case "${2:-}" in
      add)
        [ $# -ge 3 ] || { echo "usage: ./evor.sh languages add <name…>|all" >&2; exit 2; }
        shift 2
        install_packages "${PACKAGES[@]}"
        add_languages "$@"
        ;;
      list) install_packages "${PACKAGES[@]}"; list_languages ;;
      *) echo "usage: ./evor.sh languages add <name…>|all | languages list" >&2; exit 2 ;;
    esac
    ;;
  engine)
    [ "${2:-}" = "stop" ] || { echo "usage: ./evor.sh engine stop" >&2; exit 2; }
    stop_kept_dockerd
    ;;
  bench)
    shift
    install_packages "${PACKAGES[@]}"
    install_language_packages $(docker/languages.py defaults)
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
    echo "usage: ./evor.sh serve|test|images [lang…]|languages add <name…>|languages list|engine stop|bench …|kb add <base> <folder> …" >&2
    exit 2
    ;;
esac
