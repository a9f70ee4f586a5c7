#!/usr/bin/env bash
# Benchmark of the library scan (issue 4): a tree of FILES model files of
# mixed sizes (SIZE_GB in total) is created under DIR (first argument,
# default /tmp), then
#   1. first scan (empty library, --no-lookup) vs sha256sum on the same
#      files, one process and one per core: hashing throughput;
#   2. first scan with identification against civitai-fake (all misses,
#      10 bulk calls for 1,000 files);
#   3. rescan of the unchanged tree (target < 0.5 s wall);
#   4. rescan after touching 10 files (only those 10 are re-hashed; the
#      hashed count comes from `civit scan --json`).
# Each is the median of RUNS runs (default 5). Prints a Markdown table.
#
# The files are read from the page cache (the machine has the RAM for
# them, and every variant gets a warm-up run): the numbers compare hashing
# and bookkeeping, not the disk.
#
# Usage: bench/library.sh [DIR]    (env: SIZE_GB=4 FILES=1000 RUNS=5 KEEP=1)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh # commit, machine

BASE=${1:-/tmp}
SIZE_GB=${SIZE_GB:-4}
FILES=${FILES:-1000}
RUNS=${RUNS:-5}
work=$(mktemp -d "$BASE/civit-bench-library.XXXXXX")
tree=$work/models
bin=$work/bin
fake_pid=""
cleanup() {
  [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null
  if [ -z "${KEEP:-}" ]; then rm -rf "$work"; fi
}
trap cleanup EXIT

mkdir -p "$bin"
go build -o "$bin/civit" ./cmd/civit
have_fake=0
if [ -d cmd/civitai-fake ] && go build -o "$bin/civitai-fake" ./cmd/civitai-fake 2>/dev/null; then
  have_fake=1
fi

# --- the tree: a few big checkpoints, LoRAs, many small embeddings -------
# Shares of SIZE_GB: 50% in 1% of the files, 35% in 9%, 15% in 90%.
total=$((SIZE_GB * 1024 * 1024 * 1024))
n_big=$((FILES / 100)); n_mid=$((FILES * 9 / 100)); n_small=$((FILES - n_big - n_mid))
[ "$n_big" -ge 1 ] || n_big=1
s_big=$((total * 50 / 100 / n_big))
s_mid=$((total * 35 / 100 / n_mid))
s_small=$((total * 15 / 100 / n_small))
echo "creating $FILES files ($SIZE_GB GiB) under $tree ..." >&2
mkdir -p "$tree"/{checkpoints,loras/{a,b,c,d},embeddings/{x,y,z}}
# One random block reused with a per-file header: fast to create, and every
# file still has a distinct SHA-256.
head -c $((8 * 1024 * 1024)) /dev/urandom >"$work/block"
mkfile() { # path size
  local p=$1 size=$2
  {
    printf '%s\n' "$p"
    local left=$((size - ${#p} - 1))
    while [ "$left" -ge $((8 * 1024 * 1024)) ]; do cat "$work/block"; left=$((left - 8 * 1024 * 1024)); done
    [ "$left" -gt 0 ] && head -c "$left" "$work/block"
  } >"$p"
}
i=0
for _ in $(seq "$n_big"); do i=$((i + 1)); mkfile "$tree/checkpoints/ckpt_$i.safetensors" $((s_big + i * 4096)); done
for k in $(seq "$n_mid"); do i=$((i + 1)); d=$(printf 'a\nb\nc\nd' | sed -n "$((k % 4 + 1))p"); mkfile "$tree/loras/$d/lora_$i.safetensors" $((s_mid / 2 + (k * 2654435761 % s_mid))); done
for k in $(seq "$n_small"); do i=$((i + 1)); d=$(printf 'x\ny\nz' | sed -n "$((k % 3 + 1))p"); mkfile "$tree/embeddings/$d/emb_$i.pt" $((s_small / 2 + (k * 2654435761 % s_small))); done
bytes=$(find "$tree" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
nfiles=$(find "$tree" -type f | wc -l)

# --- helpers ------------------------------------------------------------
now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# time_runs N CMD...: wall seconds of each run, one per line (BEFORE runs
# first, untimed).
time_runs() {
  local n=$1; shift
  for _ in $(seq "$n"); do
    [ -n "${BEFORE:-}" ] && eval "$BEFORE"
    local t0; t0=$(now)
    "$@" >/dev/null 2>&1 || true
    awk -v a="$t0" -v b="$(now)" 'BEGIN {printf "%.4f\n", b - a}'
  done
}
export XDG_CONFIG_HOME=$work/config XDG_CACHE_HOME=$work/cache XDG_DATA_HOME=$work/data
civit=$bin/civit
fresh_db='rm -rf "$XDG_DATA_HOME"'

# Warm the page cache once.
cat $(find "$tree" -type f) >/dev/null

# --- 1. first scan vs sha256sum -----------------------------------------
BEFORE=$fresh_db
first=$(time_runs "$RUNS" "$civit" scan "$tree" --no-lookup | median)
BEFORE=""
sha1=$(time_runs "$RUNS" sh -c "find '$tree' -type f -print0 | xargs -0 sha256sum" | median)
sha2=$(time_runs "$RUNS" sh -c "find '$tree' -type f -print0 | xargs -0 -n 50 -P $(nproc) sha256sum" | median)

# --- 2. first scan with identification ----------------------------------
ident="n/a (no civitai-fake)"
if [ "$have_fake" = 1 ]; then
  out=$work/fake.out
  "$bin/civitai-fake" --addr 127.0.0.1:0 --storage-addr 127.0.0.1:0 --quiet --models 100 >"$out" 2>/dev/null &
  fake_pid=$!
  for _ in $(seq 100); do grep -q '^civitai-fake: api=' "$out" && break; sleep 0.05; done
  export CIVITAI_BASE_URL
  CIVITAI_BASE_URL=$(sed -n 's/^civitai-fake: api=\([^ ]*\).*/\1/p' "$out" | head -1)
  BEFORE=$fresh_db
  ident=$(time_runs "$RUNS" "$civit" scan "$tree" --rate 50 | median)
  BEFORE=""
  lookup_flag=(--rate 50)
else
  lookup_flag=(--no-lookup)
fi

# --- 3. rescan of the unchanged tree -------------------------------------
"$civit" scan "$tree" "${lookup_flag[@]}" >/dev/null 2>&1 || true
rescan_hashed=$("$civit" scan "$tree" "${lookup_flag[@]}" --json 2>/dev/null | sed -n 's/^  "hashed": \([0-9]*\),/\1/p')
rescan=$(time_runs "$RUNS" "$civit" scan "$tree" "${lookup_flag[@]}" | median)

# --- 4. rescan after touching 10 files -----------------------------------
mapfile -t all < <(find "$tree" -type f | sort)
touch_ten() {
  local stamp; stamp=$(date +%s.%N)
  for k in $(seq 10); do touch -d "@$stamp" "${all[$(( (RANDOM * 32768 + RANDOM) % ${#all[@]} ))]}"; done
}
touched_counts=()
touched_times=()
for _ in $(seq "$RUNS"); do
  touch_ten
  t0=$(now)
  h=$("$civit" scan "$tree" "${lookup_flag[@]}" --json 2>/dev/null | sed -n 's/^  "hashed": \([0-9]*\),/\1/p')
  touched_times+=("$(awk -v a="$t0" -v b="$(now)" 'BEGIN {printf "%.4f\n", b - a}')")
  touched_counts+=("$h")
done
touched=$(printf '%s\n' "${touched_times[@]}" | median)

# --- report --------------------------------------------------------------
gib() { awk -v b="$bytes" -v s="$1" 'BEGIN {printf "%.2f GiB/s", b / s / 1073741824}'; }
ms() { awk -v s="$1" 'BEGIN {printf "%.0f ms", s * 1000}'; }
echo "Commit: $(commit). Machine: $(machine)"
echo "Tree: $nfiles files, $(awk -v b="$bytes" 'BEGIN {printf "%.2f GiB", b / 1073741824}') ($n_big checkpoints of ~$((s_big >> 20)) MiB, $n_mid LoRAs of ~$((s_mid >> 20)) MiB, $n_small small files of ~$((s_small >> 10)) KiB), page cache warm; median of $RUNS runs"
echo
echo "| measurement | wall | throughput / result |"
echo "|---|---|---|"
echo "| civit scan, first (empty library, --no-lookup) | $(ms "$first") | $(gib "$first") |"
echo "| sha256sum, 1 process, same files | $(ms "$sha1") | $(gib "$sha1"); civit is $(awk -v a="$sha1" -v b="$first" 'BEGIN {printf "%.2fx", a / b}') |"
echo "| sha256sum, $(nproc) processes (xargs -P) | $(ms "$sha2") | $(gib "$sha2"); civit is $(awk -v a="$sha2" -v b="$first" 'BEGIN {printf "%.2fx", a / b}') |"
echo "| civit scan, first, identifying on civitai-fake (--rate 50) | $(if [ "$have_fake" = 1 ]; then ms "$ident"; else echo "$ident"; fi) | $nfiles unknown hashes, bulk by-hash |"
echo "| civit scan, unchanged tree | $(ms "$rescan") | hashed $rescan_hashed files (target < 500 ms) |"
echo "| civit scan after touching 10 files | $(ms "$touched") | hashed per run: ${touched_counts[*]} |"
