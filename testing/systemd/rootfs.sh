#!/usr/bin/env bash
# rootfs.sh — prints the path of the cached guest root file system for the systemd test, building it first
# if this recipe's hash has no cache entry yet. Cache: $DS01_TEST_CACHE (default /var/cache/ds01-test),
# one directory per recipe hash (rootfs-<sha256:12>); older entries are removed once a new one is complete.
# CI keeps /var/cache/ds01-test between runs (see README "Tests under systemd"), so it builds once per recipe.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${DS01_TEST_CACHE:-/var/cache/ds01-test}"
hash="$(sha256sum "$here/rootfs-recipe.sh" | cut -c1-12)"
dir="$cache/rootfs-$hash"
if [ -f "$dir/.complete" ]; then
  echo "$dir"
  exit 0
fi
command -v debootstrap >/dev/null || { echo "rootfs.sh: debootstrap missing (apt-get install debootstrap)" >&2; exit 1; }
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9 # two test runs never build the same tree at once
if [ ! -f "$dir/.complete" ]; then
  rm -rf "$dir.partial"
  echo "rootfs.sh: building $dir (debootstrap, a few minutes; cached afterwards)" >&2
  bash "$here/rootfs-recipe.sh" "$dir.partial" >"$cache/build-$hash.log" 2>&1 ||
    { echo "rootfs.sh: build failed, see $cache/build-$hash.log" >&2; tail -20 "$cache/build-$hash.log" >&2; exit 1; }
  touch "$dir.partial/.complete"
  mv "$dir.partial" "$dir"
  for old in "$cache"/rootfs-*; do [ "$old" = "$dir" ] || rm -rf "$old"; done
fi
echo "$dir"
