#!/usr/bin/env bash
# Installs what a fleet of hubs runs on besides PostgreSQL, from the system's packages:
# Redis (the rate limits, failed sign-ins and dense-tile memory every hub shares) and
# PgBouncer (the transaction pooler large fleets put in front of PostgreSQL), which the
# tests start as processes of their own. With "full" also Patroni, etcd and HAProxy,
# which 'make fleet' runs. Nothing is started here.
#
# Idempotent: with everything present it only looks and exits.
set -euo pipefail

say() { printf 'fleet-deps: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo "$@"
  else return 1
  fi
}

want=(redis-server:redis-server pgbouncer:pgbouncer)
if [ "${1:-}" = full ]; then
  want+=(patroni:patroni etcd:etcd-server haproxy:haproxy)
fi
missing=()
for w in "${want[@]}"; do
  cmd=${w%%:*} pkg=${w#*:}
  if ! command -v "$cmd" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$cmd" ]; then missing+=("$pkg"); fi
done
[ ${#missing[@]} = 0 ] && exit 0

command -v apt-get >/dev/null || die "no apt-get here: install ${missing[*]} yourself"
as_root true || die "installing ${missing[*]} needs root or passwordless sudo: run 'sudo apt-get install ${missing[*]}'"
say "installing ${missing[*]} (apt-get)"
export DEBIAN_FRONTEND=noninteractive
if [ -z "$(apt-cache policy "${missing[0]}" 2>/dev/null | awk '/Candidate:/ {print $2}' | grep -v none)" ]; then
  as_root apt-get update -qq >/dev/null
fi
# The packages' own services (on the standard ports) are not wanted: the tests and
# 'make fleet' run their own on ports of their own. policy-rc.d keeps them from starting.
policy=/usr/sbin/policy-rc.d
made_policy=
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null && as_root chmod +x "$policy" && made_policy=1
fi
as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || { [ -n "$made_policy" ] && as_root rm -f "$policy"; die "apt-get install ${missing[*]} failed"; }
[ -n "$made_policy" ] && as_root rm -f "$policy"
for w in "${want[@]}"; do
  cmd=${w%%:*}
  command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || die "${w#*:} did not install"
done
