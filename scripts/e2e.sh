#!/usr/bin/env bash
# Browser tests: start a real `polku serve` on a fresh SQLite database, create a survey through the API,
# drive the public survey page in headless Chromium with playwright-core, then sign in as a member and work
# the inbox and the insights page, as an admin close the loop, invite a customer whose personal link is
# answered on a phone, and connect a shop, read a customer's story,
# edit the journey, compare the money figures and erase a customer (notifications to a real SMTP server,
# aiosmtpd on loopback; a rule, a case, its follow-up, an improvement). Installs Chromium (Debian) and
# playwright-core (npm, into a temporary directory, nothing recorded) when missing.
# Usage: scripts/e2e.sh [path/to/polku]   (default: target/debug/polku, built if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
polku=${1:-target/debug/polku}
[ -x "$polku" ] || cargo build -p polku

if ! command -v chromium >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "chromium is missing: apt-get install chromium" >&2; exit 1
  fi
fi
work=$(mktemp -d /tmp/polku-e2e.XXXXXX)
# A process that has already exited makes `kill` fail: that must not fail the run or skip the clean-up.
cleanup() {
  for pid in "${server:-}" "${smtp:-}" "${demo:-}"; do
    [ -z "$pid" ] || kill "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
# Exact versions, so that a new release cannot change what the tests see.
(cd "$work" && npm install --no-save --no-package-lock --silent playwright-core@1.65.2 axe-core@4.14.1 >/dev/null)
cp e2e/*.mjs "$work/"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export POLKU_DATABASE_URL="sqlite://$work/e2e.db" POLKU_LOG=warn
org=$("$polku" org create --name "E2E Oy" | tail -n 1)
token=$("$polku" token create --org "$org" --role admin | tail -n 1)
POLKU_PASSWORD='e2e passphrase 2026' "$polku" user add --org "$org" --email e2e@example.com --name "E2E Agent" \
  --role agent --locale en >/dev/null
POLKU_PASSWORD='e2e admin passphrase' "$polku" user add --org "$org" --email admin@example.com --name "E2E Admin" \
  --role admin --locale en >/dev/null
# The SMTP server is on this machine, which an organisation may only reach when the operator allows it.
printf 'secure_cookies = false\nallow_internal_targets = true\n' > "$work/polku.toml"
smtp_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir "$work/mail"
PYTHONPATH=crates/polku-web/tests/support python3 -m aiosmtpd -n -l "127.0.0.1:$smtp_port" -c smtp_sink.Sink "$work/mail" &
smtp=$!
"$polku" serve --config "$work/polku.toml" --listen "127.0.0.1:$port" &
server=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
created=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/surveys" -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/json' -d '{
  "name": "E2E", "locales": ["fi", "en"],
  "questions": [
    {"key": "nps", "type": "nps", "required": true, "text": {"fi": "Suosittelisitko meitä?", "en": "How likely are you to recommend us?"}},
    {"key": "csat", "type": "csat", "text": {"fi": "Tyytyväisyys?", "en": "How satisfied were you?"}},
    {"key": "ces", "type": "ces", "text": {"fi": "Helppous?", "en": "How easy was it?"}},
    {"key": "heard", "type": "single", "text": {"fi": "Mistä kuulit?", "en": "Where did you hear of us?"}, "options": ["Google", "Friend"]},
    {"key": "why", "type": "text", "text": {"fi": "Miksi?", "en": "Why?"},
     "follow_up": {"after": "nps", "bands": [
       {"min": 0, "max": 6, "text": {"fi": "Mikä meni pieleen?", "en": "What went wrong?"}},
       {"min": 9, "max": 10, "text": {"fi": "Mikä ilahdutti?", "en": "What did you like?"}}]}}
  ]}')
slug=$(printf '%s' "$created" | python3 -c 'import json, sys; print(json.load(sys.stdin)["slug"])')
survey=$(printf '%s' "$created" | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
(cd "$work" && node public_survey.mjs "http://127.0.0.1:$port" "$slug")
# The answer the browser sent is stored and counted.
"$polku" verify >/dev/null
n=$(curl -sf "http://127.0.0.1:$port/api/v1/surveys" -H "Authorization: Bearer $token" >/dev/null && \
    curl -sf "http://127.0.0.1:$port/metrics" | awk '/^polku_responses_ingested_total/ {print $2}')
[ "$n" = 1 ] || { echo "expected 1 stored response, /metrics says ${n:-nothing}" >&2; exit 1; }
(cd "$work" && node inbox.mjs "http://127.0.0.1:$port" e2e@example.com 'e2e passphrase 2026')
(cd "$work" && node closing_loop.mjs "http://127.0.0.1:$port" admin@example.com 'e2e admin passphrase' "$token" "$survey" \
  "$smtp_port" "$work/mail")
(cd "$work" && node invitations.mjs "http://127.0.0.1:$port" admin@example.com 'e2e admin passphrase' "$token" "$survey" \
  "$work/mail")
(cd "$work" && node customers_money.mjs "http://127.0.0.1:$port" admin@example.com 'e2e admin passphrase' "$token" "$survey")

# Every main page in three languages on a laptop and a phone, on the demo company's data: no sideways scroll,
# no missing text, no serious accessibility violation (axe-core). Screenshots stay in target/e2e-layout.
demo_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
POLKU_DATABASE_URL="sqlite://$work/demo.db" "$polku" demo --responses 3000 --listen "127.0.0.1:$demo_port" >"$work/demo.out" &
demo=$!
for _ in $(seq 600); do curl -sf "http://127.0.0.1:$demo_port/readyz" >/dev/null && break; sleep 0.2; done
# `polku demo` prints "Sign in as EMAIL with password PASSWORD" (README's contract for newcomers).
login=$(grep '^Sign in as ' "$work/demo.out" || true)
[ -n "$login" ] || { echo "polku demo did not print its sign-in line:" >&2; cat "$work/demo.out" >&2; exit 1; }
demo_email=$(printf '%s' "$login" | awk '{print $4}')
demo_password=$(printf '%s' "$login" | awk '{print $7}')
rm -rf target/e2e-layout
(cd "$work" && node layout.mjs "http://127.0.0.1:$demo_port" "$demo_email" "$demo_password" "$root/target/e2e-layout" \
  "$work/node_modules/axe-core/axe.min.js")
kill "$demo" 2>/dev/null || true
