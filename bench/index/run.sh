#!/usr/bin/env bash
# Learned-index benchmark: builds libomendb.so (release) and the C++ driver (with the
# reference PGM-index when bench/index/fetch_pgm_reference.sh can fetch it), runs it,
# writes JSON lines to bench/results/ and the markdown tables into the "Learned
# indexes" section of docs/performance.md.
#
#   bench/index/run.sh --quick   1M keys, 2 data sets, 3 runs       (~5 min on a quiet 2-core box)
#   bench/index/run.sh           1M and 10M keys, 4 data sets, 5 runs
#   bench/index/run.sh --full    then 100M keys, all data sets, the main kinds (800 MB per
#                                key array, ~4 GB free; ~20 min on a quiet 2-core box)
#   bench/index/run.sh --huge    only the 100M pass, on uniform and lognormal keys
#
# Extra arguments after the mode go to the driver (see index_bench.cpp --help).
set -euo pipefail
mode="${1:---default}"
[[ $# -gt 0 ]] && shift
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"

need() { command -v "$1" >/dev/null 2>&1; }
if ! need g++ || ! need python3; then
    echo "installing g++ and python3 (apt)..." >&2
    sudo_cmd=""; [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq && $sudo_cmd apt-get install -y -qq g++ python3 >/dev/null
fi

swift build -c release >&2
ln -sf libomendb.so .build/release/libomendb.so.0
mkdir -p bench/.cache bench/results
# The reference PGM-index (Apache-2.0) is fetched at run time, never committed; without
# it the suite runs as before, minus the pgm-reference rows.
reference=()
if pgm_include="$(bash bench/index/fetch_pgm_reference.sh)"; then
    reference=(-DOMENDB_BENCH_PGM_REFERENCE -isystem "$pgm_include")
else
    echo "reference PGM-index headers unavailable: running without the pgm-reference rows" >&2
fi
# Built under a temporary name and renamed: a driver still running from an earlier
# invocation keeps its own copy.
g++ -O2 -std=c++17 -Wall -Wextra -Iinclude "${reference[@]}" bench/index/index_bench.cpp -o bench/.cache/index_bench.tmp \
    -L.build/release -lomendb -Wl,-rpath,"$root/.build/release"
mv bench/.cache/index_bench.tmp bench/.cache/index_bench

main_kinds=omendb-rmi,omendb-rmi-k64,omendb-rmi-k1024,omendb-pgm,omendb-pgm-branchless,omendb-pgm-eps16,omendb-pgm-eps128,omendb-alex,omendb-auto,pgm-reference-eps16,pgm-reference-eps64,pgm-reference-eps128
case "$mode" in
    --quick) args=(--sizes 1000000 --datasets uniform,lognormal --runs 3 --queries 200000) ;;
    --full) args=(--sizes 1000000,10000000 --datasets seq_gaps,uniform,lognormal,clustered --runs 5 --queries 300000)
            huge=(--sizes 100000000 --datasets seq_gaps,uniform,lognormal,clustered --runs 3 --queries 300000 --only "$main_kinds") ;;
    --huge) args=()
            huge=(--sizes 100000000 --datasets uniform,lognormal --runs 5 --build-runs 1 --queries 300000 --only "$main_kinds") ;;
    --default) args=(--sizes 1000000,10000000 --datasets seq_gaps,uniform,lognormal,clustered --runs 5 --queries 300000) ;;
    *) echo "usage: $0 [--quick|--full|--huge] [driver arguments]" >&2; exit 2 ;;
esac

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
command_line="bench/index/run.sh ${mode} $*"
outputs=()
if [[ ${#args[@]} -gt 0 ]]; then
    out="bench/results/index-${stamp}.jsonl"
    echo "running: bench/.cache/index_bench ${args[*]} $* > $out" >&2
    bench/.cache/index_bench "${args[@]}" --run-id "$stamp" "$@" > "$out"
    outputs+=("$out")
fi
if [[ "$mode" == --full || "$mode" == --huge ]]; then
    out100="bench/results/index-100M-${stamp}.jsonl"
    echo "running: bench/.cache/index_bench ${huge[*]} $* > $out100" >&2
    bench/.cache/index_bench "${huge[@]}" --run-id "100M-$stamp" "$@" > "$out100"
    outputs+=("$out100")
fi
python3 bench/index/report.py "${outputs[@]}" --command "$command_line" --update docs/performance.md
echo "results: ${outputs[*]}; tables: docs/performance.md (Learned indexes)" >&2
