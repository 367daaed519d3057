#!/usr/bin/env bash
# FaceWeb scaled out on one machine, on loopback: Redis (Orleans clustering), PostgreSQL (rooms, sessions), two engine
# silos, two web front-ends and the YARP balancer. Ctrl-C stops everything; the state folder keeps the database.
#   deploy/local.sh                 # then open http://127.0.0.1:5100
# FACEWEB_CONFIGURATION=Debug uses the Debug build. Needs Debian's redis-server and postgresql (apt-get install redis-server postgresql) and the .NET SDK.
# Settings (environment): FACEWEB_STATE (default /tmp/faceweb-local), FACEWEB_BASE_PORT (default 5100: the balancer;
# web front-ends +1, +2; engine health pages +21, +22; Redis +10; PostgreSQL +11; silos 11111/30000 and 11112/30001 offset by BASE-5100).
set -euo pipefail
cd "$(dirname "$0")/.."
STATE=${FACEWEB_STATE:-/tmp/faceweb-local}
BASE=${FACEWEB_BASE_PORT:-5100}
OFF=$((BASE - 5100))
REDIS_PORT=$((BASE + 10)) PG_PORT=$((BASE + 11))
mkdir -p "$STATE"
PIDS=()
stop() {
  trap - INT TERM EXIT
  echo "stopping…"
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for _ in $(seq 20); do kill -0 "${PIDS[@]}" 2>/dev/null || break; sleep 0.5; done   # 10 s to stop cleanly
  for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
}
trap stop INT TERM EXIT

# PostgreSQL in the foreground (deploy/postgres.sh: its cluster in $STATE/pg, fast shutdown on SIGTERM).
deploy/postgres.sh "$STATE" "$PG_PORT" >"$STATE/pg.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 60); do (exec 3<>"/dev/tcp/127.0.0.1/$PG_PORT") 2>/dev/null && break; sleep 0.5; done
POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=faceweb;Database=postgres"

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$STATE" >"$STATE/redis.log" 2>&1 &
PIDS+=($!)
REDIS="127.0.0.1:$REDIS_PORT"

CONFIG=${FACEWEB_CONFIGURATION:-Release}
dotnet build FaceWeb.Server -c "$CONFIG" -v q -nologo >/dev/null
DLL=$PWD/FaceWeb.Server/bin/$CONFIG/net10.0/linux-x64/FaceWeb.Server.dll
run() {  # name, then arguments; the content root is FaceWeb.Server/, as with dotnet run
  local name=$1; shift
  (cd FaceWeb.Server && exec dotnet "$DLL" "$@" --FaceWeb:Cluster:Redis="$REDIS" --FaceWeb:Cluster:Name="$name" \
     --FaceWeb:Cluster:ClusterId="local$BASE" >"$STATE/$name.log" 2>&1) &
  PIDS+=($!)
}
for i in 1 2; do
  run "engine$i" --FaceWeb:Role=engine --urls "http://127.0.0.1:$((BASE + 20 + i))" --FaceWeb:Data="$STATE/engine$i" \
    --FaceWeb:Cluster:SiloPort=$((11110 + OFF + i)) --FaceWeb:Cluster:GatewayPort=$((29999 + OFF + i)) --ConnectionStrings:Postgres="$POSTGRES"
done
for i in 1 2; do
  run "web$i" --FaceWeb:Role=web --urls "http://127.0.0.1:$((BASE + i))" --FaceWeb:Data="$STATE/web$i" --ConnectionStrings:Postgres="$POSTGRES"
done
run balancer --FaceWeb:Role=balancer --urls "http://127.0.0.1:$BASE" \
  --FaceWeb:Cluster:FrontEnds:0="http://127.0.0.1:$((BASE + 1))" --FaceWeb:Cluster:FrontEnds:1="http://127.0.0.1:$((BASE + 2))"
echo "FaceWeb: http://127.0.0.1:$BASE (logs in $STATE); Ctrl-C stops it"
wait -n "${PIDS[@]}" || true
echo "a process ended; see the logs in $STATE"
