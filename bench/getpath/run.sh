#!/usr/bin/env bash
# Database get vs index lookup, side by side in one process (see get_vs_index.cpp).
#
#   bench/getpath/run.sh [--sizes 1000000,10000000] [--datasets uniform,lognormal] [--rounds 7] [--queries N]
#
# Builds libomendb.so (release) and the driver, runs it, prints its JSON lines and
# appends them to bench/results/getpath-<date>-<commit>.jsonl (--out FILE to choose).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
out="bench/results/getpath-$(date -u +%Y%m%d)-$(git rev-parse --short=12 HEAD).jsonl"
args=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --out) out="$2"; shift 2 ;;
        *) args+=("$1"); shift ;;
    esac
done
swift build -c release --product omendb >&2
ln -sf libomendb.so .build/release/libomendb.so.0
mkdir -p bench/.cache/datasets bench/results
g++ -O2 -std=c++17 -Wall -Wextra -Iinclude bench/getpath/get_vs_index.cpp bench/harness/datasets.cpp \
    -o bench/.cache/get_vs_index -L.build/release -lomendb -Wl,-rpath,"$root/.build/release"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
bench/.cache/get_vs_index --dataset-cache bench/.cache/datasets "${args[@]}" | tee -a "$out"
echo "results appended to $out" >&2
