#!/usr/bin/env bash
# Interleaved A/B of case C (20 files x 100 MiB, 5 at a time): civit built
# from OLD (a git worktree, default /tmp/wt-old), civit built from this
# tree, and aria2c -j5 with the signed URLs resolved beforehand, in turn,
# ROUNDS times (default 6); wall times to /dev/shm. FAKE_FAULT adds a
# fault rule to the fake (e.g. host=api,latency=300ms: CivitAI's API
# latency), REFRESH=--refresh makes civit ask the API instead of its cache.
#   git worktree add /tmp/wt-old <commit>
#   REFRESH=--refresh FAKE_FAULT=host=api,latency=300ms bash bench/ab-c.sh
set -euo pipefail
FAKE_PID=
cd "$(dirname "$0")"
source ./lib.sh
tmp=$(mktemp -d)
trap 'kill $FAKE_PID 2>/dev/null || true; rm -rf "$tmp" /dev/shm/civit-ab' EXIT
build_old_new "$tmp"
export XDG_CONFIG_HOME=$tmp/config XDG_CACHE_HOME=$tmp/cache XDG_DATA_HOME=$tmp/data
start_fake_c "$tmp/civitai-fake" ${FAKE_FAULT:+--fault "$FAKE_FAULT"}
export CIVITAI_BASE_URL=$API
case_c_files "$tmp/civit-new" "$tmp"
out=/dev/shm/civit-ab
args=$(sed 's/^/--version=/' "$tmp/versions")
t() { rm -rf $out; mkdir -p $out; sync; local s=$(date +%s.%N); "$@" >/dev/null 2>&1; local e=$(date +%s.%N); awk -v s=$s -v e=$e 'BEGIN{printf "%.2f", e-s}'; }
for v in old new; do "$tmp/civit-$v" download -o $out --no-sidecars --no-reuse -q -j 5 $args >/dev/null 2>&1 || true; done # warm caches
for r in $(seq ${ROUNDS:-6}); do
  o=$(t "$tmp/civit-old" download -o $out --no-sidecars --no-reuse -q -j 5 ${REFRESH:-} $args)
  n=$(t "$tmp/civit-new" download -o $out --no-sidecars --no-reuse -q -j 5 ${REFRESH:-} $args)
  a=$(t aria2c -q -j5 --file-allocation=none -d "$out" -i "$tmp/urls")
  echo "round $r: old $o new $n aria2c $a"
done
