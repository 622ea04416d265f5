#!/usr/bin/env bash
# The benchmark suite (make bench): for each scale in SCALES (default "1 10"), a database
# of its own seeded at that scale, gridhub and PostGraphile started on free loopback ports
# against it, and bench/cmd/loadgen checking then timing every workload. The tables go to
# bench/results/<date>-scale<N>.md (with the figures as .json beside them).
#
#   bash bench/run.sh                 scales 1 and 10, ~30 minutes on 2 cores with every peer
#   SCALES=100 bash bench/run.sh      seeds 1.1 million incidents first (~2-3 minutes)
#   BENCH_DURATION=5s BENCH_ROUNDS=3  longer runs (each timed run, each round)
#   BENCH_ONLY=W1,W3                  some workloads only
#   PG_FEATURESERV=/path/pg_featureserv  also time pg_featureserv (O1-O3, and W1/W2/W4 at equal content)
#   PG_TILESERV=/path/pg_tileserv        also time pg_tileserv (T1) on the same database
#   GRIDHUB_BIN=/path/gridhub            time this gridhub binary instead of building the tree's
#   BENCH_TAG=-before                    appended to the results' file names
#   BENCH_DB_PREFIX=gridhub_bench_s   the benchmark databases' names, before the scale
#
# DATABASE_URL, when set, names the server to use (its database name is replaced by
# gridhub_bench_s<N>); otherwise the project-local cluster (make db) on GRIDHUB_PGPORT.
set -euo pipefail
cd "$(dirname "$0")/.."

SCALES=${SCALES:-"1 10"}
BENCH_DURATION=${BENCH_DURATION:-1.5s}
BENCH_ROUNDS=${BENCH_ROUNDS:-3}
BENCH_ONLY=${BENCH_ONLY:-}
BENCH_DB_PREFIX=${BENCH_DB_PREFIX:-gridhub_bench_s}
base=${DATABASE_URL:-postgres://gridhub:gridhub@127.0.0.1:${GRIDHUB_PGPORT:-54329}/gridhub?sslmode=disable}
case $base in
postgres://* | postgresql://*) ;;
*) echo "bench: DATABASE_URL must be a postgres:// URL" >&2; exit 1 ;;
esac
# postgres://user:pw@host:port/db?query → the server part, and the query kept as it is.
query=""
[[ $base == *\?* ]] && query="?${base#*\?}"
server=${base%%\?*}
server=${server%/*}
db_url() { echo "$server/$1$query"; }

# The benchmark's roles: command_center without its rate limit, and no anonymous callers
# (see bench/policy.yaml). Exported: the load driver starts one more gridhub for W6.
export GRIDHUB_POLICY=bench/policy.yaml GRIDHUB_ANONYMOUS_ROLE=none

work=$(mktemp -d -t gridhub-bench.XXXXXX)
pids=()
stop() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  pids=()
}
trap 'stop; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

echo "bench: building gridhub and the load driver"
# What gridhub is built from, for the results: the commit, and whether files outside
# bench/ had uncommitted changes.
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=false
[ -n "$(git status --porcelain --untracked-files=no 2>/dev/null | grep -v ' bench/' || true)" ] && dirty=true
gridhub_bin=bin/gridhub
if [ -n "${GRIDHUB_BIN:-}" ]; then
  gridhub_bin=$GRIDHUB_BIN commit="$commit (timing $GRIDHUB_BIN)"
else
  go build -o bin/gridhub .
fi
go build -o bin/gridhub-loadgen ./bench/cmd/loadgen

peer=bench/peers/postgraphile
if command -v node >/dev/null && command -v npm >/dev/null; then
  if [ ! -x $peer/node_modules/.bin/postgraphile ]; then
    echo "bench: installing PostGraphile (npm ci in $peer)"
    (cd $peer && npm ci --no-audit --no-fund --loglevel=error) || echo "bench: npm ci failed: PostGraphile is left out" >&2
  fi
else
  echo "bench: node and npm are not installed: PostGraphile is left out" >&2
fi
# PostGraphile v5 needs Node >= 22: the npm package node@22 in its folder provides it; the
# system's node only runs npm.
peer5=bench/peers/postgraphile5
if command -v npm >/dev/null && [ ! -x $peer5/node_modules/.bin/node ]; then
  echo "bench: installing PostGraphile v5 and Node 22 (npm ci in $peer5)"
  (cd $peer5 && npm ci --no-audit --no-fund --loglevel=error) || echo "bench: npm ci failed: PostGraphile v5 is left out" >&2
fi

# wait_ready NAME PID CURL-ARGS...: until curl succeeds, or the process dies, or 60 s pass.
wait_ready() {
  local name=$1 pid=$2
  shift 2
  for _ in $(seq 600); do
    curl -fsS -o /dev/null "$@" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || { echo "bench: $name exited; its log:" >&2; cat "$work/$name.log" >&2; return 1; }
    sleep 0.1
  done
  echo "bench: $name did not become ready" >&2
  return 1
}

# ensure_db N: the database gridhub_bench_s<N>, seeded at scale N. The bench.seeded table
# remembers the scale; a database without it (or at another scale) is made afresh.
ensure_db() {
  local name=$BENCH_DB_PREFIX$1 url
  url=$(db_url "$name")
  if [ "$(psql "$url" -tAXc 'SELECT scale FROM bench.seeded' 2>/dev/null || true)" = "$1" ]; then
    echo "bench: $name already holds the district at scale $1"
    return
  fi
  echo "bench: creating $name and seeding it at scale $1"
  psql "$(db_url postgres)" -qX -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name"
  psql "$url" -qX -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION IF NOT EXISTS postgis'
  DATABASE_URL=$url ./bin/gridhub seed -scale "$1" | tail -n 1
  # VACUUM ANALYZE: fresh statistics and visibility maps, as a long-running database has.
  psql "$url" -qX -v ON_ERROR_STOP=1 -c 'VACUUM ANALYZE' \
    -c 'CREATE SCHEMA bench' -c "CREATE TABLE bench.seeded AS SELECT $1 AS scale, now() AS at"
}

mkdir -p bench/results
date=$(date +%F)
for scale in $SCALES; do
  ensure_db "$scale"
  url=$(db_url "$BENCH_DB_PREFIX$scale")
  # The published demo keys (the load driver calls with command_center's); -if-empty
  # seeds nothing more.
  DATABASE_URL=$url $gridhub_bin seed -if-empty -scale "$scale" >/dev/null
  # W6's nearby cameras as a function PostGraphile exposes (the peers' W6 query reads it).
  psql "$url" -qX -v ON_ERROR_STOP=1 -f bench/peers/nearby_cameras.sql

  port=$(./bin/gridhub-loadgen freeport)
  GRIDHUB_ADDR=127.0.0.1:$port GRIDHUB_LOG_LEVEL=warn DATABASE_URL=$url $gridhub_bin serve >"$work/gridhub.log" 2>&1 &
  gpid=$!
  pids+=("$gpid")
  wait_ready gridhub "$gpid" "http://127.0.0.1:$port/readyz"

  peer_args=()
  if [ -x $peer/node_modules/.bin/postgraphile ]; then
    pport=$(./bin/gridhub-loadgen freeport)
    # Read-only use: no mutations; the schema is read once (--watch is off unless asked).
    $peer/node_modules/.bin/postgraphile -c "$url" -s public -n 127.0.0.1 -p "$pport" \
      --append-plugins @graphile/postgis,postgraphile-plugin-connection-filter,postgraphile-plugin-connection-filter-postgis \
      --disable-default-mutations --disable-query-log --disable-graphiql >"$work/postgraphile.log" 2>&1 &
    ppid=$!
    pids+=("$ppid")
    if wait_ready postgraphile "$ppid" -X POST -H 'Content-Type: application/json' -d '{"query":"{__typename}"}' \
      "http://127.0.0.1:$pport/graphql"; then
      peer_args=(-postgraphile "http://127.0.0.1:$pport/graphql" -postgraphile-pid "$ppid")
    else
      echo "bench: PostGraphile did not start; left out" >&2
    fi
  fi

  if [ -x $peer5/node_modules/.bin/node ] && [ -f $peer5/node_modules/postgraphile/dist/cli-run.js ]; then
    p5port=$(./bin/gridhub-loadgen freeport)
    (cd $peer5 && DATABASE_URL=$url PORT=$p5port exec node_modules/.bin/node node_modules/postgraphile/dist/cli-run.js \
      -C graphile.config.mjs) >"$work/postgraphile5.log" 2>&1 &
    p5pid=$!
    pids+=("$p5pid")
    if wait_ready postgraphile5 "$p5pid" -X POST -H 'Content-Type: application/json' -d '{"query":"{__typename}"}' \
      "http://127.0.0.1:$p5port/graphql"; then
      peer_args+=(-postgraphile5 "http://127.0.0.1:$p5port/graphql" -postgraphile5-pid "$p5pid")
    else
      echo "bench: PostGraphile v5 did not start; left out" >&2
    fi
  fi

  fs_args=()
  if [ -n "${PG_FEATURESERV:-}" ]; then
    fport=$(./bin/gridhub-loadgen freeport)
    # Its own defaults are 4 connections and 1,000 features a page: gridhub's pool size and
    # page limit instead. It runs where it was built, beside its assets.
    (cd "$(dirname "$PG_FEATURESERV")" && DATABASE_URL=$url PGFS_SERVER_HTTPHOST=127.0.0.1 PGFS_SERVER_HTTPPORT=$fport \
      PGFS_DATABASE_DBPOOLMAXCONNS=16 PGFS_PAGING_LIMITMAX=10000 exec "$PG_FEATURESERV") >"$work/pg_featureserv.log" 2>&1 &
    fpid=$!
    pids+=("$fpid")
    if wait_ready pg_featureserv "$fpid" "http://127.0.0.1:$fport/collections.json"; then
      fs_args=(-featureserv "http://127.0.0.1:$fport" -featureserv-pid "$fpid")
    else
      echo "bench: pg_featureserv did not start; left out" >&2
    fi
  fi

  if [ -n "${PG_TILESERV:-}" ]; then
    tport=$(./bin/gridhub-loadgen freeport)
    # gridhub's pool size (16) instead of its default 4; it serves every table with a geometry column.
    (cd "$(dirname "$PG_TILESERV")" && DATABASE_URL=$url TS_HTTPHOST=127.0.0.1 TS_HTTPPORT=$tport TS_DBPOOLMAXCONNS=16 \
      exec "$PG_TILESERV") >"$work/pg_tileserv.log" 2>&1 &
    tpid=$!
    pids+=("$tpid")
    if wait_ready pg_tileserv "$tpid" "http://127.0.0.1:$tport/index.json"; then
      fs_args+=(-tileserv "http://127.0.0.1:$tport" -tileserv-pid "$tpid")
    else
      echo "bench: pg_tileserv did not start; left out" >&2
    fi
  fi

  baseline=()
  [ "$scale" != 1 ] && [ -f "bench/results/$date-scale1.json" ] && baseline=(-baseline "bench/results/$date-scale1.json")
  echo "bench: scale $scale: gridhub on :$port (pid $gpid)"
  ./bin/gridhub-loadgen run -scale "$scale" -db "$url" \
    -gridhub "http://127.0.0.1:$port" -gridhub-pid "$gpid" -gridhub-bin "$gridhub_bin" -commit "$commit" -dirty="$dirty" \
    "${peer_args[@]}" "${fs_args[@]}" "${baseline[@]}" -duration "$BENCH_DURATION" -rounds "$BENCH_ROUNDS" \
    ${BENCH_ONLY:+-only "$BENCH_ONLY"} -out "bench/results/$date-scale$scale${BENCH_TAG:-}.md"
  stop
  if [ -s "$work/gridhub.log" ]; then
    echo "bench: gridhub's warnings at scale $scale:" >&2
    tail -n 20 "$work/gridhub.log" >&2
  fi
done
