#!/usr/bin/env bash
# Crash test: a writer (sync=FULL) is killed with SIGKILL at random moments, many
# times; after each kill the database is reopened and checked (every acknowledged
# batch present, no batch partly visible, iterator consistent, omendb_verify ok).
#
#   Tests/crash/run.sh          ~30 s (default suite)
#   Tests/crash/run.sh --long   ~5 min
#
# Needs .build/release/libomendb.so (swift build -c release); builds it if missing.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
duration=30
[[ "${1:-}" == "--long" ]] && duration=300
lib="$root/.build/release"
if [[ ! -f "$lib/libomendb.so" ]]; then (cd "$root" && swift build -c release >/dev/null); fi
ln -sf libomendb.so "$lib/libomendb.so.0"
work="$(mktemp -d "${TMPDIR:-/tmp}/omendb-crash.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cc -std=c99 -O1 -Wall -Wextra -Werror -I"$root/include" "$root/Tests/crash/crash_tool.c" \
   -L"$lib" -lomendb -Wl,-rpath,"$lib" -o "$work/crash_tool"
cc -std=c99 -O1 -Wall -Wextra -Werror -I"$root/include" "$root/Tests/crash/api_smoke.c" \
   -L"$lib" -lomendb -Wl,-rpath,"$lib" -o "$work/api_smoke"
"$work/api_smoke" "$work/api-db"
db="$work/db"
acked=0
kills=0
end=$((SECONDS + duration))
while (( SECONDS < end )); do
    "$work/crash_tool" write "$db" > "$work/out" 2> "$work/err" &
    pid=$!
    # Kill after 20..800 ms, a spread that lands in appends, fsyncs, flushes and compactions.
    sleep "0.$(printf '%03d' $((20 + RANDOM % 780)))"
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    if [[ -s "$work/err" ]]; then echo "writer failed:"; cat "$work/err"; exit 1; fi
    # The last complete line is the last acknowledged batch.
    last="$(grep -E '^[0-9]+$' "$work/out" | tail -n 1 || true)"
    [[ -n "$last" ]] && acked="$last"
    kills=$((kills + 1))
    if ! "$work/crash_tool" check "$db" "$acked" > "$work/check" 2>&1; then
        echo "crash test FAILED after $kills kills:"; cat "$work/check"
        cp -r "$db" "$root/.build/crash-failure-db" 2>/dev/null && echo "database copied to .build/crash-failure-db"
        exit 1
    fi
done
echo "crash test passed: $kills kills, last check: $(cat "$work/check")"
