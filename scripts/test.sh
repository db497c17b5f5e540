#!/usr/bin/env bash
# The test suite on SQLite and, when one answers (always under CI=true), on PostgreSQL.
#
# The two runs go side by side: each is one process that often waits on its database or its
# browser, so two CPUs serve both. On an idle 2-CPU machine `make test` took 5 min 08 s so,
# against 8 min 06 s one after the other (SQLite 3 min 42 s, PostgreSQL 4 min 12 s alone).
# PostgreSQL's run prints as it goes; SQLite's log is printed when both are done.
# TEST_SERIAL=1 runs them one after the other, each printing as it goes.
# The PostgreSQL run reads through the replica router (DATABASE_REPLICA_URL names the test
# database itself, a mirror: foundation/consistency), as production does; TEST_REPLICA=0 runs
# it without, as the SQLite run always is.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

run_suite() {  # live|quiet, name, database url, extra pytest args...
  local mode=$1 name=$2 url=$3 rc; shift 3
  if [ "$mode" = live ]; then  # printed as it goes
    echo "== pytest on $name"
    DATABASE_URL="$url" "$PY" -m pytest "$@" 2>&1 | tee "$out/$name.log"
    rc=${PIPESTATUS[0]}
  else  # to its log only (shown when it is done)
    DATABASE_URL="$url" "$PY" -m pytest "$@" >"$out/$name.log" 2>&1
    rc=$?
  fi
  if [ "$rc" -eq 5 ]; then
    echo "no tests ran on $name" >>"$out/$name.log"
    [ "$mode" = live ] && echo "no tests ran on $name"
    rc=1
  fi
  echo "$rc" >"$out/$name.rc"
}

"$PY" -m tests.browser.chromium  # whether the browser suite runs, skips or fails here
rc=0
sqlite_url="sqlite:///$PWD/.test-db.sqlite3"
pg_url=$("$PY" scripts/find_postgres.py)
pg_replica=$pg_url
[ "${TEST_REPLICA:-1}" = 0 ] && pg_replica=""

if [ -n "$pg_url" ] && [ -z "${TEST_SERIAL:-}" ]; then
  DATABASE_REPLICA_URL="" run_suite quiet SQLite "$sqlite_url" "$@" &
  sqlite_pid=$!
  trap 'kill "$sqlite_pid" 2>/dev/null; rm -rf "$out"' EXIT  # interrupted: stop it too
  DATABASE_REPLICA_URL=$pg_replica run_suite live PostgreSQL "$pg_url" "$@"
  wait "$sqlite_pid"
  echo "== pytest on SQLite (ran beside PostgreSQL)"
  cat "$out/SQLite.log"
else
  DATABASE_REPLICA_URL="" run_suite live SQLite "$sqlite_url" "$@"
  if [ -n "$pg_url" ]; then
    DATABASE_REPLICA_URL=$pg_replica run_suite live PostgreSQL "$pg_url" "$@"
  fi
fi

if [ -z "$pg_url" ]; then
  if [ "${CI:-}" = "true" ]; then
    echo "CI=true but no PostgreSQL answers (set TEST_DATABASE_URL or start the local server)"
    rc=1
  else
    echo "== no PostgreSQL reachable: skipped (set TEST_DATABASE_URL to run it)"
  fi
fi

echo "== summary"
for name in SQLite PostgreSQL; do
  [ "$name" = PostgreSQL ] && [ -z "$pg_url" ] && continue
  if [ ! -f "$out/$name.rc" ]; then  # the run ended without saying how: a failure
    echo "$name: did not finish"
    rc=1
    continue
  fi
  [ "$(cat "$out/$name.rc")" -eq 0 ] || rc=1
  echo "$name: $(grep -E '[0-9]+ (passed|failed|error)' "$out/$name.log" | tail -n 1 | tr -d '=')"
done
"$PY" -m tests.browser.chromium
exit "$rc"
