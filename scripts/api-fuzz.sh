#!/usr/bin/env bash
# API conformance under fuzzing: schemathesis (pinned in api-fuzz-requirements.txt, installed into a venv
# under target/) runs every operation of /api/v1/openapi.json with an admin token against a fresh `polku
# demo` on SQLite: its examples, its coverage cases, generated requests and stateful sequences. It fails on
# any 5xx, a status code the document does not list, a wrong content type, or a body or header that does
# not match the document. The seed is fixed so a run can be repeated; EXAMPLES, SEED and CHECKS override.
# Usage: scripts/api-fuzz.sh [path/to/polku]   (default: target/debug/polku, built if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
polku=${1:-target/debug/polku}
[ -x "$polku" ] || cargo build -p polku
venv=target/api-fuzz-venv
if ! cmp -s scripts/api-fuzz-requirements.txt "$venv/requirements.txt" 2>/dev/null; then
  rm -rf "$venv"
  if ! python3 -m venv "$venv" 2>/dev/null; then
    [ "$(id -u)" = 0 ] || { echo "python3 -m venv failed: apt-get install python3-venv" >&2; exit 1; }
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$venv"
  fi
  "$venv/bin/pip" install -q --disable-pip-version-check -r scripts/api-fuzz-requirements.txt
  cp scripts/api-fuzz-requirements.txt "$venv/requirements.txt"
fi

work=$(mktemp -d /tmp/polku-api-fuzz.XXXXXX)
cleanup() {
  [ -z "${server:-}" ] || kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
POLKU_DATABASE_URL="sqlite://$work/demo.db" POLKU_LOG=error "$polku" demo --responses 500 \
  --listen "127.0.0.1:$port" > "$work/demo.out" 2>&1 &
server=$!
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && grep -q "API token" "$work/demo.out" && break
  sleep 0.1
done
token=$(grep -o 'pk_[0-9a-f]*' "$work/demo.out")
"$venv/bin/schemathesis" run "http://127.0.0.1:$port/api/v1/openapi.json" \
  -H "Authorization: Bearer $token" \
  --checks "${CHECKS:-not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance}" \
  --max-examples "${EXAMPLES:-25}" --seed "${SEED:-20261205}" --workers 2 --no-color
