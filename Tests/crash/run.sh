#!/usr/bin/env bash
# Crash test: a writer (sync=FULL: batches, bulk loads, flushes, compactions) is killed
# with SIGKILL at random moments, many times; after half of the kills the reopen
# (recovery) is itself killed part-way, one to three times; then the database is
# reopened and checked (every acknowledged batch present, no batch or bulk load partly
# visible, writer order kept, iterator consistent, omendb_verify ok).
#
#   Tests/crash/run.sh             ~30 s (default suite)
#   Tests/crash/run.sh --long      ~5 min
#   Tests/crash/run.sh --kills N   until N kills (writer and recovery kills together)
#   Tests/crash/run.sh --transactions [--long | --kills N]
#                                  the writer is crash_tool txn-write instead: three threads
#                                  commit multi-key SERIALIZABLE transactions (sharing fsyncs),
#                                  killed around their commits; the check is txn-check: every
#                                  transaction entirely present or absent, every acknowledged
#                                  one present (~20 s by default)
#
# Once 10,000 batches are acknowledged the test starts over on a fresh database (bounds
# the check's cost). The last line reports the kills by phase: open (before the writer's
# omendb_open returned: process start and recovery), write (batches), flush, compact,
# load (bulk load), recovery (a reopen killed inside omendb_open) and close (a reopen
# killed after the open returned).
#
# Needs .build/release/libomendb.so (swift build -c release); builds it if missing.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
duration=
target_kills=0
transactions=0
while (( $# > 0 )); do
    case "$1" in
        --long) duration=300 ;;
        --kills) target_kills="${2:?--kills needs a number}"; duration=0; shift ;;
        --transactions) transactions=1 ;;
        *) echo "usage: $0 [--transactions] [--long | --kills N]" >&2; exit 64 ;;
    esac
    shift
done
if [[ -z $duration ]]; then duration=$(( transactions ? 20 : 30 )); fi
lib="$root/.build/release"
if [[ ! -f "$lib/libomendb.so" ]]; then (cd "$root" && swift build -c release >/dev/null); fi
ln -sf libomendb.so "$lib/libomendb.so.0"
work="$(mktemp -d "${TMPDIR:-/tmp}/omendb-crash.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cc -std=c99 -D_POSIX_C_SOURCE=200809L -O1 -Wall -Wextra -Werror -I"$root/include" "$root/Tests/crash/crash_tool.c" \
   -L"$lib" -lomendb -Wl,-rpath,"$lib" -lpthread -o "$work/crash_tool"
cc -std=c99 -O1 -Wall -Wextra -Werror -I"$root/include" "$root/Tests/crash/api_smoke.c" \
   -L"$lib" -lomendb -Wl,-rpath,"$lib" -o "$work/api_smoke"
"$work/api_smoke" "$work/api-db"

seed="${OMENDB_CRASH_SEED:-$(( (RANDOM << 15) | RANDOM ))}"
echo "crash test seed: $seed (OMENDB_CRASH_SEED=$seed reproduces the kill schedule)"
RANDOM=$seed
db="$work/db"
acked=0            # the last acknowledged batch; transactions: the count of acknowledged ones
: > "$work/acked"  # transactions: the writers' "<thread> <n>" lines over all runs on this database
kills=0
databases=1
unacknowledged=0   # transactions: commits found durable although the kill came before their acknowledgement
window=20000   # µs: reopen kills land in [0, window); follows twice the last measured open time
declare -A phases=([open]=0 [write]=0 [flush]=0 [compact]=0 [load]=0 [recovery]=0 [close]=0 [completed]=0)

check() {
    local command=(check "$db" "$acked")
    (( transactions )) && command=(txn-check "$db" "$work/acked")
    if ! "$work/crash_tool" "${command[@]}" > "$work/check" 2>&1; then
        echo "crash test FAILED after $kills kills ($1):"; cat "$work/check"
        cp -r "$db" "$root/.build/crash-failure-db" 2>/dev/null && echo "database copied to .build/crash-failure-db"
        exit 1
    fi
    local open_us
    open_us="$(sed -n 's/.*open_us=\([0-9]*\).*/\1/p' "$work/check")"
    unacknowledged=$((unacknowledged + $(sed -n 's/.*, \([0-9]*\) of them durable.*/\1/p' "$work/check" | grep . || echo 0)))
    window=$((2 * open_us + 1000))
}

started=$SECONDS
end=$((SECONDS + duration))
while if (( target_kills > 0 )); then (( kills < target_kills )); else (( SECONDS < end )); fi; do
    if (( acked >= 10000 )); then rm -rf "$db"; acked=0; : > "$work/acked"; databases=$((databases + 1)); fi
    "$work/crash_tool" "$( (( transactions )) && echo txn-write || echo write)" "$db" > "$work/out" 2> "$work/err" &
    pid=$!
    # Kill after 20..800 ms, a spread that lands in appends, fsyncs, flushes, compactions and loads.
    sleep "0.$(printf '%03d' $((20 + RANDOM % 780)))"
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    if [[ -s "$work/err" ]]; then echo "writer failed:"; cat "$work/err"; exit 1; fi
    # The last complete line is the last acknowledged batch or the step under way.
    last_line="$(tail -n 1 "$work/out")"
    case "$last_line" in
        "") phase=open ;;
        +flush) phase=flush ;;
        +compact) phase=compact ;;
        "+load "*) phase=load ;;
        *) phase=write ;;
    esac
    phases[$phase]=$((phases[$phase] + 1))
    if (( transactions )); then
        cat "$work/out" >> "$work/acked"
        acked="$(grep -c -E '^[0-9]+ [0-9]+$' "$work/acked" || true)"
    else
        last="$(grep -E '^[0-9]+$' "$work/out" | tail -n 1 || true)"
        [[ -n "$last" ]] && acked="$last"
    fi
    kills=$((kills + 1))
    if (( RANDOM % 2 == 0 )); then
        reopens=$((1 + RANDOM % 3))
        for (( r = 0; r < reopens; r++ )); do
            outcome="$("$work/crash_tool" reopen-kill "$db" "$window" "$RANDOM" 2>&1)" \
                || { echo "reopen-kill failed after $kills kills: $outcome"; exit 1; }
            phases[$outcome]=$((phases[$outcome] + 1))
            [[ $outcome != completed ]] && kills=$((kills + 1))
        done
    fi
    check "after a kill in phase $phase"
done
summary=""
for phase in open write flush compact load recovery close; do summary+=" $phase=${phases[$phase]}"; done
(( transactions )) && echo "transactions committed but not yet acknowledged when the writer was killed (found present): $unacknowledged"
echo "crash test passed$( (( transactions )) && echo ' (transactions)'): $kills kills on $databases databases in $((SECONDS - started)) s (by phase:$summary; reopens that finished before the kill: ${phases[completed]}), last check: $(cat "$work/check")"
