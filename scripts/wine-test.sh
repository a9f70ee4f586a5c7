#!/usr/bin/env bash
# Runs civit's tests as Windows programs under Wine, on Linux: the test
# binaries are cross-compiled (GOOS=windows) and each is run from its
# package's folder, as `go test` would. This is how the Windows code paths
# (LockFileEx, the Windows config and data folders, backslash paths, no
# Unix modes) are exercised without a Windows machine.
#
#   bash scripts/wine-test.sh                  # every package
#   PKGS="./internal/download" RUN=Lock bash scripts/wine-test.sh
#
# Needs wine64 and the MinGW-w64 C compiler (Debian: wine64,
# gcc-mingw-w64-x86-64); as root it installs them when missing.
#
# Two gaps of Wine 8 (Debian 12's) are bridged, neither in civit's code:
#  - Go >= 1.22 needs ProcessPrng from bcryptprimitives.dll, which Wine 8
#    lacks: a ten-line DLL built here provides it from RtlGenRandom.
#  - Go's os.RemoveAll deletes with FileDispositionInformationEx, which
#    Wine 8 does not implement ("Invalid function"), so every t.TempDir
#    cleanup would fail: the test binaries are built with an -overlay of
#    the standard library file that takes Go's own fallback (the one it
#    uses on old Windows and FAT32) on that error too.
# Wine's emulation is not Windows: symbolic links are invisible to Lstat
# there, so tests that need them skip themselves.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"

PKGS=${PKGS:-./...}
RUN=${RUN:-}
work=${WINE_TEST_DIR:-${TMPDIR:-/tmp}/civit-wine-test}
export WINEPREFIX=${WINEPREFIX:-$work/prefix}
export WINEDEBUG=-all
mkdir -p "$work/bin"

if ! command -v wine >/dev/null || ! command -v x86_64-w64-mingw32-gcc >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq wine64 gcc-mingw-w64-x86-64 >/dev/null
  else
    echo "wine-test: install wine64 and gcc-mingw-w64-x86-64 first" >&2
    exit 1
  fi
fi

# The Wine prefix, with the ProcessPrng DLL in its system32.
sys32="$WINEPREFIX/drive_c/windows/system32"
if [ ! -f "$sys32/bcryptprimitives.dll" ]; then
  wineboot -i >/dev/null 2>&1 || true
  cat >"$work/bcp.c" <<'C'
#include <windows.h>
BOOLEAN WINAPI SystemFunction036(PVOID buf, ULONG len);
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!SystemFunction036(data, n)) return FALSE;
        data += n; len -= n;
    }
    return TRUE;
}
C
  x86_64-w64-mingw32-gcc -shared -O2 -o "$sys32/bcryptprimitives.dll" "$work/bcp.c" -ladvapi32
fi

# The overlay of the standard library's Deleteat.
at="$(go env GOROOT)/src/internal/syscall/windows/at_windows.go"
if [ "$(grep -c 'return err.(NTStatus).Errno()' "$at")" != 1 ]; then
  echo "wine-test: $at changed; update the overlay in $0" >&2
  exit 1
fi
sed 's/return err.(NTStatus).Errno()/return deleteatFallback(h) \/\/ Wine 8: not implemented/' "$at" >"$work/at_windows.go"
printf '{"Replace":{"%s":"%s"}}\n' "$at" "$work/at_windows.go" >"$work/overlay.json"

summary() {
  grep -E '^\s*--- FAIL|^\s+\S+_test\.go:[0-9]+:|^\s+testscript.go|FAIL: testdata|^\s+\[fork/exec' "$1" | head -40 | sed 's/^/     /' || true
}

# leaves prints the failed tests of a log that have no failed subtest,
# one per line (TestScripts/download, TestFoo).
leaves() {
  grep -oE -- '--- FAIL: [^ ]+' "$1" | awk '{print $3}' | sort -u |
    awk '{a[NR] = $0} END {for (i = 1; i <= NR; i++) {leaf = 1; for (j = 1; j <= NR; j++) if (index(a[j], a[i] "/") == 1) leaf = 0; if (leaf) print a[i]}}'
}

# runpat prints the -test.run pattern that selects exactly the test $1.
runpat() {
  echo "$1" | awk -F/ '{for (i = 1; i <= NF; i++) {s = $i; gsub(/[][.^$*+?(){}|\\]/, "\\\\&", s); printf "%s^%s$", (i > 1 ? "/" : ""), s}}'
}

failed=()
for pkg in $(GOOS=windows go list -f '{{if .TestGoFiles}}{{.ImportPath}}{{"\t"}}{{.Dir}}{{end}}' $PKGS | tr '\t' '|'); do
  path=${pkg%%|*} dir=${pkg#*|}
  exe="$work/bin/$(echo "$path" | tr '/' '_').exe"
  GOOS=windows GOARCH=amd64 go test -overlay "$work/overlay.json" -c -o "$exe" "$path"
  args=(-test.short -test.timeout 15m)
  [ -n "$RUN" ] && args+=(-test.run "$RUN")
  start=$SECONDS
  if (cd "$dir" && wine "$exe" "${args[@]}" >"$exe.log" 2>&1); then
    echo "ok   $path $((SECONDS - start))s"
    continue
  fi
  echo "FAIL $path $((SECONDS - start))s (log: $exe.first.log)"
  summary "$exe.log"
  mv "$exe.log" "$exe.first.log"
  # Wine itself now and then fails to start a process ("fork/exec ...:
  # Internal error.") or to deliver an event. With dozens of scripts each
  # starting civit dozens of times, a run of the cli package often meets
  # one. So each failed test is run again alone, up to twice, and the
  # package passes only if every one of them then passes (the others
  # passed already). A failure that names no test (a crash, a timeout)
  # runs the whole package once more. The first failures stay printed
  # above.
  tests=$(leaves "$exe.first.log")
  if [ -z "$tests" ]; then
    echo "     running it once more (Wine's own flakes)"
    start=$SECONDS
    if (cd "$dir" && wine "$exe" "${args[@]}" >"$exe.log" 2>&1); then
      echo "ok   $path $((SECONDS - start))s, on the second run"
    else
      echo "FAIL $path $((SECONDS - start))s, again (log: $exe.log)"
      summary "$exe.log"
      failed+=("$path")
    fi
    continue
  fi
  all=1
  for t in $tests; do
    passed=0
    for attempt in 1 2; do
      echo "     running $t again alone (Wine's own flakes), attempt $attempt"
      if (cd "$dir" && wine "$exe" "${args[@]}" -test.run "$(runpat "$t")" >"$exe.log" 2>&1); then
        passed=1
        break
      fi
      summary "$exe.log"
    done
    [ $passed = 1 ] || all=0
  done
  if [ $all = 1 ]; then
    echo "ok   $path, its failed tests passing when run again"
  else
    echo "FAIL $path, again (log: $exe.log)"
    failed+=("$path")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "wine-test: ${#failed[@]} package(s) failed: ${failed[*]}" >&2
  exit 1
fi
