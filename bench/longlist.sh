#!/usr/bin/env bash
# Peak memory of one long target list (-i), old against new: N targets
# (default 1000) of the fake's generated catalog, small files, -j5, run
# ROUNDS times each (default 3) in turn, as a dry run and as a download
# with sidecars; prints the peak RSS (GNU time) of each run and the medians.
#   git worktree add /tmp/wt-old <commit>
#   N=1000 bash bench/longlist.sh
set -euo pipefail
FAKE_PID=
cd "$(dirname "$0")"
source ./lib.sh
N=${N:-1000}
tmp=$(mktemp -d)
trap 'kill $FAKE_PID 2>/dev/null || true; rm -rf "$tmp"' EXIT
build_old_new "$tmp"
export XDG_CONFIG_HOME=$tmp/config XDG_CACHE_HOME=$tmp/cache XDG_DATA_HOME=$tmp/data
start_fake "$tmp/civitai-fake" --models $((N * 3)) --max-file-size 16KiB
export CIVITAI_BASE_URL=$API CIVITAI_API_KEY=test-key
"$tmp/civit-new" search --limit "$N" --nsfw 2>/dev/null | cut -f1 >"$tmp/list"
echo "Commit: $(commit), $(wc -l <"$tmp/list") targets; $(machine)"
rss() { # rss BIN ARGS...: peak RSS in MB of one run in a fresh folder and library
  rm -rf "$tmp/out" "$tmp/data"
  /usr/bin/time -f '%M' -o "$tmp/rss" "$@" -i "$tmp/list" -o "$tmp/out" -q >/dev/null 2>&1 || true
  tail -1 "$tmp/rss" | awk '{printf "%.1f", $1 / 1024}' # the last line: GNU time may say the exit status first
}
median() { tr ' ' '\n' | sort -g | awk 'NF {a[++n]=$1} END {print a[int((n+1)/2)]}'; }
for mode in dry-run download; do
  flag=; [ $mode = dry-run ] && flag=--dry-run
  "$tmp/civit-new" download $flag -i "$tmp/list" -o "$tmp/out" -q >/dev/null 2>&1 || true # warm the API cache
  o=; n=
  for _ in $(seq "${ROUNDS:-3}"); do
    o="$o $(rss "$tmp/civit-old" download $flag)"
    n="$n $(rss "$tmp/civit-new" download $flag)"
  done
  echo "$mode: old MB:$o (median $(echo $o | median)); new MB:$n (median $(echo $n | median))"
done
