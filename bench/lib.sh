# Shared helpers for the benchmark scripts (sourced, not run).

# build_bins DIR: builds civit and civitai-fake into DIR.
build_bins() {
  (cd "$(dirname "${BASH_SOURCE[0]}")/.." && go build -o "$1/civit" ./cmd/civit && go build -o "$1/civitai-fake" ./cmd/civitai-fake)
}

# start_fake BIN ARGS...: starts civitai-fake on free loopback ports and sets
# FAKE_PID, API and STORAGE.
start_fake() {
  local bin=$1; shift
  local out; out=$(mktemp)
  "$bin" --addr 127.0.0.1:0 --storage-addr 127.0.0.1:0 --quiet "$@" >"$out" 2>/dev/null &
  FAKE_PID=$!
  for _ in $(seq 100); do
    grep -q '^civitai-fake: api=' "$out" && break
    sleep 0.05
  done
  API=$(sed -n 's/^civitai-fake: api=\([^ ]*\) storage=.*/\1/p' "$out" | head -1)
  STORAGE=$(sed -n 's/.* storage=\([^ ]*\).*/\1/p' "$out" | head -1)
  [ -n "$API" ] || { echo "civitai-fake did not start" >&2; exit 1; }
}

# measure N CMD...: runs CMD N times; prints "median_wall_s median_rss_kb mean_cpu_s".
# Wall and CPU come from hyperfine (sub-millisecond), peak RSS from GNU time.
# BEFORE_EACH, if set, is a shell command run before every run (untimed).
measure() {
  local n=$1; shift
  local f; f=$(mktemp)
  if [ "$n" = 1 ]; then # one run (slow peers): GNU time gives all three
    [ -n "${BEFORE_EACH:-}" ] && eval "$BEFORE_EACH"
    /usr/bin/time -f '%e %M %U %S' -o "$f" "$@" >/dev/null 2>&1 || { echo "benchmark failed: $*" >&2; return 1; }
    awk '{print $1, $2, $3+$4}' "$f"
    rm -f "$f"
    return
  fi
  local cmd="$*" # hyperfine -N splits on spaces: arguments must not contain any
  local prep=()
  if [ -n "${BEFORE_EACH:-}" ]; then
    echo "$BEFORE_EACH" >"$f.prep.sh"
    prep=(--prepare "bash $f.prep.sh")
  fi
  hyperfine -N --style none --warmup 1 --runs "$n" "${prep[@]}" --export-json "$f.json" "$cmd" >"$f.log" 2>&1 ||
    { echo "benchmark failed: $cmd" >&2; cat "$f.log" >&2; return 1; }
  for _ in $(seq "$n"); do
    [ -n "${BEFORE_EACH:-}" ] && eval "$BEFORE_EACH"
    /usr/bin/time -f '%M' -o "$f.one" "$@" >/dev/null 2>&1 || true
    cat "$f.one" >>"$f"
  done
  local mid=$(( (n + 1) / 2 ))
  local r; r=$(sort -g "$f" | sed -n "${mid}p")
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["results"][0]; print(d["median"], sys.argv[2], d["user"]+d["system"])' "$f.json" "$r"
  rm -f "$f" "$f.one" "$f.json" "$f.log" "$f.prep.sh"
}

# commit: the commit measured, "+dirty" when the work tree has changes.
commit() {
  local c; c=$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --short HEAD 2>/dev/null || echo unknown)
  if [ -n "$(git -C "$(dirname "${BASH_SOURCE[0]}")" status --porcelain 2>/dev/null)" ]; then c="$c+dirty"; fi
  echo "$c"
}

machine() {
  echo "$(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB RAM, $(uname -sr), $(go version | cut -d' ' -f3)"
}

# resolve VERSION: the signed storage URL the fake's download endpoint
# redirects to (needs API from start_fake).
resolve() { curl -s -o /dev/null -w '%{redirect_url}' "$API/api/download/models/$1"; }

# case_c_files CIVIT DIR: picks twenty generated models' newest versions
# that download without a key (the fake catalog has some that need one)
# and writes DIR/versions (one id per line) and DIR/urls (aria2c input
# with the signed URLs resolved now). Needs API from start_fake.
case_c_files() {
  local civit=$1 dir=$2 v
  "$civit" search --limit 80 --nsfw --json | python3 -c '
import json, sys
ok = lambda v: v.get("availability") != "EarlyAccess" and not v.get("earlyAccessDeadline")
vs = [m["modelVersions"][0] for m in json.load(sys.stdin) if m["id"] > 1000 and m["modelVersions"]]
for v in vs:
    if ok(v): print(v["id"])' >"$dir/candidates"
  : >"$dir/versions"
  while read -r v && [ "$(wc -l <"$dir/versions")" -lt 20 ]; do
    if [ -n "$(resolve "$v")" ]; then echo "$v" >>"$dir/versions"; fi
  done <"$dir/candidates"
  [ "$(wc -l <"$dir/versions")" = 20 ] || { echo "could not find 20 versions" >&2; exit 1; }
  : >"$dir/urls"
  while read -r v; do
    curl -s -o /dev/null "$API/api/v1/model-versions/$v"
    printf '%s\n  out=%s.bin\n' "$(resolve "$v")" "$v" >>"$dir/urls"
  done <"$dir/versions"
}

# build_old_new DIR: for the A/B scripts, civit from the checkout OLD
# (default /tmp/wt-old; `git worktree add /tmp/wt-old <commit>`) as
# DIR/civit-old, and civit and civitai-fake from this tree as DIR/civit-new
# and DIR/civitai-fake.
build_old_new() {
  local dir=$1
  OLD=${OLD:-/tmp/wt-old}
  [ -d "$OLD" ] || { echo "$(basename "$0"): no checkout of the old commit at $OLD (git worktree add $OLD <commit>)" >&2; exit 2; }
  (cd "$OLD" && go build -o "$dir/civit-old" ./cmd/civit)
  (cd "$(dirname "${BASH_SOURCE[0]}")/.." && go build -o "$dir/civit-new" ./cmd/civit && go build -o "$dir/civitai-fake" ./cmd/civitai-fake)
}

# start_fake_c BIN ARGS...: the fake with case C's catalog (40 generated
# models with 100 MiB files), then as start_fake.
start_fake_c() {
  local bin=$1; shift
  start_fake "$bin" --models 40 --min-file-size 100MiB --max-file-size 100MiB "$@"
}
