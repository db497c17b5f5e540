#!/usr/bin/env bash
# The test suite on SQLite, then on PostgreSQL when one answers (always under CI=true).
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

run_suite() {  # name, database url, extra pytest args...
  local name=$1 url=$2; shift 2
  echo "== pytest on $name"
  DATABASE_URL="$url" "$PY" -m pytest "$@" 2>&1 | tee "$out/$name.log"
  local rc=${PIPESTATUS[0]}
  [ "$rc" -eq 5 ] && { echo "no tests ran on $name"; rc=1; }
  return "$rc"
}

"$PY" -m tests.browser.chromium  # whether the browser suite runs, skips or fails here
rc=0
run_suite SQLite "sqlite:///$PWD/.test-db.sqlite3" "$@" || rc=1

pg_url=$("$PY" scripts/find_postgres.py)
if [ -n "$pg_url" ]; then
  run_suite PostgreSQL "$pg_url" "$@" || rc=1
elif [ "${CI:-}" = "true" ]; then
  echo "CI=true but no PostgreSQL answers (set TEST_DATABASE_URL or start the local server)"
  rc=1
else
  echo "== no PostgreSQL reachable: skipped (set TEST_DATABASE_URL to run it)"
fi

echo "== summary"
for name in SQLite PostgreSQL; do
  [ -f "$out/$name.log" ] && echo "$name: $(grep -E '[0-9]+ (passed|failed|error)' "$out/$name.log" | tail -n 1 | tr -d '=')"
done
"$PY" -m tests.browser.chromium
exit "$rc"
