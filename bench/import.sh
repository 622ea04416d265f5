#!/usr/bin/env bash
# The import benchmark: N generated buildings (GeoJSON, inside the demo district's grids)
# loaded by `gridhub import` beside `ogr2ogr -f PostgreSQL` (COPY) on the same file, a
# bare `COPY` of the same rows and their insert into a table shaped like buildings, in the
# same run; rows/s, peak RSS and the checks' share.
#
#   bash bench/import.sh                      1,000,000 buildings
#   BENCH_IMPORT_ROWS=200000 bash bench/import.sh
#   BENCH_ROUNDS=3                            interleaved rounds; the medians are shown
#
# It uses the database gridhub_bench_import on DATABASE_URL's server (the local cluster by
# default), seeded at scale 1 for its grids; the file goes to bench/results/ (not kept).
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${BENCH_IMPORT_ROWS:-1000000}
ROUNDS=${BENCH_ROUNDS:-3}
base=${DATABASE_URL:-postgres://gridhub:gridhub@127.0.0.1:${GRIDHUB_PGPORT:-54329}/gridhub?sslmode=disable}
server=${base%%\?*}
server=${server%/*}
url="$server/gridhub_bench_import?sslmode=disable"
admin="$server/postgres?sslmode=disable"
# ogr2ogr takes libpq's keywords: postgres://user:password@host:port.
re='^postgres(ql)?://([^:@/]*)(:([^@/]*))?@([^:/]*)(:([0-9]+))?$'
[[ $server =~ $re ]] || { echo "bench-import: cannot read $server" >&2; exit 1; }
pg="PG:dbname=gridhub_bench_import user=${BASH_REMATCH[2]} password=${BASH_REMATCH[4]} host=${BASH_REMATCH[5]} port=${BASH_REMATCH[7]:-5432}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
say() { printf 'bench-import: %s\n' "$*" >&2; }

command -v ogr2ogr >/dev/null || bash scripts/gdal.sh
go build -o bin/gridhub .

if ! psql "$url" -XAtqc "select 1" >/dev/null 2>&1; then
  psql "$admin" -XAtqc "create database gridhub_bench_import" >/dev/null
fi
psql "$url" -XAtqc "create extension if not exists postgis" >/dev/null
DATABASE_URL=$url ./bin/gridhub seed -if-empty >/dev/null
# Each run starts from the seeded district: imported buildings and ogr2ogr's table go.
reset() {
  psql "$url" -XAtq -c "delete from buildings where source_id is not null" -c "drop table if exists bench_ogr, bench_bare" -c "vacuum analyze buildings" 2>/dev/null
}

say "generating $ROWS buildings"
grids=$(psql "$url" -XAtqc "select count(*) from grids where level = 'GRID'")
per=$(((ROWS + grids - 1) / grids))
file=$work/buildings.geojson
{
  echo '{"type":"FeatureCollection","features":['
  psql "$url" -XAtq -c "copy (select json_build_object('type', 'Feature', 'id', 'b' || n,
      'geometry', ST_AsGeoJSON(ST_Expand(pt, 0.00003), 7)::json,
      'properties', json_build_object('name', '楼栋' || n, 'address', '昆都仑区' || n || '号', 'floors', 1 + n % 30,
                                      'households', n % 120, 'residents', n % 300))
    from (select row_number() over () as n, d.geom as pt
          from (select id, geom from grids where level = 'GRID' order by code) g,
               ST_Dump(ST_GeneratePoints(ST_Buffer(g.geom, -0.0002), $per, 42)) d) x
    where n <= $ROWS) to stdout" | sed '1!s/^/,/'
  echo ']}'
} >"$file"
say "$(du -h "$file" | cut -f1) of GeoJSON"

# timed CMD...: wall seconds, peak RSS (MB) and the process's own CPU seconds on stdout.
timed() {
  /usr/bin/time -f '%e %M %U %S' -o "$work/time" "$@" >"$work/out" 2>&1 || { cat "$work/out" >&2; exit 1; }
  awk '{printf "%s %.0f %.2f\n", $1, $2/1024, $3 + $4}' "$work/time"
}

# The lower middle value (with two rounds, the faster).
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ogr_t=() ogr_m=() ogr_c=() gh_t=() gh_m=() again_t=() again_m=() checks_t=()
for round in $(seq "$ROUNDS"); do
  reset
  read -r s mb cpu < <(timed ogr2ogr -f PostgreSQL "$pg" "$file" -nln bench_ogr -nlt PROMOTE_TO_MULTI -lco GEOMETRY_NAME=geom --config PG_USE_COPY YES)
  ogr_t+=("$s") ogr_m+=("$mb") ogr_c+=("$cpu")
  say "round $round: ogr2ogr ${s}s, ${mb} MB, its own CPU ${cpu}s"
  reset
  read -r s mb _ < <(DATABASE_URL=$url timed ./bin/gridhub import -layer BUILDING -file "$file")
  gh_t+=("$s") gh_m+=("$mb")
  phases=$(tail -1 "$work/out")
  c=$(grep -o 'checks [0-9.]*m\?s' "$work/out" | tail -1 | awk '{v=$2; if (v ~ /ms$/) {sub(/ms$/, "", v); v/=1000} else sub(/s$/, "", v); print v}')
  checks_t+=("$(echo "scale=1; 100 * $c / $s" | bc)")
  say "round $round: gridhub ${s}s, ${mb} MB $phases"
  read -r s mb _ < <(DATABASE_URL=$url timed ./bin/gridhub import -layer BUILDING -file "$file")
  again_t+=("$s") again_m+=("$mb")
  say "round $round: gridhub again ${s}s, $(tail -2 "$work/out" | head -1)"
done
ogr_s=$(printf '%s\n' "${ogr_t[@]}" | median) ogr_cpu=$(printf '%s\n' "${ogr_c[@]}" | median) ogr_mb=$(printf '%s\n' "${ogr_m[@]}" | sort -n | tail -1)
gh_s=$(printf '%s\n' "${gh_t[@]}" | median) gh_mb=$(printf '%s\n' "${gh_m[@]}" | sort -n | tail -1)
again_s=$(printf '%s\n' "${again_t[@]}" | median) again_mb=$(printf '%s\n' "${again_m[@]}" | sort -n | tail -1)
checks=$(printf '%s\n' "${checks_t[@]}" | median)  # per cent of its round's import

# The floor: the same rows, already parsed, checked and placed, inserted into a table shaped
# like buildings, one index or constraint at a time (bench/import-floor.sql).
floor=$(psql "$url" -Xq -f bench/import-floor.sql | sed -n '/variant/,$p')

# Bare SQL: the same rows, already in PostGIS's binary form, copied into a plain table.
psql "$url" -XAtqc "create table bench_bare (source_id text, name text, address text, floors int, households int, residents int, geom geometry(MultiPolygon, 4326))"
psql "$url" -XAtqc "copy (select source_id, name, address, floors, households, residents, geom from buildings where source_id is not null) to stdout" >"$work/bare.tsv"
psql "$url" -XAtqc "truncate bench_bare"
start=$(date +%s.%N)
psql "$url" -XAtqc "copy bench_bare from stdin" <"$work/bare.tsv"
bare_s=$(echo "$(date +%s.%N) - $start" | bc)
reset

rate() { echo "$ROWS / $1" | bc; }
cat <<EOF
| $ROWS buildings (GeoJSON, $(du -h "$file" | cut -f1)), median of $ROUNDS | seconds | rows/s | peak RSS (max) | vs ogr2ogr |
| --- | ---: | ---: | ---: | ---: |
| bare SQL: COPY of the rows already in PostGIS form, no index, no checks | $bare_s | $(rate "$bare_s") | – | |
| ogr2ogr -f PostgreSQL (COPY, GiST index) | $ogr_s | $(rate "$ogr_s") | ${ogr_mb} MB | 1.00 |
| gridhub import (COPY, checks, upsert, grid figures) | $gh_s | $(rate "$gh_s") | ${gh_mb} MB | $(echo "scale=2; $ogr_s / $gh_s" | bc) |
| gridhub import again (no change) | $again_s | $(rate "$again_s") | ${again_mb} MB | $(echo "scale=2; $ogr_s / $again_s" | bc) |

ogr2ogr's own CPU (GDAL reading the file; median): ${ogr_cpu}s of its ${ogr_s}s.
the checks' share of gridhub's import (median of the rounds): ${checks}%; gridhub's last phases: $phases

The same rows, already parsed, checked and placed, inserted into a table shaped like buildings
(bench/import-floor.sql: each line adds one of its indexes or constraints):
$floor
EOF
