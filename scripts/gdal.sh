#!/usr/bin/env bash
# Installs GDAL's command-line tools (Debian's gdal-bin: ogrinfo, ogr2ogr), the clients
# every GIS department uses: tests read gridhub's answers with them, and imports of
# Shapefiles and GeoPackages go through ogr2ogr.
#
# Idempotent: with ogr2ogr present it only looks and exits.
set -euo pipefail

say() { printf 'gdal: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo "$@"
  else return 1
  fi
}

command -v ogr2ogr >/dev/null 2>&1 && command -v ogrinfo >/dev/null 2>&1 && exit 0

command -v apt-get >/dev/null || die "no apt-get here: install GDAL's command-line tools (ogr2ogr, ogrinfo) yourself"
as_root true || die "installing gdal-bin needs root or passwordless sudo: run 'sudo apt-get install gdal-bin'"
say "installing gdal-bin (apt-get)"
export DEBIAN_FRONTEND=noninteractive
# The package lists can be stale or missing on a new machine.
if [ -z "$(apt-cache policy gdal-bin 2>/dev/null | awk '/Candidate:/ {print $2}' | grep -v none)" ]; then
  as_root apt-get update -qq >/dev/null
fi
as_root apt-get install -y -qq --no-install-recommends gdal-bin >/dev/null
command -v ogr2ogr >/dev/null 2>&1 || die "gdal-bin did not install"
