#!/usr/bin/env bash
# Tessera's production topology on one machine, from a checkout (docs/deployment.md):
# a PostgreSQL primary and a streaming replica (pg_basebackup), PgBouncer in transaction mode
# before the primary, two gunicorn app nodes (DEBUG=0) and nginx in front of them; all on
# 127.0.0.1, under a directory it owns. The configuration files are deploy/'s.
#
#   scripts/cluster.sh up             install what is missing (Debian), start, migrate (idempotent)
#   scripts/cluster.sh status --json  {"http", "primary", "replica", "pgbouncer", "nodes": [{"url", "pid"}]}
#   scripts/cluster.sh manage ARGS…   manage.py ARGS… against the cluster's database
#   scripts/cluster.sh down           stop everything it started
#
# Ports (environment, defaults): CLUSTER_HTTP_PORT 8700, CLUSTER_PRIMARY_PORT 5441,
# CLUSTER_REPLICA_PORT 5442, CLUSTER_PGBOUNCER_PORT 6441, CLUSTER_NODE_PORTS "8701 8702";
# CLUSTER_DIR (default .cluster in the checkout).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${CLUSTER_DIR:-$ROOT/.cluster}
HTTP_PORT=${CLUSTER_HTTP_PORT:-8700}
PRIMARY_PORT=${CLUSTER_PRIMARY_PORT:-5441}
REPLICA_PORT=${CLUSTER_REPLICA_PORT:-5442}
PGBOUNCER_PORT=${CLUSTER_PGBOUNCER_PORT:-6441}
NODE_PORTS=(${CLUSTER_NODE_PORTS:-8701 8702})
PY=$ROOT/.venv/bin/python
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
DB=tessera

primary_dsn() { echo "postgres://postgres@127.0.0.1:$PRIMARY_PORT/$DB"; }
replica_dsn() { echo "postgres://postgres@127.0.0.1:$REPLICA_PORT/$DB"; }
pgbouncer_dsn() { echo "postgres://postgres@127.0.0.1:$PGBOUNCER_PORT/$DB"; }

as_postgres() {  # PostgreSQL and PgBouncer refuse to run as root
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

app_env() {  # the environment of the app nodes and of `manage`
  export DEBUG=0 SECRET_KEY=${SECRET_KEY:-$(cat "$DIR/secret_key")} \
    ALLOWED_HOSTS=127.0.0.1,localhost SECURE_SSL_REDIRECT=0 SESSION_COOKIE_SECURE=0 \
    CSRF_COOKIE_SECURE=0 NUM_PROXIES=1 REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0} \
    DB_TRANSACTION_POOLING=1 DATABASE_URL=$(pgbouncer_dsn) DATABASE_REPLICA_URL=$(replica_dsn)
}

install_missing() {
  local wanted=()
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || wanted+=(nginx-light)
  command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ] || wanted+=(pgbouncer)
  [ ${#wanted[@]} -eq 0 ] && return
  echo "== installing ${wanted[*]} (Debian)"
  # the packages' own services stay stopped: the cluster runs its own instances
  local policy=/usr/sbin/policy-rc.d made=""
  if [ ! -e $policy ]; then printf '#!/bin/sh\nexit 101\n' >$policy; chmod +x $policy; made=1; fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${wanted[@]}" >/dev/null
  [ -n "$made" ] && rm -f $policy
  return 0
}

fill() {  # deploy/FILE with its @…@ values, to stdout
  sed -e "s#@DIR@#$DIR#g" -e "s#@HTTP_PORT@#$HTTP_PORT#g" -e "s#@PRIMARY_PORT@#$PRIMARY_PORT#g" \
      -e "s#@PGBOUNCER_PORT@#$PGBOUNCER_PORT#g" "$ROOT/deploy/$1"
}

pg_running() { as_postgres "$PGBIN/pg_ctl" -D "$1" status >/dev/null 2>&1; }

start_pg() {  # data dir, port
  pg_running "$1" || as_postgres "$PGBIN/pg_ctl" -D "$1" -l "$DIR/log/$(basename "$1").log" \
    -o "-p $2 -k $DIR/run" -w start >/dev/null
}

up_postgres() {
  if [ ! -d "$DIR/pg/primary" ]; then
    as_postgres "$PGBIN/initdb" -D "$DIR/pg/primary" -U postgres --auth=trust >/dev/null
    cat "$ROOT/deploy/postgresql.conf" >>"$DIR/pg/primary/postgresql.conf"
    echo "host replication postgres 127.0.0.1/32 trust" >>"$DIR/pg/primary/pg_hba.conf"
  fi
  start_pg "$DIR/pg/primary" "$PRIMARY_PORT"
  as_postgres psql -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -qAtc \
    "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 \
    || as_postgres "$PGBIN/createdb" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres "$DB"
  if [ ! -d "$DIR/pg/replica" ]; then
    as_postgres "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres \
      -D "$DIR/pg/replica" -R -X stream -C -S replica -c fast  # fast: no spread checkpoint wait
  fi
  start_pg "$DIR/pg/replica" "$REPLICA_PORT"
}

up_pgbouncer() {
  mkdir -p "$DIR/pgbouncer"
  fill pgbouncer.ini >"$DIR/pgbouncer/pgbouncer.ini"
  echo '"postgres" ""' >"$DIR/pgbouncer/userlist.txt"
  chown -R postgres "$DIR/pgbouncer" 2>/dev/null || true
  if ! alive "$DIR/pgbouncer/pgbouncer.pid"; then
    as_postgres pgbouncer -d "$DIR/pgbouncer/pgbouncer.ini"
  fi
}

alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

up_nodes() {
  app_env
  DB_TRANSACTION_POOLING=0 DATABASE_URL=$(primary_dsn) "$PY" "$ROOT/manage.py" migrate --noinput \
    >/dev/null  # not via the pooler
  "$PY" "$ROOT/manage.py" collectstatic --noinput >/dev/null
  local port
  for port in "${NODE_PORTS[@]}"; do
    alive "$DIR/run/node-$port.pid" && continue
    (cd "$ROOT" && .venv/bin/gunicorn -c gunicorn.conf.py --bind "127.0.0.1:$port" --workers 2 \
      --pid "$DIR/run/node-$port.pid" --daemon --access-logfile "$DIR/log/node-$port.log" \
      --error-logfile "$DIR/log/node-$port.err")
  done
  for port in "${NODE_PORTS[@]}"; do wait_http "http://127.0.0.1:$port/healthz"; done
}

wait_http() {  # 30 s for a 200 from URL
  "$PY" - "$1" <<'PY'
import sys, time, urllib.request
for _ in range(60):
    try:
        with urllib.request.urlopen(sys.argv[1], timeout=2) as answer:
            if answer.status == 200:
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.5)
sys.exit(f"no answer from {sys.argv[1]}")
PY
}

up_nginx() {
  mkdir -p "$DIR/nginx"
  local upstreams="" port
  for port in "${NODE_PORTS[@]}"; do
    upstreams+="        server 127.0.0.1:$port max_fails=1 fail_timeout=2s;"$'\n'
  done
  fill nginx.conf | awk -v u="$upstreams" '/@UPSTREAMS@/ { printf "%s", u; next } { print }' \
    >"$DIR/nginx/nginx.conf.new"
  if alive "$DIR/nginx/nginx.pid"; then
    if ! cmp -s "$DIR/nginx/nginx.conf.new" "$DIR/nginx/nginx.conf"; then  # changed: reload
      mv "$DIR/nginx/nginx.conf.new" "$DIR/nginx/nginx.conf"
      nginx -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf" -s reload 2>/dev/null
    fi
  else
    mv "$DIR/nginx/nginx.conf.new" "$DIR/nginx/nginx.conf"
    nginx -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf"
  fi
  wait_http "http://127.0.0.1:$HTTP_PORT/healthz"
}

cmd_up() {
  [ -x "$PY" ] || make -C "$ROOT" venv
  install_missing
  mkdir -p "$DIR/log" "$DIR/run" "$DIR/pg"
  if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$DIR"; then
    echo "the postgres user cannot reach $DIR: set CLUSTER_DIR to a folder it can" >&2
    exit 1
  fi
  [ -s "$DIR/secret_key" ] || "$PY" -c "import secrets; print(secrets.token_urlsafe(50))" >"$DIR/secret_key"
  chown postgres "$DIR/pg" "$DIR/run" "$DIR/log" 2>/dev/null || true
  chmod 1777 "$DIR/log" "$DIR/run"
  up_postgres
  up_pgbouncer
  up_nodes
  up_nginx
  echo "== up: http://127.0.0.1:$HTTP_PORT/ (scripts/cluster.sh status --json)"
}

cmd_status() {
  local nodes="" port pid
  for port in "${NODE_PORTS[@]}"; do
    pid=$(cat "$DIR/run/node-$port.pid" 2>/dev/null || echo null)
    alive "$DIR/run/node-$port.pid" || pid=null
    nodes+="${nodes:+, }{\"url\": \"http://127.0.0.1:$port\", \"pid\": $pid}"
  done
  printf '{"http": "http://127.0.0.1:%s", "primary": "%s", "replica": "%s", "pgbouncer": "%s", "nodes": [%s]}\n' \
    "$HTTP_PORT" "$(primary_dsn)" "$(replica_dsn)" "$(pgbouncer_dsn)" "$nodes"
}

cmd_manage() {
  app_env
  # straight to the primary: no pooler between (docs/deployment.md, "Behind PgBouncer")
  DB_TRANSACTION_POOLING=0 DATABASE_URL=$(primary_dsn) exec "$PY" "$ROOT/manage.py" "$@"
}

stop_pid() {  # pidfile: TERM, then KILL after 10 s
  alive "$1" || return 0
  local pid _; pid=$(cat "$1")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
}

cmd_down() {
  [ -d "$DIR" ] || return 0
  [ -f "$DIR/nginx/nginx.conf" ] && alive "$DIR/nginx/nginx.pid" \
    && nginx -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf" -s quit 2>/dev/null && sleep 0.5
  stop_pid "$DIR/nginx/nginx.pid"
  local port
  for port in "${NODE_PORTS[@]}"; do stop_pid "$DIR/run/node-$port.pid"; done
  stop_pid "$DIR/pgbouncer/pgbouncer.pid"
  for data in "$DIR/pg/replica" "$DIR/pg/primary"; do
    [ -d "$data" ] && pg_running "$data" && as_postgres "$PGBIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null
  done
  echo "== down"
}

case "${1:-}" in
  up) cmd_up ;;
  status) shift; [ "${1:-}" = "--json" ] || { echo "usage: $0 status --json" >&2; exit 2; }; cmd_status ;;
  manage) shift; cmd_manage "$@" ;;
  down) cmd_down ;;
  *) echo "usage: $0 up | status --json | manage ARGS… | down" >&2; exit 2 ;;
esac
