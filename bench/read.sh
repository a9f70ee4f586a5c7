#!/usr/bin/env bash
# Wall time and peak RSS of `civit search` and `civit show` against the fake
# server on loopback, cold (empty cache) and cached, beside curl fetching the
# same API URL. Median of RUNS runs (default 7). Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")"
source ./lib.sh
RUNS=${RUNS:-7}
tmp=$(mktemp -d)
trap 'kill $FAKE_PID 2>/dev/null; rm -rf "$tmp"' EXIT
build_bins "$tmp"
start_fake "$tmp/civitai-fake" --models 2000 --big-file-size 1MiB
export CIVITAI_BASE_URL=$API XDG_CONFIG_HOME=$tmp/config XDG_CACHE_HOME=$tmp/cache
# Warm the fake server's own lazy work so every variant sees the same server.
curl -s -o /dev/null "$API/api/v1/models?limit=20"; curl -s -o /dev/null "$API/api/v1/models/102"

row() { # name, baseline wall (s) or "", then the command; sets LAST_WALL
  local name=$1 base=$2; shift 2
  read -r w r c < <(measure "$RUNS" "$@")
  LAST_WALL=$w
  local ratio="1.00×"
  [ -n "$base" ] && ratio=$(awk -v w="$w" -v b="$base" 'BEGIN{printf "%.2f×", w/b}')
  printf '| %s | %s | %s | %s | %s |\n' "$name" "$(awk -v w="$w" 'BEGIN{printf "%.1f ms", w*1000}')" "$ratio" \
    "$(awk -v r="$r" 'BEGIN{printf "%.1f MB", r/1024}')" "$(awk -v c="$c" 'BEGIN{printf "%.1f ms", c*1000}')"
}

echo "Commit: $(commit). Machine: $(machine); runs: $RUNS (median)"
echo
echo "| command | wall | vs curl | peak RSS | CPU (user+sys) |"
echo "|---|---|---|---|---|"
row "curl /api/v1/models?limit=20" "" curl -s -o /dev/null "$API/api/v1/models?limit=20"; curl_w=$LAST_WALL
BEFORE_EACH="rm -rf $tmp/cache" row "civit search --limit 20 (cold cache)" "$curl_w" "$tmp/civit" search --limit 20
"$tmp/civit" search --limit 20 >/dev/null
row "civit search --limit 20 (cached)" "$curl_w" "$tmp/civit" search --limit 20
row "curl /api/v1/models/102" "" curl -s -o /dev/null "$API/api/v1/models/102"; curl_w=$LAST_WALL
BEFORE_EACH="rm -rf $tmp/cache" row "civit show 102 (cold cache)" "$curl_w" "$tmp/civit" show 102
"$tmp/civit" show 102 >/dev/null
row "civit show 102 (cached)" "$curl_w" "$tmp/civit" show 102
