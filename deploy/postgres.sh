#!/usr/bin/env bash
# A private PostgreSQL in the foreground: creates the cluster in DIR on first use (user faceweb, trust on loopback) and
# serves it on 127.0.0.1:PORT until SIGTERM or SIGINT, which it turns into PostgreSQL's fast shutdown.
#   deploy/postgres.sh DIR PORT
# Used by deploy/local.sh and the Aspire app host (deploy/FaceWeb.AppHost). Needs Debian's postgresql.
set -euo pipefail
DIR=$1 PORT=$2
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$PGBIN" ] || { echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }
# initdb and postgres refuse root: then the package's postgres user owns and runs the cluster.
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
# setpriv execs (no process in between), so the signal below reaches postgres itself.
as_owner_exec() { if [ "$(id -u)" = 0 ]; then exec setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; else exec "$@"; fi; }
mkdir -p "$DIR"
if [ ! -d "$DIR/pg" ]; then
  [ "$(id -u)" = 0 ] && chown postgres "$DIR"
  as_owner "$PGBIN/initdb" -D "$DIR/pg" -U faceweb --auth=trust -E UTF8 >/dev/null
fi
as_owner_exec "$PGBIN/postgres" -D "$DIR/pg" -p "$PORT" -k "$DIR" -c listen_addresses=127.0.0.1 &
PG=$!
trap 'kill -INT $PG 2>/dev/null || true' TERM INT   # SIGINT is PostgreSQL's fast shutdown: clients are disconnected
wait $PG || true
wait $PG 2>/dev/null || true
