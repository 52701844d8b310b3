#!/usr/bin/env bash
# The cost of an online backup: omendb_checkpoint (hard links; copies) against LMDB's
# mdb_env_copy2 (+ fsync), interleaved in one process (see checkpoint_vs_lmdb.c).
#
#   bench/checkpoint/run.sh [N] [VALUE_BYTES] [ROUNDS]      (defaults 1000000 100 7)
#
# Builds libomendb.so (release) and the driver, runs it in a temporary directory under
# ${TMPDIR:-/tmp}, prints its JSON lines and appends them to
# bench/results/checkpoint-<date>-<commit>.jsonl (--out FILE to choose).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
out="bench/results/checkpoint-$(date -u +%Y%m%d)-$(git rev-parse --short=12 HEAD).jsonl"
args=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --out) out="$2"; shift 2 ;;
        *) args+=("$1"); shift ;;
    esac
done
[[ ${#args[@]} -gt 0 ]] || args=(1000000 100 7)
swift build -c release --product omendb >&2
ln -sf libomendb.so .build/release/libomendb.so.0
mkdir -p bench/.cache bench/results
cc -O2 -std=c99 -Wall -Wextra -Iinclude bench/checkpoint/checkpoint_vs_lmdb.c \
    -o bench/.cache/checkpoint_vs_lmdb -L.build/release -lomendb -llmdb -Wl,-rpath,"$root/.build/release"
work=$(mktemp -d "${TMPDIR:-/tmp}/omendb-checkpoint-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
bench/.cache/checkpoint_vs_lmdb "$work/run" "${args[@]}" | tee -a "$out"
echo "results appended to $out" >&2
