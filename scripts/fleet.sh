#!/usr/bin/env bash
# A fleet on one machine, from Debian's packages, as processes of this project (no
# system services, no standard ports): etcd, three PostgreSQL members under Patroni
# (synchronous replication, so that an acknowledged write survives a failover), HAProxy
# in front of the members and of the hubs, Redis, and three hubs.
#
#   scripts/fleet.sh up      start it (seeded), print the URLs
#   scripts/fleet.sh down    stop it and delete its directory
#   scripts/fleet.sh status  the members as Patroni sees them
#
# Everything lives in $FLEET_DIR (.fleet/). Ports: hubs behind HAProxy on
# $FLEET_PORT (8090), the hubs themselves on 8091-8093, HAProxy's primary and replica
# ports 54350/54351, the members 54341-54343 (Patroni's API 58081-58083), etcd 23790,
# Redis 63790.
set -euo pipefail
cd "$(dirname "$0")/.."

DIR=${FLEET_DIR:-$PWD/.fleet}
PORT=${FLEET_PORT:-8090}
HUBS=${FLEET_HUBS:-3}
MEMBERS=3
ETCD=23790
PRIMARY=54350
REPLICAS=54351
REDIS=63790
BINARY=${FLEET_BINARY:-$PWD/bin/gridhub}
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

say() { printf 'fleet: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# Runs a program as the postgres OS user when we are root (PostgreSQL and Patroni
# refuse root), else as ourselves.
as_pg() {
  if [ "$(id -u)" = 0 ]; then setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; else "$@"; fi
}

as_pg_prefix() {
  if [ "$(id -u)" = 0 ]; then echo setpriv --reuid=postgres --regid=postgres --init-groups --; fi
}

# start NAME CMD...: runs CMD in the background as the postgres user, logging to
# $DIR/NAME.log, its pid in $DIR/pids/NAME. start_self: as ourselves (the hubs).
start() {
  local name=$1; shift
  # setpriv and setsid exec the program: the pid is the program's own.
  HOME=$DIR setsid bash -c 'exec "$@"' _ $(as_pg_prefix) "$@" >"$DIR/$name.log" 2>&1 < /dev/null &
  echo $! > "$DIR/pids/$name"
}
start_self() {
  local name=$1; shift
  setsid bash -c 'exec "$@"' _ "$@" >"$DIR/$name.log" 2>&1 < /dev/null &
  echo $! > "$DIR/pids/$name"
}

wait_for() { # what, command...
  local what=$1; shift
  for _ in $(seq 1 300); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  die "$what did not come up (logs in $DIR)"
}

leader_api() { # the REST API port of the member that is primary
  for i in $(seq 1 $MEMBERS); do
    if curl -sf "http://127.0.0.1:$((58080 + i))/primary" >/dev/null; then echo $((58080 + i)); return 0; fi
  done
  return 1
}

up() {
  [ -e "$DIR/pids" ] && die "a fleet is already in $DIR: scripts/fleet.sh down first"
  bash scripts/fleet-deps.sh full
  [ -x "$BINARY" ] || die "$BINARY is missing: make build"
  mkdir -p "$DIR/pids"
  chmod 755 "$DIR"
  [ "$(id -u)" = 0 ] && chown postgres "$DIR" "$DIR/pids"

  say "etcd on $ETCD"
  start etcd etcd --name fleet --data-dir "$DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD" --advertise-client-urls "http://127.0.0.1:$ETCD" \
    --listen-peer-urls "http://127.0.0.1:$((ETCD + 10))" --initial-advertise-peer-urls "http://127.0.0.1:$((ETCD + 10))" \
    --initial-cluster "fleet=http://127.0.0.1:$((ETCD + 10))"
  wait_for etcd curl -sf "http://127.0.0.1:$ETCD/health"

  say "Redis on $REDIS"
  start redis redis-server --port $REDIS --bind 127.0.0.1 --save "" --appendonly no --dir "$DIR"

  for i in $(seq 1 $MEMBERS); do
    mkdir -p "$DIR/pg$i"
    chmod 700 "$DIR/pg$i"
    [ "$(id -u)" = 0 ] && chown postgres "$DIR/pg$i"
    cat > "$DIR/pg$i.yml" <<YAML
scope: gridhub
name: pg$i
restapi:
  listen: 127.0.0.1:$((58080 + i))
  connect_address: 127.0.0.1:$((58080 + i))
etcd3:
  hosts: 127.0.0.1:$ETCD
bootstrap:
  dcs:
    ttl: 20
    loop_wait: 1
    retry_timeout: 5
    maximum_lag_on_failover: 16777216
    # A crashed primary is failed over at once rather than restarted in place.
    primary_start_timeout: 0
    # A commit is acknowledged once a standby has it: failover loses no acknowledged write.
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      parameters:
        max_connections: 300
        wal_log_hints: "on"
        # Reads on the standbys are not cancelled by the primary's vacuum.
        hot_standby_feedback: "on"
        jit: "off"
        max_parallel_workers_per_gather: 0
  initdb:
    - encoding: UTF8
    - locale: C.UTF-8
    - auth: scram-sha-256
  pg_hba:
    - local all all trust
    - host replication replicator 127.0.0.1/32 scram-sha-256
    - host all all 127.0.0.1/32 scram-sha-256
postgresql:
  listen: 127.0.0.1:$((54340 + i))
  connect_address: 127.0.0.1:$((54340 + i))
  data_dir: $DIR/pg$i/data
  bin_dir: $PG_BIN
  pgpass: $DIR/pg$i/pgpass
  authentication:
    superuser: {username: postgres, password: fleet-postgres}
    replication: {username: replicator, password: fleet-replicator}
    rewind: {username: postgres, password: fleet-postgres}
  parameters:
    unix_socket_directories: $DIR/pg$i
YAML
    say "PostgreSQL member pg$i on $((54340 + i)) under Patroni (API $((58080 + i)))"
    start "pg$i" patroni "$DIR/pg$i.yml"
  done
  wait_for "a Patroni leader" leader_api

  cat > "$DIR/haproxy.cfg" <<CFG
global
    maxconn 2000
defaults
    timeout connect 2s
    timeout client 1h
    timeout server 1h
    timeout check 1s
    timeout tunnel 1h
# The primary is whichever member's Patroni answers 200 on /primary; connections to a
# member marked down are cut, so that the hubs reconnect to the new primary at once.
listen primary
    mode tcp
    bind 127.0.0.1:$PRIMARY
    # A member that refuses is retried once, not three times a second apart: the hub
    # hears UNAVAILABLE sooner and its client retries against the new primary.
    retries 1
    option httpchk GET /primary
    http-check expect status 200
    default-server inter 500ms fall 2 rise 1 on-marked-down shutdown-sessions
$(for i in $(seq 1 $MEMBERS); do echo "    server pg$i 127.0.0.1:$((54340 + i)) check port $((58080 + i))"; done)
listen replicas
    mode tcp
    bind 127.0.0.1:$REPLICAS
    balance roundrobin
    option httpchk GET /replica
    http-check expect status 200
    default-server inter 500ms fall 2 rise 1 on-marked-down shutdown-sessions
$(for i in $(seq 1 $MEMBERS); do echo "    server pg$i 127.0.0.1:$((54340 + i)) check port $((58080 + i))"; done)
# The hubs: stateless, any of them serves any request (websockets included). Checked on
# /healthz, not /readyz: a database outage is every hub's at once, and reads the
# replicas can serve should still reach one.
listen hubs
    mode http
    bind 127.0.0.1:$PORT
    balance roundrobin
    option forwardfor
    option httpchk GET /healthz
    default-server inter 1s fall 2 rise 1
$(for i in $(seq 1 $HUBS); do echo "    server hub$i 127.0.0.1:$((PORT + i)) check"; done)
CFG
  say "HAProxy: primary $PRIMARY, replicas $REPLICAS, hubs $PORT"
  start haproxy haproxy -db -f "$DIR/haproxy.cfg"
  local psql=(env PGPASSWORD=fleet-postgres "$PG_BIN/psql" -qtA -v ON_ERROR_STOP=1 -h 127.0.0.1 -p $PRIMARY -U postgres)
  # HAProxy takes every member for up until its checks say otherwise: wait until the
  # primary port has reached the primary several times running.
  primary_reached() {
    for _ in 1 2 3 4 5; do
      [ "$("${psql[@]}" -d postgres -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ] || return 1
      sleep 0.3
    done
  }
  wait_for "HAProxy's primary port" primary_reached

  say "database gridhub with PostGIS"
  "${psql[@]}" -d postgres -c "CREATE ROLE gridhub LOGIN PASSWORD 'gridhub'" -c "CREATE DATABASE gridhub OWNER gridhub"
  "${psql[@]}" -d gridhub -c "CREATE EXTENSION postgis" -c "ALTER SCHEMA public OWNER TO gridhub"

  local db="postgres://gridhub:gridhub@127.0.0.1:$PRIMARY/gridhub?sslmode=disable"
  local replicas=""
  for i in $(seq 1 $MEMBERS); do
    replicas+="${replicas:+,}postgres://gridhub:gridhub@127.0.0.1:$((54340 + i))/gridhub?sslmode=disable"
  done
  DATABASE_URL=$db "$BINARY" seed -if-empty -scale "${SCALE:-1}" >"$DIR/seed.log" 2>&1 || die "seed failed: $DIR/seed.log"
  for i in $(seq 1 "$HUBS"); do
    say "hub $i on $((PORT + i))"
    DATABASE_URL=$db GRIDHUB_REPLICA_URLS=$replicas GRIDHUB_REDIS_URL="redis://127.0.0.1:$REDIS/0" \
      GRIDHUB_ADDR="127.0.0.1:$((PORT + i))" GRIDHUB_CORS_ORIGINS="http://localhost:$PORT,http://127.0.0.1:$PORT" \
      GRIDHUB_TRUSTED_PROXIES=127.0.0.1 \
      start_self "hub$i" "$BINARY" serve
  done
  wait_for "the hubs behind HAProxy" curl -sf "http://127.0.0.1:$PORT/readyz"
  cat <<EOT

gridhub fleet up ($MEMBERS PostgreSQL members, $HUBS hubs):
  GraphiQL      http://localhost:$PORT/
  map           http://localhost:$PORT/map
  metrics       http://localhost:$((PORT + 1))/metrics (each hub on its own port)
  primary       postgres://gridhub:gridhub@127.0.0.1:$PRIMARY/gridhub   (HAProxy → the Patroni leader)
  replicas      postgres://gridhub:gridhub@127.0.0.1:$REPLICAS/gridhub
  members       scripts/fleet.sh status
  stop          make fleet-down
EOT
}

status() {
  for i in $(seq 1 $MEMBERS); do
    printf 'pg%d ' "$i"; curl -s "http://127.0.0.1:$((58080 + i))/patroni" | head -c 300 || printf 'down'; echo
  done
}

down() {
  [ -d "$DIR/pids" ] || { rm -rf "$DIR"; return 0; }
  # Hubs first, the databases last; each process by the pid it was started with.
  for name in hub1 hub2 hub3 hub4 hub5 haproxy pg1 pg2 pg3 redis etcd; do
    f="$DIR/pids/$name"
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  # A member's PostgreSQL outlives a killed Patroni: stop each by its data directory.
  for i in $(seq 1 $MEMBERS); do
    [ -f "$DIR/pg$i/data/postmaster.pid" ] && as_pg "$PG_BIN/pg_ctl" -D "$DIR/pg$i/data" stop -m immediate >/dev/null 2>&1 || true
  done
  rm -rf "$DIR"
  say "stopped and removed $DIR"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) die "usage: scripts/fleet.sh up|down|status" ;;
esac
