#!/usr/bin/env bash
# Download benchmarks against the fake server on loopback (issue 3):
#   A. one SIZE file, every connection capped at CAP bytes/s:
#      civit -x16 vs aria2c -x16 -s16, curl and wget (one connection each)
#   B. one SIZE file uncapped: civit vs curl single stream
#   C. 20 files x 100 MiB, 5 at a time: civit -j5 vs aria2c -j5
#   D. the cost of verification: civit vs civit --no-verify (B's file,
#      uncapped: on loopback this is bound by the CPU, not the network)
#   E. the cost of verification where the network is the limit: A's file
#      and cap, civit -x16 vs civit -x16 --no-verify
#   F. object storage that waits LAT before answering each request (as R2
#      behind CivitAI's links does): one F_SIZE file, 16 connections x
#      F_CAP bytes/s, civit -x16 vs aria2c -x16 -s16
# Each case writes to /dev/shm and to disk (DISK_DIR, default /var/tmp).
# Wall/CPU are hyperfine medians/means of RUNS runs (SLOW_RUNS for the
# single-connection peers of case A); peak RSS is GNU time's median.
# Peers get the signed storage URL resolved beforehand (untimed); civit
# resolves it itself inside the timed run.
# Needs: go, curl, wget, aria2c, hyperfine, GNU time (apt-get install aria2 hyperfine time).
set -euo pipefail
cd "$(dirname "$0")"
source ./lib.sh
RUNS=${RUNS:-5}
SLOW_RUNS=${SLOW_RUNS:-3}
SIZE=${SIZE:-2GiB}
CAP=${CAP:-20000000}
DISK_DIR=${DISK_DIR:-/var/tmp}
CASES=${CASES:-ABCDEF}
LAT=${LAT:-150ms}
F_SIZE=${F_SIZE:-512MiB}
F_CAP=${F_CAP:-5000000}
tmp=$(mktemp -d)
trap 'kill $FAKE_PID 2>/dev/null || true; rm -rf "$tmp" /dev/shm/civit-bench "$DISK_DIR/civit-bench"' EXIT
build_bins "$tmp"
export XDG_CONFIG_HOME=$tmp/config XDG_CACHE_HOME=$tmp/cache XDG_DATA_HOME=$tmp/data # not the user's library

echo "Commit: $(commit). Machine: $(machine); fake server on the same machine; runs: $RUNS (single-connection peers in A: $SLOW_RUNS)"
echo "Peers: $(curl --version | head -1 | cut -d' ' -f1-2), $(wget --version | head -1 | cut -d' ' -f1-3), $(aria2c --version | head -1)"


header() {
  echo
  echo "$1"
  echo
  echo "| tool | target | wall | throughput | vs $2 | CPU (user+sys) | peak RSS |"
  echo "|---|---|---|---|---|---|---|"
}

# bench NAME BYTES BASE_WALL RUNS CMD...: one table row; sets LAST_WALL.
bench() {
  local name=$1 bytes=$2 base=$3 runs=$4; shift 4
  read -r w r c < <(measure "$runs" "$@")
  LAST_WALL=$w
  local ratio="1.00×"
  [ -n "$base" ] && ratio=$(awk -v w="$w" -v b="$base" 'BEGIN{printf "%.2f×", b/w}')
  printf '| %s | %s | %.2f s | %.0f MB/s | %s | %.2f s | %.0f MB |\n' "$name" "$where" "$w" \
    "$(awk -v b="$bytes" -v w="$w" 'BEGIN{print b/w/1e6}')" "$ratio" "$c" "$(awk -v r="$r" 'BEGIN{print r/1024}')"
}

to_bytes() { numfmt --from=iec "${1%iB}"; }
bytes=$(to_bytes "$SIZE")

for where in ${DESTS:-/dev/shm $DISK_DIR}; do
  out="$where/civit-bench"
  export BEFORE_EACH="rm -rf $out; mkdir -p $out; sync"
  # --no-reuse: every run must download, not link the previous run's file
  # from the library (the other destination's files are still there).
  CIVIT=("$tmp/civit" download -o "$out" --no-sidecars --no-reuse -q)

  if [[ $CASES == *A* ]]; then
    start_fake "$tmp/civitai-fake" --big-file-size "$SIZE" --fault "host=storage,path=/model,bytes-per-sec=$CAP"
    export CIVITAI_BASE_URL=$API
    "$tmp/civit" show 109 >/dev/null # let the fake hash the big file once
    url=$(resolve 10901)
    header "A. one $SIZE file, each connection capped at $((CAP / 1000000)) MB/s ($where)" "aria2c"
    sha=$(curl -s "$API/api/v1/model-versions/10901" | python3 -c 'import json,sys; print(json.load(sys.stdin)["files"][0]["hashes"]["SHA256"].lower())')
    bench "aria2c -x16 -s16" "$bytes" "" "$RUNS" aria2c -q -x16 -s16 -k1M --file-allocation=none -d "$out" -o f "$url"; aria=$LAST_WALL
    # The same with the published SHA-256 checked (aria2c hashes after the download).
    bench "aria2c -x16 -s16 --checksum=sha-256" "$bytes" "$aria" "$RUNS" aria2c -q -x16 -s16 -k1M --file-allocation=none --checksum=sha-256=$sha -d "$out" -o f "$url"
    bench "civit -x16 (verifies SHA-256)" "$bytes" "$aria" "$RUNS" "${CIVIT[@]}" -x 16 109
    bench "civit -x16 --no-verify" "$bytes" "$aria" "$RUNS" "${CIVIT[@]}" -x 16 --no-verify 109
    if [ -z "${SKIP_SLOW:-}" ]; then
      bench "curl" "$bytes" "$aria" "$SLOW_RUNS" curl -s -o "$out/f" "$url"
      bench "wget" "$bytes" "$aria" "$SLOW_RUNS" wget -q -O "$out/f" "$url"
    fi
    kill "$FAKE_PID"; wait "$FAKE_PID" 2>/dev/null || true
  fi

  if [[ $CASES == *B* || $CASES == *D* ]]; then
    start_fake "$tmp/civitai-fake" --big-file-size "$SIZE"
    export CIVITAI_BASE_URL=$API
    "$tmp/civit" show 109 >/dev/null
    url=$(resolve 10901)
    if [[ $CASES == *B* ]]; then
      header "B. one $SIZE file, uncapped ($where)" "curl"
      bench "curl" "$bytes" "" "$RUNS" curl -s -o "$out/f" "$url"; curlw=$LAST_WALL
      bench "civit -x1" "$bytes" "$curlw" "$RUNS" "${CIVIT[@]}" -x 1 109
      bench "civit -x4" "$bytes" "$curlw" "$RUNS" "${CIVIT[@]}" -x 4 109
      bench "civit -x8 (default)" "$bytes" "$curlw" "$RUNS" "${CIVIT[@]}" 109
    fi
    if [[ $CASES == *D* ]]; then
      header "D. verification cost, one $SIZE file, -x8 ($where)" "no-verify"
      bench "civit --no-verify" "$bytes" "" "$RUNS" "${CIVIT[@]}" --no-verify 109; nv=$LAST_WALL
      bench "civit (verifies SHA-256)" "$bytes" "$nv" "$RUNS" "${CIVIT[@]}" 109
    fi
    kill "$FAKE_PID"; wait "$FAKE_PID" 2>/dev/null || true
  fi

  if [[ $CASES == *E* ]]; then
    start_fake "$tmp/civitai-fake" --big-file-size "$SIZE" --fault "host=storage,path=/model,bytes-per-sec=$CAP"
    export CIVITAI_BASE_URL=$API
    "$tmp/civit" show 109 >/dev/null
    header "E. verification cost at a network-bound speed: one $SIZE file, 16 connections × $((CAP / 1000000)) MB/s ($where)" "no-verify"
    bench "civit -x16 --no-verify" "$bytes" "" "$RUNS" "${CIVIT[@]}" -x 16 --no-verify 109; nv=$LAST_WALL
    bench "civit -x16 (verifies SHA-256)" "$bytes" "$nv" "$RUNS" "${CIVIT[@]}" -x 16 109
    kill "$FAKE_PID"; wait "$FAKE_PID" 2>/dev/null || true
  fi

  if [[ $CASES == *F* ]]; then
    start_fake "$tmp/civitai-fake" --big-file-size "$F_SIZE" --fault "host=storage,path=/model,latency=$LAT,bytes-per-sec=$F_CAP"
    export CIVITAI_BASE_URL=$API
    "$tmp/civit" show 109 >/dev/null
    url=$(resolve 10901)
    fbytes=$(to_bytes "$F_SIZE")
    header "F. one $F_SIZE file, $LAT before each answer, each connection capped at $((F_CAP / 1000000)) MB/s ($where)" "aria2c"
    bench "aria2c -x16 -s16" "$fbytes" "" "$RUNS" aria2c -q -x16 -s16 -k1M --file-allocation=none -d "$out" -o f "$url"; aria=$LAST_WALL
    bench "civit -x16 (verifies SHA-256)" "$fbytes" "$aria" "$RUNS" "${CIVIT[@]}" -x 16 109
    kill "$FAKE_PID"; wait "$FAKE_PID" 2>/dev/null || true
  fi

  if [[ $CASES == *C* ]]; then
    start_fake_c "$tmp/civitai-fake"
    export CIVITAI_BASE_URL=$API
    case_c_files "$tmp/civit" "$tmp"
    total=$((20 * 100 * 1024 * 1024))
    header "C. 20 files × 100 MiB, 5 at a time ($where)" "aria2c"
    bench "aria2c -j5 (-x1)" "$total" "" "$RUNS" aria2c -q -j5 --file-allocation=none -d "$out" -i "$tmp/urls"; aria=$LAST_WALL
    bench "aria2c -j5 -x4 -s4" "$total" "$aria" "$RUNS" aria2c -q -j5 -x4 -s4 --file-allocation=none -d "$out" -i "$tmp/urls"
    bench "civit -j5 (-x8)" "$total" "$aria" "$RUNS" "${CIVIT[@]}" -j 5 $(sed 's/^/--version=/' "$tmp/versions")
    kill "$FAKE_PID"; wait "$FAKE_PID" 2>/dev/null || true
  fi
done
