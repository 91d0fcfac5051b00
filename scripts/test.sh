#!/usr/bin/env bash
# The whole test suite: formatting, lints, and every test on SQLite and on a throw-away PostgreSQL that
# this script starts in a temporary directory and always stops again. Usage: scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

# libvoikko and its Finnish dictionary, so that the tests cover Finnish lemmas as well as the Snowball
# fallback (tests that need the library fail instead of skipping when POLKU_REQUIRE_VOIKKO=1).
have_voikko() {
  local libs
  # Captured whole: `ldconfig -p | grep -q` can kill ldconfig mid-output, which pipefail reports as failure.
  libs=$( (ldconfig -p || /sbin/ldconfig -p) 2>/dev/null || true)
  [[ $libs == *'libvoikko.so.1 '* ]] && [ -d /usr/lib/voikko/5 ]
}
if ! have_voikko && [ "$(id -u)" = 0 ]; then
  step "installing libvoikko1 and voikko-fi"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libvoikko1 voikko-fi >/dev/null
fi
if have_voikko; then
  export POLKU_REQUIRE_VOIKKO=1
else
  echo "note: libvoikko is not installed; Finnish tests run with the Snowball fallback only" >&2
fi

# aiosmtpd, the real SMTP server the notification tests start on loopback (they fail instead of skipping
# when POLKU_REQUIRE_SMTP=1).
if ! python3 -c 'import aiosmtpd' 2>/dev/null; then
  step "installing aiosmtpd"
  if [ "$(id -u)" = 0 ]; then pip_user=(); else pip_user=(--user); fi
  # PyPI first; a Python that refuses pip (Debian's, "externally managed") gets Debian's package instead.
  python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore "${pip_user[@]}" 'aiosmtpd==1.4.6' ||
    { [ "$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-aiosmtpd >/dev/null; }
fi
export POLKU_REQUIRE_SMTP=1

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo doc (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet

# cargo-deny checks every dependency's licence against deny.toml (built from crates.io once, ~2 minutes).
deny_version=0.20.2
if [ "$(cargo deny --version 2>/dev/null)" != "cargo-deny $deny_version" ]; then
  step "installing cargo-deny $deny_version"
  cargo install cargo-deny --version "$deny_version" --locked --no-default-features --quiet
fi
step "cargo deny check licenses"
cargo deny check licenses

# ---- a throw-away PostgreSQL -----------------------------------------------------------------------------
pg_bin=""
for d in $(dirname "$(command -v pg_ctl 2>/dev/null || echo /nonexistent)") /usr/lib/postgresql/*/bin; do
  if [ -x "$d/pg_ctl" ] && [ -x "$d/initdb" ]; then pg_bin=$d; break; fi
done
if [ -z "$pg_bin" ]; then
  step "installing the PostgreSQL server (postgresql)"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  else
    echo "PostgreSQL server binaries (initdb, pg_ctl) are missing; install the postgresql package" >&2; exit 1
  fi
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi

pg_dir=$(mktemp -d /tmp/polku-pg.XXXXXX)
# PostgreSQL refuses to run as root: run it as the postgres user when we are root.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir "$pg_dir" postgres
  chown postgres "$pg_dir"
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# The tests' SQLite files go to a directory of their own, removed at the end with the server.
test_tmp=$(mktemp -d /tmp/polku-test-files.XXXXXX)
stop_pg() {
  as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir" "$test_tmp"
}
trap stop_pg EXIT

step "starting PostgreSQL on 127.0.0.1:$port ($pg_bin)"
as_pg "$pg_bin/initdb" -D "$pg_dir/data" -A trust -U polku --no-sync -E UTF8 >/dev/null
as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w \
  -o "-p $port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=300" start >/dev/null
export POLKU_TEST_POSTGRES_URL="postgres://polku@127.0.0.1:$port/postgres"

step "cargo test (SQLite always; PostgreSQL via POLKU_TEST_POSTGRES_URL)"
TMPDIR=$test_tmp cargo test --workspace

step "browser tests (headless Chromium)"
scripts/e2e.sh target/debug/polku

step "API fuzzing (schemathesis against the OpenAPI document)"
scripts/api-fuzz.sh target/debug/polku
