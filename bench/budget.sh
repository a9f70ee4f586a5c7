#!/usr/bin/env bash
# The CPU budget of case B (one SIZE file, uncapped, on loopback): is
# "civit verifying >= 0.95x curl's throughput" possible on this machine?
# On loopback the transfer is bound by the CPU, and the fake server, the
# client and the hash share the same cores. This measures, median of RUNS:
#   - curl's wall and CPU time (receive + write, nothing else),
#   - the fake server's CPU time while it serves curl (from /proc),
#   - SHA-256 speed on one core (Go's crypto/sha256 benchmark),
# and prints the shortest wall time any verifying client could reach:
#   (server CPU + curl's CPU + SIZE / SHA-256 speed) / cores
# which assumes civit's receive+write costs no more than curl's and that all
# of it overlaps perfectly; and, in the same run, what civit -x1 and -x8
# reach while verifying, with their own CPU time.
# Needs: go, curl, GNU time.
set -euo pipefail
cd "$(dirname "$0")"
source ./lib.sh
RUNS=${RUNS:-5}
SIZE=${SIZE:-2GiB}
DEST=${DEST:-/dev/shm}
tmp=$(mktemp -d)
trap 'kill $FAKE_PID 2>/dev/null || true; rm -rf "$tmp" "$DEST/civit-budget"' EXIT
build_bins "$tmp"
export XDG_CONFIG_HOME=$tmp/config XDG_CACHE_HOME=$tmp/cache XDG_DATA_HOME=$tmp/data # not the user's library
start_fake "$tmp/civitai-fake" --big-file-size "$SIZE"
export CIVITAI_BASE_URL=$API
"$tmp/civit" show 109 >/dev/null
url=$(curl -s -o /dev/null -w '%{redirect_url}' "$API/api/download/models/10901")
bytes=$(numfmt --from=iec "${SIZE%iB}")
hz=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$FAKE_PID/stat"; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

mkdir -p "$DEST/civit-budget"
: >"$tmp/wall"; : >"$tmp/cpu"; : >"$tmp/server"
for _ in $(seq "$RUNS"); do
  rm -f "$DEST/civit-budget/f"; sync
  t0=$(ticks)
  /usr/bin/time -f '%e %U %S' -o "$tmp/one" curl -s -o "$DEST/civit-budget/f" "$url"
  t1=$(ticks)
  awk '{print $1}' "$tmp/one" >>"$tmp/wall"
  awk '{print $2 + $3}' "$tmp/one" >>"$tmp/cpu"
  echo "$(( t1 - t0 ))" | awk -v hz="$hz" '{print $1 / hz}' >>"$tmp/server"
done
wall=$(median <"$tmp/wall"); cpu=$(median <"$tmp/cpu"); server=$(median <"$tmp/server")
civit_row() { # civit_row ARGS...: "wall cpu" medians of RUNS runs
  : >"$tmp/cw"; : >"$tmp/cc"
  for _ in $(seq "$RUNS"); do
    rm -rf "$DEST/civit-budget/o"; sync
    /usr/bin/time -f '%e %U %S' -o "$tmp/one" "$tmp/civit" download -q --no-sidecars --no-reuse -o "$DEST/civit-budget/o" "$@" 109
    awk '{print $1}' "$tmp/one" >>"$tmp/cw"
    awk '{print $2 + $3}' "$tmp/one" >>"$tmp/cc"
  done
  echo "$(median <"$tmp/cw") $(median <"$tmp/cc")"
}
read -r c1w c1c < <(civit_row -x 1)
read -r c8w c8c < <(civit_row -x 8)
sha=$(cd "$tmp" && go test -run '^$' -bench 'BenchmarkHash8K$' -count "$RUNS" crypto/sha256 2>/dev/null |
  awk '/MB\/s/ {for (i = 1; i <= NF; i++) if ($(i+1) == "MB/s") print $i}' | median)
cores=$(nproc)
awk -v b="$bytes" -v w="$wall" -v c="$cpu" -v s="$server" -v h="$sha" -v n="$cores" \
  -v c1w="$c1w" -v c1c="$c1c" -v c8w="$c8w" -v c8c="$c8c" -v commit="$(commit)" 'BEGIN {
  hash = b / (h * 1e6)
  floor = (s + c + hash) / n
  printf "Commit: %s\n\n| measured (median of runs) | value |\n|---|---|\n", commit
  printf "| curl wall | %.2f s (%.0f MB/s) |\n", w, b / w / 1e6
  printf "| curl CPU (receive + write) | %.2f s |\n", c
  printf "| fake server CPU while serving curl | %.2f s |\n", s
  printf "| SHA-256 on one core (Go, SHA-NI) | %.0f MB/s: %.2f s for the file |\n", h, hash
  printf "| shortest possible verifying wall on %d cores | (%.2f + %.2f + %.2f) / %d = %.2f s |\n", n, s, c, hash, n, floor
  printf "| best possible vs curl | %.2fx (target 0.95x) |\n", w / floor
  printf "| civit -x1, verifying | %.2f s, %.2fx curl, CPU %.2f s |\n", c1w, w / c1w, c1c
  printf "| civit -x8, verifying | %.2f s, %.2fx curl, CPU %.2f s |\n", c8w, w / c8w, c8c
}'
