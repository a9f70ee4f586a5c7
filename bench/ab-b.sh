#!/usr/bin/env bash
# Interleaved A/B of one big file (case B: uncapped; CAP=N: every
# connection capped at N bytes/s, as in case A): civit built from OLD (a git
# worktree, default /tmp/wt-old) and from this tree, with -x1 and -x8 (X
# overrides, e.g. X="16"), and curl with the signed URL resolved
# beforehand, in turn, ROUNDS times (default 6); wall times to /dev/shm,
# then the median of each.
#   git worktree add /tmp/wt-old <commit>
#   bash bench/ab-b.sh                      # B, 2 GiB
#   CAP=20000000 X=16 bash bench/ab-b.sh    # A's cap, civit -x16 only
set -euo pipefail
FAKE_PID=
cd "$(dirname "$0")"
source ./lib.sh
SIZE=${SIZE:-2GiB}
tmp=$(mktemp -d)
trap 'kill $FAKE_PID 2>/dev/null || true; rm -rf "$tmp" /dev/shm/civit-ab' EXIT
build_old_new "$tmp"
export XDG_CONFIG_HOME=$tmp/config XDG_CACHE_HOME=$tmp/cache XDG_DATA_HOME=$tmp/data
start_fake "$tmp/civitai-fake" --big-file-size "$SIZE" ${CAP:+--fault "host=storage,path=/model,bytes-per-sec=$CAP"}
export CIVITAI_BASE_URL=$API
"$tmp/civit-new" show 109 >/dev/null # let the fake hash the big file once
url=$(resolve 10901)
out=/dev/shm/civit-ab
t() { rm -rf $out; mkdir -p $out; sync; local s=$(date +%s.%N); "$@" >/dev/null 2>&1; local e=$(date +%s.%N); awk -v s=$s -v e=$e 'BEGIN{printf "%.2f", e-s}'; }
declare -A all
for r in $(seq ${ROUNDS:-6}); do
  line="round $r:"
  for x in ${X:-1 8}; do
    for v in old new; do
      w=$(t "$tmp/civit-$v" download -o $out --no-sidecars --no-reuse -q -x "$x" 109)
      all[$v-x$x]+="$w "; line+=" $v-x$x $w"
    done
  done
  if [ -z "${CAP:-}" ]; then
    w=$(t curl -s -o "$out/f" "$url"); all[curl]+="$w "; line+=" curl $w"
  fi
  echo "$line"
done
for k in $(printf '%s\n' "${!all[@]}" | sort); do
  printf '%s median %s s\n' "$k" "$(printf '%s\n' ${all[$k]} | sort -n | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')"
done
