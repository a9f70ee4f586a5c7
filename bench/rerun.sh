#!/usr/bin/env bash
# Re-running a finished download (issue 3; a batch re-run from a script or
# by hand): case C's 20 files x 100 MiB are on disk in /dev/shm, each in
# the library of the civit that downloaded it; the same command is run
# again ROUNDS times (default 5), civit built from OLD (a git worktree,
# default /tmp/wt-old) and from this tree, in turn. Before the re-run
# shortcut, civit hashed every file again to call it present; now a file
# the library recorded and nobody changed since (size, time, inode) is not
# read. Prints each round and the medians.
#   git worktree add /tmp/wt-old <commit>
#   bash bench/rerun.sh
set -euo pipefail
FAKE_PID=
cd "$(dirname "$0")"
source ./lib.sh
tmp=$(mktemp -d)
trap 'kill $FAKE_PID 2>/dev/null || true; rm -rf "$tmp" /dev/shm/civit-rerun' EXIT
build_old_new "$tmp"
export XDG_CONFIG_HOME=$tmp/config XDG_CACHE_HOME=$tmp/cache
start_fake_c "$tmp/civitai-fake"
export CIVITAI_BASE_URL=$API
XDG_DATA_HOME=$tmp/data-new case_c_files "$tmp/civit-new" "$tmp"
args=$(sed 's/^/--version=/' "$tmp/versions")
for v in old new; do # each downloads its copy once, into its own library
  XDG_DATA_HOME=$tmp/data-$v "$tmp/civit-$v" download -o /dev/shm/civit-rerun/$v --no-sidecars --no-reuse -q -j 5 $args
done
t() { local s=$(date +%s.%N); "$@" >/dev/null 2>&1 || echo "failed: $*" >&2; local e=$(date +%s.%N); awk -v s=$s -v e=$e 'BEGIN{printf "%.3f", e-s}'; }
: >"$tmp/old"; : >"$tmp/new"
for r in $(seq ${ROUNDS:-5}); do
  o=$(XDG_DATA_HOME=$tmp/data-old t "$tmp/civit-old" download -o /dev/shm/civit-rerun/old --no-sidecars --no-reuse -q -j 5 $args)
  n=$(XDG_DATA_HOME=$tmp/data-new t "$tmp/civit-new" download -o /dev/shm/civit-rerun/new --no-sidecars --no-reuse -q -j 5 $args)
  echo "round $r: old $o s, new $n s"
  echo "$o" >>"$tmp/old"; echo "$n" >>"$tmp/new"
done
median() { sort -g "$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "median: old $(median "$tmp/old") s, new $(median "$tmp/new") s (old $(cd "$OLD" && git rev-parse --short HEAD), new $(commit))"
