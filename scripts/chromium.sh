#!/usr/bin/env bash
# Installs what the browser test (map_test.go) drives: Debian's chromium, and a Chinese
# font so that the page's labels render (in the screenshots too) rather than as boxes.
#
# Idempotent: with both present it only looks and exits.
set -euo pipefail

say() { printf 'chromium: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo "$@"
  else return 1
  fi
}

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if ! command -v fc-list >/dev/null 2>&1 || [ -z "$(fc-list :lang=zh 2>/dev/null)" ]; then
  need+=(fonts-wqy-microhei)
fi
[ ${#need[@]} -eq 0 ] && exit 0

command -v apt-get >/dev/null || die "no apt-get here: install ${need[*]} yourself (the browser test needs chromium)"
as_root true || die "installing ${need[*]} needs root or passwordless sudo: run 'sudo apt-get install ${need[*]}'"
say "installing ${need[*]} (apt-get)"
export DEBIAN_FRONTEND=noninteractive
# The package lists can be stale or missing on a new machine.
if [ -z "$(apt-cache policy chromium 2>/dev/null | awk '/Candidate:/ {print $2}' | grep -v none)" ]; then
  as_root apt-get update -qq >/dev/null
fi
as_root apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
command -v chromium >/dev/null 2>&1 || die "chromium did not install"
