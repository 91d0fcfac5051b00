#!/usr/bin/env bash
# Reproducible benchmarks behind BENCHMARKS.md: dashboard queries on a large data set, start-up time and
# memory, and ingestion through POST /api/v1/surveys/{id}/responses, on SQLite and on a throw-away PostgreSQL
# that this script starts in a temporary directory and always stops again. Everything it makes lives in one
# temporary directory, removed at exit unless BENCH_KEEP=1.
#
# Usage: scripts/bench.sh
# Settings (environment):
#   BENCH_RESPONSES   responses in the query data set (default 10000000)
#   BENCH_ITERATIONS  timed runs of each rollup query and DuckDB query (default 20, after 2 warm-ups)
#   BENCH_RAW_ITERATIONS  timed runs of each raw-answer scan (default 3, after 1 warm-up: each takes seconds)
#   BENCH_WRK         wrk arguments besides -c (default "-t2 -d20s")
#   BENCH_CONNECTIONS wrk connection counts, one ingestion run each (default "64 256 512")
#   BENCH_SQLITE_DB   reuse this SQLite file as the query data set if it exists (skips generating it)
#   BENCH_SKIP_PG=1   SQLite only
#   BENCH_KEEP=1      keep the temporary directory (databases, logs, raw results)
#   BENCH_POLKU       measure this polku binary instead of building one (e.g. two commits' builds, turn about)
#   BENCH_PARTS       which parts to run (default "queries startup ingest money"; "burst": ingestion alone and
#                     beside 10,000 e-mail invitations being queued and sent; "ingest" alone needs no big
#                     data set; "money" makes its own: 100,000 customers, 1M orders, 1M responses, 200,000
#                     support contacts, and times the journey map and the money pages)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

responses=${BENCH_RESPONSES:-10000000}
iterations=${BENCH_ITERATIONS:-20}
raw_iterations=${BENCH_RAW_ITERATIONS:-3}
wrk_args=${BENCH_WRK:-"-t2 -d20s"}
connections=${BENCH_CONNECTIONS:-"64 256 512"}
parts=${BENCH_PARTS:-"queries startup ingest money"}
part() { [[ " $parts " == *" $1 "* ]]; }

step() { printf '\n==> %s\n' "$*" >&2; }
# Every figure goes to stdout and to the summary file; the rest of the output is the tools' own.
work=$(mktemp -d /tmp/polku-bench.XXXXXX)
summary=$work/summary.txt
note() { printf '%s\n' "$*" | tee -a "$summary"; }

# ---- tools ------------------------------------------------------------------------------------------------
need_apt=()
command -v wrk >/dev/null || need_apt+=(wrk)
command -v sqlite3 >/dev/null || need_apt+=(sqlite3)
command -v curl >/dev/null || need_apt+=(curl)
pg_bin=""
if [ "${BENCH_SKIP_PG:-0}" != 1 ]; then
  for d in $(dirname "$(command -v pg_ctl 2>/dev/null || echo /nonexistent)") /usr/lib/postgresql/*/bin; do
    if [ -x "$d/pg_ctl" ] && [ -x "$d/initdb" ]; then pg_bin=$d; break; fi
  done
  [ -n "$pg_bin" ] || need_apt+=(postgresql)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  step "installing ${need_apt[*]}"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "missing tools: ${need_apt[*]}; install them with apt-get" >&2; exit 1
  fi
  [ -n "$pg_bin" ] || [ "${BENCH_SKIP_PG:-0}" = 1 ] || pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
python3 -c 'import duckdb' 2>/dev/null || { step "installing duckdb (pip)"; python3 -m pip install -q duckdb; }

if [ -n "${BENCH_POLKU:-}" ]; then
  polku=$BENCH_POLKU
else
  step "cargo build --release -p polku"
  cargo build --release -p polku
  polku=$root/target/release/polku
fi

# ---- processes this script starts, always stopped at exit -------------------------------------------------
server_pid=""
pg_dir=""
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [ -n "$pg_dir" ]; then as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true; fi
  if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; [ -z "$pg_dir" ] || rm -rf "$pg_dir"; fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# The server reads this file: plain HTTP on loopback, so the session cookie must not be Secure.
cat >"$work/polku.toml" <<'EOF'
secure_cookies = false
EOF

# start_server URL PORT LOG [CONFIG]: starts `polku serve` in the background and waits until /readyz answers 200.
start_server() {
  "$polku" --config "${4:-$work/polku.toml}" --database-url "$1" --log-format json serve --listen "127.0.0.1:$2" 2>"$3" &
  server_pid=$!
  for _ in $(seq 1 2000); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$2/readyz")" = 200 ]; then return 0; fi
    kill -0 "$server_pid" 2>/dev/null || { cat "$3" >&2; echo "the server stopped" >&2; exit 1; }
    sleep 0.01
  done
  echo "the server did not become ready" >&2; exit 1
}
stop_server() {
  kill "$server_pid"; wait "$server_pid" || true; server_pid=""
}

# startup URL MODE: five starts of the server on an existing database, each timed from the spawn to the
# first 200 from /readyz (polled every millisecond) beside the `startup_ms` the server logs itself. MODE cold
# empties the kernel's page cache before each start (needs root), so the database is read from disk.
startup() {
  python3 - "$polku" "$work/polku.toml" "$1" "$work" "$2" <<'EOF' | tee -a "$summary"
import json, os, re, socket, statistics, subprocess, sys, time, urllib.request
polku, config, url, work, mode = sys.argv[1:6]
walls, logged = [], []
for i in range(5):
    if mode == "cold":
        os.sync()
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
    log = open(f"{work}/startup-{i}.log", "w+")
    t0 = time.perf_counter()
    p = subprocess.Popen([polku, "--config", config, "--database-url", url, "--log-format", "json", "serve",
                          "--listen", f"127.0.0.1:{port}"], stderr=log)
    while True:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1).status == 200:
                break
        except Exception:
            if p.poll() is not None:
                sys.exit("the server stopped")
            time.sleep(0.001)
    walls.append((time.perf_counter() - t0) * 1e3)
    p.terminate(); p.wait()
    log.seek(0)
    m = re.search(r'"startup_ms":(\d+)', log.read())
    logged.append(int(m.group(1)) if m else float("nan"))
print(f"{mode} page cache: start-up to /readyz 200: median {statistics.median(walls):.0f} ms, max {max(walls):.0f} ms "
      f"(runs {', '.join(f'{w:.0f}' for w in walls)}); logged startup_ms median {statistics.median(logged):.0f}")
EOF
}

# rss URL ORG SURVEY TOKEN LABEL: serves the big data set, signs in, loads the dashboard (default period,
# 90 days) and the one-year weekly dashboard a few times, calls the metrics API, then reads the RSS.
rss() {
  local url=$1 org=$2 survey=$3 token=$4 port last from365 csrf jar=$work/cookies.txt
  local email=bench-rss-$RANDOM@example.com base
  POLKU_PASSWORD=bench-password-123 "$polku" --database-url "$url" user add --org "$org" --email "$email" \
    --role analyst >/dev/null
  port=$(free_port)
  start_server "$url" "$port" "$work/rss-server.log"
  base=http://127.0.0.1:$port
  rm -f "$jar"
  csrf=$(curl -s -c "$jar" "$base/login" | sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' | head -n 1)
  curl -s -o /dev/null -b "$jar" -c "$jar" --data-urlencode "email=$email" \
    --data-urlencode "password=bench-password-123" --data-urlencode "_csrf=$csrf" --data-urlencode "next=/" "$base/login"
  # The last day with data, as the dashboard's default period (the last 90 days of data) also ends there.
  last=$(python3 -c 'import datetime,sys; print(datetime.date(1970, 1, 1) + datetime.timedelta(days=int(sys.argv[1])))' \
    "$(sql "$url" 'SELECT MAX(bucket) FROM rollup_cells WHERE grain = 0 AND dims = 0')")
  from365=$(python3 -c 'import datetime,sys; print(datetime.date.fromisoformat(sys.argv[1]) - datetime.timedelta(days=364))' "$last")
  local code times=()
  for i in 1 2 3 4 5; do
    code=$(curl -s -o "$work/dashboard.html" -w '%{http_code}/%{time_total}s' -b "$jar" "$base/")
    times+=("90d:${code}")
    code=$(curl -s -o /dev/null -w '%{http_code}/%{time_total}s' -b "$jar" "$base/?from=$from365&to=$last&granularity=week")
    times+=("1y:${code}")
    code=$(curl -s -o /dev/null -w '%{http_code}/%{time_total}s' -H "Authorization: Bearer $token" \
      "$base/api/v1/surveys/$survey/metrics?from=$from365&to=$last&granularity=week")
    times+=("api1y:${code}")
  done
  grep -q 'n = [1-9]' "$work/dashboard.html" || { echo "the dashboard did not render (not signed in?)" >&2; exit 1; }
  note "HTTP status and seconds per request (dashboard 90 days, dashboard 1 year weekly, metrics API 1 year): ${times[*]}"
  note "RSS after those requests: $(ps -o rss= -p "$server_pid" | tr -d ' ') KiB; peak (VmHWM) $(awk '/VmHWM/ {print $2}' "/proc/$server_pid/status") KiB"
  stop_server
}

# ingest URL LABEL: a fresh data set of 1,000 responses, a fresh server, wrk POSTing responses with a bearer
# token, then wrk on /healthz against the same server as the bare-endpoint figure, then a recount.
ingest() {
  local url=$1 label=$2 out port survey token before after
  out=$("$polku" --database-url "$url" bench-data --responses 1000 2>/dev/null)
  survey=$(echo "$out" | sed -n 's/^survey //p')
  token=$(echo "$out" | tail -n 1)
  post_script "$survey" "$token"
  port=$(free_port)
  start_server "$url" "$port" "$work/ingest-server-$label.log"
  # One request first, to prove that the body and token are accepted (201) before timing anything.
  local probe
  probe=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"answers": [{"question": "nps", "value": 9}], "channel": "email"}' "http://127.0.0.1:$port/api/v1/surveys/$survey/responses")
  [ "$probe" = 201 ] || { echo "a probe POST answered $probe, not 201" >&2; exit 1; }
  local c conns label_c b0 b1 c0 c1 w0 w1 TIMEFORMAT='%U %S'
  for c in $connections; do
    conns="$wrk_args -c$c"
    label_c="$label-c$c"
    before=$(count_responses "$url")
    b0=$(batches "$port"); c0=$(cpu_seconds "$server_pid"); w0=$(date +%s.%N)
    # shellcheck disable=SC2086
    { time wrk $conns --latency -s "$work/post.lua" "http://127.0.0.1:$port/" >"$work/wrk-post-$label_c.txt"; } 2>"$work/wrk-cpu-$label_c"
    c1=$(cpu_seconds "$server_pid"); w1=$(date +%s.%N); b1=$(batches "$port")
    cat "$work/wrk-post-$label_c.txt" >&2
    after=$(count_responses "$url")
    # shellcheck disable=SC2086
    wrk $conns --latency "http://127.0.0.1:$port/healthz" | tee "$work/wrk-healthz-$label_c.txt" >&2
    note "$label POST responses ($conns): $(wrk_figures "$work/wrk-post-$label_c.txt"); stored $((after - before)) new responses"
    # Server and load generator share the cores: say who used how much of them during the POST run.
    note "$label CPU during that POST run: server $(echo "$c0 $c1" | awk '{printf "%.1f", $2 - $1}') s, wrk $(awk '{printf "%.1f", $1 + $2}' "$work/wrk-cpu-$label_c") s, of $(echo "$w0 $w1" | awk -v n="$(nproc)" '{printf "%.1f", ($2 - $1) * n}') s available"
    note "$label group commit during that POST run: $(echo "$b0 $b1 $w0 $w1" | awk '{printf "%d transactions (%.0f/s), %.1f responses each on average", $4 - $2, ($4 - $2) / ($6 - $5), ($3 - $1) / ($4 - $2)}')"
    note "$label bare GET /healthz, same server ($conns): $(wrk_figures "$work/wrk-healthz-$label_c.txt")"
  done
  note "$label server RSS after ingestion: $(ps -o rss= -p "$server_pid" | tr -d ' ') KiB"
  stop_server
  "$polku" --database-url "$url" verify | tail -n 1
}

# invite_burst URL LABEL: answer ingestion alone, then while a burst of 10,000 e-mail invitations is queued
# (one POST /api/v1/surveys/{id}/invitations) and sent by the server's sender to aiosmtpd on loopback: wrk
# POSTing answers for the same time with the same connections, on one server. The SMTP sink shares the
# machine's cores, so this is the worst case of a send beside ingestion.
invite_burst() {
  local url=$1 label=$2 out survey token port smtp_port smtp_pid base mail=$work/mail-$2 t0 t1 sent
  out=$("$polku" --database-url "$url" bench-data --responses 1000 2>/dev/null)
  survey=$(echo "$out" | sed -n 's/^survey //p')
  token=$(echo "$out" | tail -n 1)
  post_script "$survey" "$token"
  mkdir -p "$mail"
  smtp_port=$(free_port)
  PYTHONPATH=$root/crates/polku-web/tests/support python3 -m aiosmtpd -n -l "127.0.0.1:$smtp_port" -c smtp_sink.Sink "$mail" &
  smtp_pid=$!
  # The SMTP sink is on this machine, which an organisation may only reach when the operator allows it.
  printf 'secure_cookies = false\nallow_internal_targets = true\n' >"$work/polku-internal.toml"
  port=$(free_port)
  start_server "$url" "$port" "$work/burst-server-$label.log" "$work/polku-internal.toml"
  base=http://127.0.0.1:$port
  api() { curl -sf -o /dev/null -X "$1" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$base$2" --data-binary "$3"; }
  api PUT /api/v1/notification-settings "{\"smtp\": {\"host\": \"127.0.0.1\", \"port\": $smtp_port, \"tls\": \"none\", \"from\": \"bench@example.fi\"}}"
  api PUT /api/v1/contact-rules '{"days_between": 30, "quiet_hours": null, "quiet_days": [], "require_consent": false}'
  python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
customers = [{"external_id": f"B-{i}", "email": f"b{i}@example.fi", "language": "fi"} for i in range(10000)]
json.dump(customers, open(f"{work}/burst-customers.json", "w"))
json.dump({"customers": [c["external_id"] for c in customers], "channel": "email"}, open(f"{work}/burst-invite.json", "w"))
PY
  api POST /api/v1/customers:batch "@$work/burst-customers.json"
  local c=64 before after poster
  before=$(count_responses "$url")
  # shellcheck disable=SC2086
  wrk $wrk_args -c$c --latency -s "$work/post.lua" "$base/" >"$work/wrk-burst-alone-$label.txt"
  after=$(count_responses "$url")
  note "$label answers alone (-c$c): $(wrk_figures "$work/wrk-burst-alone-$label.txt"); stored $((after - before))"
  t0=$(date +%s.%N)
  curl -s -o "$work/burst-reply.json" -w '%{http_code} %{time_total}' -X POST -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' --data-binary "@$work/burst-invite.json" \
    "$base/api/v1/surveys/$survey/invitations" >"$work/burst-post.txt" &
  poster=$!
  before=$(count_responses "$url")
  # shellcheck disable=SC2086
  wrk $wrk_args -c$c --latency -s "$work/post.lua" "$base/" >"$work/wrk-burst-during-$label.txt"
  after=$(count_responses "$url")
  wait "$poster"
  t1=$(date +%s.%N)
  sent=$(find "$mail" -name '*.json' | wc -l)
  note "$label answers during the burst (-c$c): $(wrk_figures "$work/wrk-burst-during-$label.txt"); stored $((after - before))"
  note "$label the burst: POST invitations answered $(cut -d' ' -f1 "$work/burst-post.txt") in $(cut -d' ' -f2 "$work/burst-post.txt") s ($(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["queued"])' "$work/burst-reply.json") queued); $sent mails received by the SMTP server within $(echo "$t0 $t1" | awk '{printf "%.0f", $2 - $1}') s"
  stop_server
  kill "$smtp_pid" 2>/dev/null || true
}

# post_script SURVEY TOKEN: the wrk script that POSTs answers (one in ten with a comment), as work/post.lua.
post_script() {
  cat >"$work/post.lua" <<EOF
-- POSTs NPS responses with a bearer token; requests are built once, so Lua costs little per request.
local channels = {"email", "sms", "link", "qr", "widget", "kiosk"}
local touchpoints = {"quote", "order", "delivery", "invoice", "customer-service"}
local requests = {}
local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer $2"}
for i = 0, 109 do
  local text = ""
  if i % 10 == 0 then text = ', {"question": "why", "value": "Nopea toimitus, kiitos."}' end
  local body = string.format('{"answers": [{"question": "nps", "value": %d}%s], "channel": "%s", "touchpoint": "%s"}',
    i % 11, text, channels[i % 6 + 1], touchpoints[i % 5 + 1])
  requests[#requests + 1] = wrk.format("POST", "/api/v1/surveys/$1/responses", headers, body)
end
local n = 0
request = function()
  n = n + 1
  return requests[n % #requests + 1]
end
EOF
}

# "SUM COUNT" of the writer's batch-size histogram, from the server's Prometheus endpoint.
batches() {
  curl -s "http://127.0.0.1:$1/metrics" | awk '/^polku_write_batch_size_sum/ {s=$2} /^polku_write_batch_size_count/ {c=$2} END {print s + 0, c + 0}'
}

# CPU seconds (user + system) a process has used so far.
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$1/stat"; }

wrk_figures() {
  awk '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /requests in/ {n=$1} /Non-2xx/ {bad=$NF}
    END {printf "%s req/s, p50 %s, p99 %s, %s requests, non-2xx %s", rps, p50, p99, n, (bad == "" ? 0 : bad)}' "$1"
}

# sql URL QUERY: one value from either backend.
sql() {
  case $1 in
    sqlite:*) sqlite3 "${1#sqlite://}" "$2" ;;
    *) as_pg psql -qtA "$1" -c "$2" ;;
  esac
}
count_responses() { sql "$1" 'SELECT COUNT(*) FROM responses'; }

# queries URL LABEL: `polku bench queries` on the big data set.
queries() {
  note "$2 dashboard queries, server time (polku bench queries, in-process, $iterations runs after 2 warm-ups; raw scans $raw_iterations runs after 1):"
  # sqlx logs every raw scan as a slow statement; those warnings say nothing the table does not.
  POLKU_LOG=info,sqlx=error "$polku" --database-url "$1" bench queries --iterations "$iterations" --warmup 2 \
    --raw-iterations "$raw_iterations" --raw-warmup 1 | tee -a "$summary"
}

# bench_data URL: generates the big data set and reports how long it took and what it takes on disk.
bench_data() {
  local t0 t1
  t0=$(date +%s)
  "$polku" --database-url "$1" bench-data --responses "$responses" 2>"$work/bench-data.log" >"$work/bench-data.out"
  t1=$(date +%s)
  note "$2 bench-data --responses $responses: $((t1 - t0)) s"
}

money_args=(--responses 1000000 --customers 100000 --orders 1000000 --contacts 200000)
# money_data URL LABEL: the customers-and-money data set; money_pages URL LABEL: `polku bench money` on it.
money_data() {
  local t0 t1
  t0=$(date +%s)
  "$polku" --database-url "$1" bench-data "${money_args[@]}" 2>"$work/money-data.log" >"$work/money-data.out"
  t1=$(date +%s)
  note "$2 bench-data ${money_args[*]}: $((t1 - t0)) s"
}
money_pages() {
  note "$2, retention, money and the journey map:"
  "$polku" --database-url "$1" bench money 2>>"$work/money-pages.log" | tee -a "$summary"
}

note "Polku benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crates || echo ' (with uncommitted changes)')"
note "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB RAM; $(uname -sr)"

# ---- SQLite -----------------------------------------------------------------------------------------------
sqlite_db=${BENCH_SQLITE_DB:-$work/big.db}
if part queries || part startup; then
if [ -s "$sqlite_db" ]; then
  step "reusing $sqlite_db"
else
  step "SQLite: generating $responses responses"
  bench_data "sqlite://$sqlite_db" SQLite
fi
note "SQLite database: $(du -shc "$sqlite_db"* | tail -n 1 | cut -f1)"
big_org=$(sqlite3 "$sqlite_db" "SELECT lower(hex(id)) FROM organisations WHERE name LIKE 'Bench Oy%' ORDER BY created_at DESC LIMIT 1")
big_org=$(python3 -c "import uuid,sys; print(uuid.UUID(sys.argv[1]))" "$big_org")
big_survey=$(sqlite3 "$sqlite_db" "SELECT lower(hex(id)) FROM surveys WHERE org_id = (SELECT id FROM organisations WHERE name LIKE 'Bench Oy%' ORDER BY created_at DESC LIMIT 1) LIMIT 1")
big_survey=$(python3 -c "import uuid,sys; print(uuid.UUID(sys.argv[1]))" "$big_survey")
big_token=$("$polku" --database-url "sqlite://$sqlite_db" token create --org "$big_org" --role viewer --name bench-rss | tail -n 1)

fi

if part queries; then
step "SQLite: dashboard queries"
queries "sqlite://$sqlite_db" SQLite

step "DuckDB on the same rows"
sqlite3 -csv "$sqlite_db" "SELECT r.day, r.channel, r.touchpoint, a.kind, a.score FROM answers a
  JOIN responses r ON r.id = a.response_id WHERE a.score IS NOT NULL" >"$work/answers.csv"
python3 - "$work" "$iterations" <<'EOF' | tee -a "$summary"
import duckdb, statistics, sys, time
work, iterations = sys.argv[1], int(sys.argv[2])
con = duckdb.connect(f"{work}/answers.duckdb")
t = time.perf_counter()
con.execute(f"CREATE OR REPLACE TABLE answers AS SELECT * FROM read_csv('{work}/answers.csv', header=false, "
            "columns={'day': 'BIGINT', 'channel': 'VARCHAR', 'touchpoint': 'VARCHAR', 'kind': 'VARCHAR', 'score': 'BIGINT'})")
con.execute(f"COPY answers TO '{work}/answers.parquet' (FORMAT parquet)")
load = time.perf_counter() - t
rows, last = con.execute("SELECT COUNT(*), MAX(day) FROM answers").fetchone()
threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
print(f"DuckDB {duckdb.__version__}, {threads} threads: {rows} scored answers loaded from CSV (and written to Parquet) in {load:.1f} s")
# Counts per score, the same as the rollups give; NPS per group is then computed from them in Python.
queries = {
    "NPS per week × touchpoint, 1 year": f"SELECT kind, (day + 3) // 7 AS week, touchpoint, score, COUNT(*) FROM {{t}} "
                                         f"WHERE day BETWEEN {last - 364} AND {last} GROUP BY ALL",
    "NPS per channel, 90 days": f"SELECT kind, channel, score, COUNT(*) FROM {{t}} "
                                f"WHERE day BETWEEN {last - 89} AND {last} GROUP BY ALL",
}
def nps(rows, key):
    groups = {}
    for r in rows:
        if r[0] != "nps":
            continue
        g = groups.setdefault(key(r), [0, 0, 0])
        g[0] += r[-1]
        g[1] += r[-1] if r[-2] >= 9 else 0
        g[2] += r[-1] if r[-2] <= 6 else 0
    return {k: (p - d) * 100 / n for k, (n, p, d) in groups.items()}
keys = {"NPS per week × touchpoint, 1 year": lambda r: (r[1], r[2]), "NPS per channel, 90 days": lambda r: r[1]}
for source, table in [("DuckDB table", "answers"), ("DuckDB over Parquet", f"'{work}/answers.parquet'")]:
    for label, sql in queries.items():
        sql = sql.format(t=table)
        ms = []
        for i in range(2 + iterations):
            t = time.perf_counter()
            out = nps(con.execute(sql).fetchall(), keys[label])
            if i >= 2:
                ms.append((time.perf_counter() - t) * 1e3)
        ms.sort()
        p95 = ms[max(1, -(-len(ms) * 95 // 100)) - 1]
        print(f"{label + ' (' + source + ')':<60} {len(out):>6} groups  median {statistics.median(ms):8.2f} ms  p95 {p95:8.2f} ms")
EOF
rm -f "$work/answers.csv"
fi

if part startup; then
step "SQLite: start-up and memory on the big data set"
note "SQLite start-up on the existing $responses-response database:"
startup "sqlite://$sqlite_db" warm
if [ -w /proc/sys/vm/drop_caches ]; then startup "sqlite://$sqlite_db" cold; fi
rss "sqlite://$sqlite_db" "$big_org" "$big_survey" "$big_token"
fi

if part ingest; then
step "SQLite: ingestion"
ingest "sqlite://$work/ingest.db" SQLite
fi

if part burst; then
step "SQLite: ingestion beside a burst of 10,000 invitations"
invite_burst "sqlite://$work/burst.db" SQLite
fi

if part money; then
step "SQLite: retention, money and the journey map"
money_data "sqlite://$work/money.db" SQLite
money_pages "sqlite://$work/money.db" SQLite
fi

# ---- PostgreSQL -------------------------------------------------------------------------------------------
if [ "${BENCH_SKIP_PG:-0}" != 1 ]; then
  pg_dir=$(mktemp -d /tmp/polku-bench-pg.XXXXXX)
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir "$pg_dir" postgres
    chown postgres "$pg_dir"
  fi
  pg_port=$(free_port)
  pg_url=postgres://polku@127.0.0.1:$pg_port
  as_pg "$pg_bin/initdb" -D "$pg_dir/data" -A trust -U polku -E UTF8 >/dev/null
  # Loading the query data set is not what is measured, so it may skip fsync; the cluster is restarted with
  # PostgreSQL's normal durability (fsync and synchronous_commit on) before anything is timed.
  step "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}'): loading the data sets (fsync off while loading)"
  as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w \
    -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off" start >/dev/null
  as_pg psql -q "$pg_url/postgres" -c 'CREATE DATABASE big' -c 'CREATE DATABASE ingest' -c 'CREATE DATABASE money'
  if part queries || part startup; then bench_data "$pg_url/big" PostgreSQL; fi
  if part money; then money_data "$pg_url/money" PostgreSQL; fi
  as_pg psql -q "$pg_url/big" -c 'VACUUM ANALYZE'
  as_pg psql -q "$pg_url/money" -c 'VACUUM ANALYZE'
  as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -w -m fast stop >/dev/null
  as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w \
    -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c shared_buffers=1GB" start >/dev/null
  note "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}'), fsync=$(as_pg psql -qtA "$pg_url/big" -c 'SHOW fsync'), synchronous_commit=$(as_pg psql -qtA "$pg_url/big" -c 'SHOW synchronous_commit'), shared_buffers=$(as_pg psql -qtA "$pg_url/big" -c 'SHOW shared_buffers'); database sizes: big $(as_pg psql -qtA "$pg_url/big" -c "SELECT pg_size_pretty(pg_database_size('big'))"), money $(as_pg psql -qtA "$pg_url/big" -c "SELECT pg_size_pretty(pg_database_size('money'))")"
  if part queries || part startup; then
    pg_org=$(as_pg psql -qtA "$pg_url/big" -c "SELECT id FROM organisations WHERE name LIKE 'Bench Oy%' ORDER BY created_at DESC LIMIT 1")
    pg_survey=$(as_pg psql -qtA "$pg_url/big" -c "SELECT id FROM surveys WHERE org_id = '$pg_org' LIMIT 1")
    pg_token=$("$polku" --database-url "$pg_url/big" token create --org "$pg_org" --role viewer --name bench-rss | tail -n 1)
  fi
  if part queries; then
    step "PostgreSQL: dashboard queries"
    queries "$pg_url/big" PostgreSQL
  fi
  if part startup; then
    step "PostgreSQL: start-up and memory"
    note "PostgreSQL start-up on the existing $responses-response database:"
    startup "$pg_url/big" warm
    rss "$pg_url/big" "$pg_org" "$pg_survey" "$pg_token"
  fi
  if part ingest; then
    step "PostgreSQL: ingestion"
    ingest "$pg_url/ingest" PostgreSQL
  fi
  if part money; then
    step "PostgreSQL: retention, money and the journey map"
    money_pages "$pg_url/money" PostgreSQL
  fi
fi

step "summary"
cat "$summary"
