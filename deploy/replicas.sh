#!/usr/bin/env bash
# A local multi-replica EvoR on one machine: PostgreSQL for jobs, events and the work queue, and two (or more)
# replicas of the service on their own ports, all in the foreground; Ctrl-C (or the end of the script) stops them all.
#
#   deploy/replicas.sh [--scripted] [--docker]
#
# PostgreSQL: ConnectionStrings__EvoR when set (a server of yours, e.g. on another host); otherwise a cluster of this
# script's own, made with Debian's postgresql (installed when missing) under $EVOR_REPLICAS_DIR/postgres (default
# ~/.local/share/evor/replicas), kept between runs, listening on 127.0.0.1:${EVOR_REPLICAS_PG_PORT:-5433}.
# Replicas: ports from EVOR_REPLICA_PORTS (default "5081 5082"), each with its own data folder; every other setting
# comes from the environment as for ./evor.sh serve (Llm__*, Generations__Workers…).
# --scripted: a scripted OpenAI-compatible model (docker/scripted-llm.py on 127.0.0.1:5090) for trying it without a
# real one; its answers are fixed, never a model's.
# --docker: a fleet of Docker engines shared by every replica (Sandbox__Backend=docker, Sandbox__Docker__Engines__N__…):
# two dockerd of this script's own (root needed), each with its own socket and state under $EVOR_REPLICAS_DIR/docker-N
# (unix://$EVOR_REPLICAS_DIR/docker-N/docker.sock), stopped with the rest; their sandbox images (languages from
# EVOR_REPLICAS_LANGUAGES, default "python") are copied from the default engine when it has them, else built with
# ./evor.sh images. EVOR_REPLICAS_ENGINES="unix:///a.sock tcp://host:2376 …" names engines of yours instead (nothing is
# started; a tcp:// engine's TLS files go in Sandbox__Docker__Engines__N__Tls__CaPath/CertPath/KeyPath in the
# environment); EVOR_REPLICAS_ENGINE_CAPACITY (default 2) is each engine's capacity.
# Older per-replica hook: EVOR_REPLICA_DOCKER_1, EVOR_REPLICA_DOCKER_2, … (unix:///path) give replica N an engine of its
# own (Sandbox__Docker__Endpoint). Without either, replicas use the sandbox backend configured in the environment (the
# process sandbox by default).
set -euo pipefail
cd "$(dirname "$0")/.."

DIR=${EVOR_REPLICAS_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/evor/replicas}
PORTS=(${EVOR_REPLICA_PORTS:-5081 5082})
PG_PORT=${EVOR_REPLICAS_PG_PORT:-5433}
PIDS=()
ENGINE_PIDS=()
mkdir -p "$DIR"
PG_STARTED=""
PG_AS=()

stop_all() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  # The engines last: the replicas remove their sandbox containers as they stop.
  for pid in "${ENGINE_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${ENGINE_PIDS[@]}"; do
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
  done
  if [ -n "$PG_STARTED" ]; then
    "${PG_AS[@]}" "$PG_STARTED/pg_ctl" -D "$DIR/postgres" -w stop >/dev/null 2>&1 || true
  fi
}
trap stop_all EXIT
trap 'exit 130' INT TERM

start_postgres() {
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  fi
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  mkdir -p "$DIR"
  if [ "$(id -u)" -eq 0 ]; then PG_AS=(runuser -u postgres --); chown postgres: "$DIR"; fi
  if [ ! -f "$DIR/postgres/PG_VERSION" ]; then
    # Trust on 127.0.0.1 only: a local trial. Across hosts, use a server with passwords (README: scale-out).
    "${PG_AS[@]}" "$bin/initdb" -D "$DIR/postgres" -U postgres --auth=trust -E UTF8 >/dev/null
  fi
  "${PG_AS[@]}" "$bin/pg_ctl" -D "$DIR/postgres" -l "$DIR/postgres.log" -w \
    -o "-p $PG_PORT -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
  PG_STARTED=$bin
  "${PG_AS[@]}" "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'evor'" | grep -q 1 \
    || "${PG_AS[@]}" "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres evor
  export ConnectionStrings__EvoR="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=evor;Maximum Pool Size=50"
  echo "replicas: PostgreSQL on 127.0.0.1:$PG_PORT (data $DIR/postgres)" >&2
}

# start_engine N: a dockerd of this script's own on unix://$DIR/docker-N/docker.sock (no network for sandboxes, as
# ./evor.sh starts it), with the sandbox images it needs.
start_engine() {
  local root="$DIR/docker-$1" sock="unix://$DIR/docker-$1/docker.sock"
  [ "$(id -u)" -eq 0 ] || { echo "replicas: starting Docker engines needs root (or name yours in EVOR_REPLICAS_ENGINES)" >&2; exit 1; }
  command -v dockerd >/dev/null || { echo "replicas: dockerd is missing: ./evor.sh images installs docker.io" >&2; exit 1; }
  mkdir -p "$root"
  if ! DOCKER_HOST=$sock docker info >/dev/null 2>&1; then
    dockerd --iptables=false --ip-masq=false --ip-forward=false --bridge=none --host "$sock" --pidfile "$root/dockerd.pid" \
      --data-root "$root/data" --exec-root "$root/exec" >"$root/dockerd.log" 2>&1 </dev/null &
    ENGINE_PIDS+=($!)
    for _ in $(seq 1 30); do DOCKER_HOST=$sock docker info >/dev/null 2>&1 && break; sleep 1; done
    DOCKER_HOST=$sock docker info >/dev/null 2>&1 || { echo "replicas: the engine $sock did not come up (see $root/dockerd.log)" >&2; exit 1; }
  fi
  local lang image
  for lang in ${EVOR_REPLICAS_LANGUAGES:-python}; do
    image="evor/sandbox-$lang:bookworm"
    DOCKER_HOST=$sock docker image inspect "$image" >/dev/null 2>&1 && continue
    if docker image inspect "$image" >/dev/null 2>&1; then
      docker save "$image" | DOCKER_HOST=$sock docker load >/dev/null
    else
      DOCKER_HOST=$sock ./evor.sh images "$lang" >&2
    fi
  done
  ENGINES+=("$sock")
  echo "replicas: Docker engine $1 at $sock (state $root)" >&2
}

[ -n "${ConnectionStrings__EvoR:-}" ] || start_postgres

SCRIPTED="" DOCKER=""
for arg in "$@"; do
  case "$arg" in
    --scripted) SCRIPTED=1 ;;
    --docker) DOCKER=1 ;;
    *) echo "usage: deploy/replicas.sh [--scripted] [--docker]" >&2; exit 2 ;;
  esac
done

ENGINES=()
if [ -n "${EVOR_REPLICAS_ENGINES:-}" ]; then
  ENGINES=(${EVOR_REPLICAS_ENGINES})
elif [ -n "$DOCKER" ]; then
  start_engine 1
  start_engine 2
fi
fleet_env=()
if [ ${#ENGINES[@]} -gt 0 ]; then
  fleet_env=(Sandbox__Backend=docker)
  for i in "${!ENGINES[@]}"; do
    fleet_env+=("Sandbox__Docker__Engines__${i}__Endpoint=${ENGINES[$i]}" "Sandbox__Docker__Engines__${i}__Capacity=${EVOR_REPLICAS_ENGINE_CAPACITY:-2}")
  done
fi

if [ -n "$SCRIPTED" ]; then
  python3 docker/scripted-llm.py 5090 2>"$DIR/scripted-llm.log" &
  PIDS+=($!)
  export Llm__Provider=openai Llm__Endpoint=http://127.0.0.1:5090/v1 Llm__Model=scripted
  echo "replicas: scripted model on 127.0.0.1:5090 (fixed answers, not a model's)" >&2
fi

dotnet build -c Release src/EvoR.Api -v quiet -nologo >/dev/null
app=src/EvoR.Api/bin/Release/net10.0/EvoR.Api.dll
n=0
for port in "${PORTS[@]}"; do
  n=$((n + 1))
  docker_var="EVOR_REPLICA_DOCKER_$n"
  docker_env=("${fleet_env[@]}")
  [ -z "${!docker_var:-}" ] || docker_env=(Sandbox__Backend=docker "Sandbox__Docker__Endpoint=${!docker_var}")
  mkdir -p "$DIR/replica-$n"
  env Generations__Store=postgres Urls="http://127.0.0.1:$port" Data__Root="$DIR/replica-$n" "${docker_env[@]}" \
    dotnet "$app" >"$DIR/replica-$n.log" 2>&1 &
  PIDS+=($!)
  echo "replicas: replica $n on http://127.0.0.1:$port (log $DIR/replica-$n.log)" >&2
done

for port in "${PORTS[@]}"; do
  for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/health/live" >/dev/null 2>&1 && break; sleep 1; done
  curl -sf "http://127.0.0.1:$port/health/live" >/dev/null || { echo "replicas: the replica on port $port did not start (see its log)" >&2; exit 1; }
done
echo "replicas: ready; Ctrl-C stops them all" >&2
[ ${#ENGINES[@]} -eq 0 ] || echo "replicas: both replicas share the engines ${ENGINES[*]}: see each engine under /health" >&2
wait -n "${PIDS[@]}" || true
echo "replicas: a process ended; stopping the others" >&2
