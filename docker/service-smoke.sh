#!/usr/bin/env bash
# Starts the service image as the README does (engine socket mounted, read-only root, no capabilities) with an API key
# and a scripted OpenAI-compatible model (docker/scripted-llm.py on loopback), and exercises every feature once in the
# container: /health healthy on the Docker backend, a 401 without the key, an execution with script tests, an io
# execution, a knowledge base created, filled and searched, and a generation against the scripted model. The container
# shares the host's network (dockerd runs with --bridge=none here) and listens on loopback only. The container, its
# volume and the scripted model are removed at the end, also on failure.
#   docker/service-smoke.sh [image]      default: evor/service:local
set -euo pipefail
cd "$(dirname "$0")"
IMAGE=${1:-evor/service:local}
SOCKET=${DOCKER_SOCKET:-/var/run/docker.sock}
PORT=${EVOR_SMOKE_PORT:-5089}
LLM_PORT=${EVOR_SMOKE_LLM_PORT:-5090}
NAME="evor-service-smoke-$$"
VOLUME="$NAME-data"
BASE="http://127.0.0.1:$PORT"
KEY="evor-smoke-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
WORK=$(mktemp -d)
LLM_PID=""

cleanup() {
  # Stopped (SIGTERM) before removal, so the service shuts down and removes its pool of started sandbox containers.
  docker stop -t 20 "$NAME" >/dev/null 2>&1 || true
  docker rm -f -v "$NAME" >/dev/null 2>&1 || true
  docker volume rm -f "$VOLUME" >/dev/null 2>&1 || true
  [ -n "$LLM_PID" ] && kill "$LLM_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
  echo "evor: service smoke failed: $*" >&2
  docker logs "$NAME" 2>&1 | tail -30 >&2 || true
  exit 1
}

# call METHOD PATH [JSON] [--no-key]: prints the body; the status goes to $WORK/status.
call() {
  local method=$1 path=$2 data=${3:-} auth=(-H "Authorization: Bearer $KEY")
  [ "${4:-}" = "--no-key" ] && auth=()
  local args=(-sS -m 60 -o "$WORK/body" -w '%{http_code}' -X "$method" "${auth[@]}" "$BASE$path")
  [ -n "$data" ] && args+=(-H 'content-type: application/json' --data-binary "$data")
  curl "${args[@]}" >"$WORK/status" || echo 000 >"$WORK/status"
  cat "$WORK/body" 2>/dev/null || true
}
status() { cat "$WORK/status"; }
expect() { # expect STATUS BODY PATTERN WHAT
  [ "$(status)" = "$1" ] && grep -qiE "$3" <<<"$2" || fail "$4: HTTP $(status): $(head -c 400 <<<"$2")"
  echo "evor: smoke: $4: ok" >&2
}

python3 scripted-llm.py "$LLM_PORT" 2>"$WORK/llm.log" &
LLM_PID=$!

docker volume create "$VOLUME" >/dev/null
docker run -d --name "$NAME" --network host --read-only --cap-drop ALL --security-opt no-new-privileges \
  --group-add "$(stat -c %g "$SOCKET")" -v "$SOCKET:/var/run/docker.sock" -v "$VOLUME:/var/lib/evor" \
  -e "Urls=$BASE" \
  -e "Auth__ApiKeys__0__Name=smoke" -e "Auth__ApiKeys__0__Sha256=$(printf %s "$KEY" | sha256sum | cut -d' ' -f1)" \
  -e "Llm__Provider=openai" -e "Llm__Endpoint=http://127.0.0.1:$LLM_PORT/v1" -e "Llm__Model=scripted" -e "Llm__ApiKey=scripted" \
  "$IMAGE" >/dev/null

body=""
# The first /health probes every language in a fresh sandbox: allow it minutes on a loaded machine.
for _ in $(seq 1 90); do
  body=$(curl -fsS -m 120 "$BASE/health" 2>/dev/null) && break
  sleep 1
done
grep -q '"backend":"docker"' <<<"$body" && grep -q '"healthy":true' <<<"$body" \
  || fail "no healthy /health on the Docker backend: ${body:-no answer}"
echo "evor: smoke: /health healthy on the Docker backend: ok" >&2

body=$(call POST /v1/executions '{"language":"python","code":"print(1)"}' --no-key)
[ "$(status)" = 401 ] || fail "a request without the API key was not refused: HTTP $(status): $body"
echo "evor: smoke: 401 without the API key: ok" >&2

body=$(call POST /v1/executions '{"language":"python","code":"def add(a, b):\n    return a + b\n","tests":{"kind":"script","code":"assert add(1, 2) == 3"}}')
expect 200 "$body" '"verdict": *"passed"' "execution with script tests (with the API key)"

body=$(call POST /v1/executions '{"language":"python","code":"print(int(input()) * 2)","tests":{"kind":"io","cases":[{"stdin":"21\n","expectedStdout":"42\n"},{"stdin":"-1\n","expectedStdout":"-2\n"}]}}')
expect 200 "$body" '"verdict": *"passed"' "io execution (2 cases)"

KB="smoke$$"
body=$(call POST /v1/knowledge-bases "{\"name\":\"$KB\"}")
expect 201 "$body" "\"$KB\"" "knowledge base created"
body=$(call POST "/v1/knowledge-bases/$KB/documents" '[{"id":"sort","text":"numpy.sort returns a sorted copy of an array.","source":"documentation","library":"numpy"},{"id":"mean","text":"numpy.mean computes the arithmetic mean.","source":"documentation","library":"numpy"}]')
[ "${body:0:1}" != "" ] && [[ "$(status)" =~ ^20[0-9]$ ]] || fail "documents not added: HTTP $(status): $body"
echo "evor: smoke: documents added: ok" >&2
body=$(call GET "/v1/knowledge-bases/$KB/search?q=sort%20an%20array&k=1&mode=hybrid")
expect 200 "$body" '"id": *"sort"' "knowledge base searched"

body=$(call POST /v1/generations '{"method":"vanilla","maxRounds":1,"problem":{"description":"Write add(a, b) that returns the sum of a and b.","language":"python","visibleTests":{"kind":"script","code":"assert add(1, 2) == 3"},"hiddenTests":{"kind":"script","code":"assert add(-1, 1) == 0"}}}')
expect 202 "$body" '"id": *"gen_' "generation accepted"
job=$(grep -oE '"id": *"gen_[^"]+"' <<<"$body" | head -1 | grep -oE 'gen_[^"]+')
for _ in $(seq 1 60); do
  body=$(call GET "/v1/generations/$job")
  grep -qE '"status": *"(succeeded|failed|cancelled|interrupted)"' <<<"$body" && break
  sleep 1
done
expect 200 "$body" '"status": *"succeeded"' "generation against the scripted model finished"
grep -q 'return a + b' <<<"$body" || fail "the generation's answer is not the scripted program: $(head -c 400 <<<"$body")"
grep -q 'POST /v1/chat/completions' "$WORK/llm.log" || fail "the scripted model was never asked"
grep -q '"source":"scripted"' <<<"$body" || fail "the scripted model's answer is not labelled scripted: $(head -c 400 <<<"$body")"
echo "evor: smoke: generation answered with the scripted program, labelled scripted: ok" >&2

echo "evor: service image $IMAGE passed the smoke test (health, auth, script and io executions, knowledge base, generation)" >&2
