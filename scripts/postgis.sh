#!/usr/bin/env bash
# Brings up PostgreSQL + PostGIS for gridhub and creates its databases.
#
# Without DATABASE_URL: installs the PostgreSQL server and PostGIS from the system's
# packages when missing, and runs a project-local cluster under .data/ on 127.0.0.1:$GRIDHUB_PGPORT
# (54329 by default, so a system PostgreSQL on 5432 is left alone).
# With DATABASE_URL: uses that server and only checks that PostGIS can be created there.
#
# Idempotent: a second run starts nothing new and changes nothing.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
port=${GRIDHUB_PGPORT:-54329}
data=$root/.data
pgdata=$data/pg
sock=$data/run
dbuser=gridhub
dbpass=gridhub
databases=(${GRIDHUB_DATABASES:-gridhub gridhub_test})

say() { printf 'postgis: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo "$@"
  else return 1
  fi
}

# check_url URL: PostGIS must be installable (or installed) on the server behind URL.
check_url() {
  command -v psql >/dev/null || die "psql not found; install the PostgreSQL client (apt-get install postgresql-client)"
  local v
  v=$(psql "$1" -XAtqc "select coalesce((select extversion from pg_extension where extname='postgis'), (select default_version from pg_available_extensions where name='postgis'), 'missing')" 2>&1) \
    || die "cannot connect to DATABASE_URL: $v"
  [ "$v" != missing ] || die "the server behind DATABASE_URL has no PostGIS; install it there (Debian: postgresql-<major>-postgis-3)"
  psql "$1" -XAtqc "create extension if not exists postgis" >/dev/null 2>&1 \
    || die "PostGIS is available on DATABASE_URL's server but cannot be created; run 'create extension postgis' as a superuser in that database"
  say "using DATABASE_URL (PostGIS $v)"
}

if [ -n "${DATABASE_URL:-}" ]; then
  check_url "$DATABASE_URL"
  [ -z "${TEST_DATABASE_URL:-}" ] || check_url "$TEST_DATABASE_URL"
  exit 0
fi

pg_major() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin/postgres 2>/dev/null | sort -V -r); do
    basename "$(dirname "$(dirname "$d")")"
    return 0
  done
  return 1
}

apt_install() {
  command -v apt-get >/dev/null || die "no apt-get here: install PostgreSQL (>= 13) with PostGIS 3 yourself, then run again with DATABASE_URL pointing at it"
  as_root true || die "installing $* needs root or passwordless sudo: run 'sudo apt-get install $*', then run again"
  say "installing $* (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  # The package lists can be stale or missing on a new machine.
  if ! apt-cache show "$1" >/dev/null 2>&1 || [ -z "$(apt-cache policy "$1" | awk '/Candidate:/ {print $2}' | grep -v none)" ]; then
    as_root apt-get update -qq >/dev/null
  fi
  as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

major=$(pg_major) || { apt_install postgresql; major=$(pg_major) || die "PostgreSQL did not install"; }
bin=/usr/lib/postgresql/$major/bin
if [ ! -f "/usr/share/postgresql/$major/extension/postgis.control" ]; then
  apt_install "postgresql-$major-postgis-3"
fi
[ -f "/usr/share/postgresql/$major/extension/postgis.control" ] || die "postgresql-$major-postgis-3 did not install PostGIS"
command -v psql >/dev/null || apt_install postgresql-client

# PostgreSQL refuses to run as root: the cluster belongs to the postgres OS user then.
if [ "$(id -u)" = 0 ]; then
  owner=postgres
  id postgres >/dev/null 2>&1 || die "no 'postgres' OS user; it comes with the postgresql package"
  as_owner() { runuser -u postgres -- "$@"; }
else
  owner=$(id -un)
  as_owner() { "$@"; }
fi

mkdir -p "$data"
if [ ! -f "$pgdata/PG_VERSION" ]; then
  say "creating the cluster in $pgdata (PostgreSQL $major)"
  mkdir -p "$pgdata" "$sock" "$data/log"
  chown "$owner" "$pgdata" "$sock" "$data/log"
  chmod 700 "$pgdata"
  pwfile=$(mktemp)
  printf '%s\n' "$dbpass" >"$pwfile"
  chown "$owner" "$pwfile"
  as_owner "$bin/initdb" -D "$pgdata" -U "$dbuser" --pwfile="$pwfile" --auth=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
  # Planner settings for PostGIS-heavy OLTP on a small machine: JIT and parallel gather cost
  # more than they save on these queries.
  cat >>"$pgdata/postgresql.conf" <<CONF

# gridhub
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$sock'
shared_buffers = 512MB
effective_cache_size = 4GB
work_mem = 32MB
maintenance_work_mem = 512MB
max_connections = 200
jit = off
max_parallel_workers_per_gather = 0
random_page_cost = 1.1
max_wal_size = 4GB
checkpoint_timeout = 15min
CONF
fi

if ! as_owner "$bin/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "port $port on 127.0.0.1 is taken by another program; set GRIDHUB_PGPORT to a free port"
  fi
  say "starting PostgreSQL on 127.0.0.1:$port"
  as_owner "$bin/pg_ctl" -D "$pgdata" -l "$data/log/postgres.log" -w -t 60 start >/dev/null \
    || die "PostgreSQL did not start; see $data/log/postgres.log"
fi

export PGPASSWORD=$dbpass
url() { printf 'postgres://%s:%s@127.0.0.1:%s/%s?sslmode=disable' "$dbuser" "$dbpass" "$port" "$1"; }
for db in "${databases[@]}"; do
  if [ -z "$(psql "$(url postgres)" -XAtqc "select 1 from pg_database where datname = '$db'")" ]; then
    say "creating database $db"
    psql "$(url postgres)" -Xqc "create database $db" >/dev/null
  fi
  psql "$(url "$db")" -Xqc "create extension if not exists postgis" >/dev/null 2>&1 \
    || die "could not create the postgis extension in $db"
done
say "ready: $(url "${databases[0]}")"
