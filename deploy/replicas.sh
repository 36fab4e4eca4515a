#!/usr/bin/env bash
# A local multi-replica EvoR on one machine: PostgreSQL for jobs, events and the work queue, and two (or more)
# replicas of the service on their own ports, all in the foreground; Ctrl-C (or the end of the script) stops them all.
#
#   deploy/replicas.sh [--scripted]
#
# PostgreSQL: ConnectionStrings__EvoR when set (a server of yours, e.g. on another host); otherwise a cluster of this
# script's own, made with Debian's postgresql (installed when missing) under $EVOR_REPLICAS_DIR/postgres (default
# ~/.local/share/evor/replicas), kept between runs, listening on 127.0.0.1:${EVOR_REPLICAS_PG_PORT:-5433}.
# Replicas: ports from EVOR_REPLICA_PORTS (default "5081 5082"), each with its own data folder; every other setting
# comes from the environment as for ./evor.sh serve (Llm__*, Generations__Workers…).
# --scripted: a scripted OpenAI-compatible model (docker/scripted-llm.py on 127.0.0.1:5090) for trying it without a
# real one; its answers are fixed, never a model's.
# Docker backend hook: EVOR_REPLICA_DOCKER_1, EVOR_REPLICA_DOCKER_2, … (unix:///path) give replica N its own Docker
# engine (Sandbox__Backend=docker, Sandbox__Docker__Endpoint); unset, replicas use the sandbox backend configured in
# the environment (the process sandbox by default). Starting the engines themselves is not done here.
set -euo pipefail
cd "$(dirname "$0")/.."

DIR=${EVOR_REPLICAS_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/evor/replicas}
PORTS=(${EVOR_REPLICA_PORTS:-5081 5082})
PG_PORT=${EVOR_REPLICAS_PG_PORT:-5433}
PIDS=()
mkdir -p "$DIR"
PG_STARTED=""
PG_AS=()

stop_all() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
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

[ -n "${ConnectionStrings__EvoR:-}" ] || start_postgres

if [ "${1:-}" = "--scripted" ]; then
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
  docker_env=()
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
wait -n "${PIDS[@]}" || true
echo "replicas: a process ended; stopping the others" >&2
