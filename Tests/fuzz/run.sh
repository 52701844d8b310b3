#!/usr/bin/env bash
# run.sh — builds OmenDB's libFuzzer targets (with ASan) and fuzzes each one for a
# bounded time from its committed corpus; fails on any crash, ASan report, broken
# invariant, timeout (-timeout) or out-of-memory. See docs/reliability.md, "Fuzzing".
#
#   bash Tests/fuzz/run.sh                    # every target, 40 s each (~8 min with the build)
#   bash Tests/fuzz/run.sh --seconds 300 run  # one target, longer
#   bash Tests/fuzz/run.sh --long             # 20 min per target; new inputs kept in
#                                             # Tests/fuzz/.build/long-corpus for merging
#   bash Tests/fuzz/run.sh --seeds            # rewrite corpus/*/seed-* from engine-written files
#
# Targets: wal manifest run index map database (Swift, libFuzzer) and python (atheris over the
# Python binding; the library is $OMENDB_LIBRARY, else built here).
set -euo pipefail

DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$DIR/../.." && pwd)
SECONDS_PER_TARGET=40
LONG=0
SEEDS=0
TARGETS=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --seconds) SECONDS_PER_TARGET=$2; shift 2 ;;
        --long) LONG=1; SECONDS_PER_TARGET=1200; shift ;;
        --seeds) SEEDS=1; shift ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        -*) echo "unknown option $1" >&2; exit 2 ;;
        *) TARGETS+=("$1"); shift ;;
    esac
done
[[ ${#TARGETS[@]} -gt 0 ]] || TARGETS=(wal manifest run index map database python)

# libFuzzer handles crashes itself; Swift's backtracer would hold a crashed target for
# up to 30 s. Leak checking stays on: a parser that leaks on bad input is a bug too.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:allocator_may_return_null=1}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/omendb-fuzz-run.XXXXXX")
ARTIFACTS=$DIR/.build/artifacts   # crash inputs outlive the run
trap 'rm -rf "$WORK"' EXIT
export TMPDIR=$WORK   # the targets' scratch directories

build() {
    echo "== building the fuzz targets (release, -sanitize=fuzzer,address)"
    swift build --package-path "$DIR" -c release -Xswiftc -enable-testing \
        -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=fuzzer-no-link,address 2>&1 \
        | grep -v "Cannot export local symbol" || true
    BIN=$(swift build --package-path "$DIR" -c release --show-bin-path)
    [[ -x $BIN/fuzz-wal ]] || { echo "the build failed" >&2; exit 1; }
}

# report NAME LOG STATUS: the figures of one run; fails with the crash input on error.
report() {
    local name=$1 log=$2 status=$3
    grep -E "^#[0-9]+[[:space:]]+(INITED|DONE)" "$log" | sed 's/^/   /' || true
    grep -E "^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)" "$log" | sed 's/^/   /' || true
    if [[ $status -ne 0 ]]; then
        echo "== $name: FAILED (status $status); the log ends with:"
        tail -n 60 "$log"
        ls -l "$ARTIFACTS/" 2>/dev/null || true
        echo "Reproduce: keep the crash input (copy it to Tests/fuzz/crashes/$name/) and run the target binary on it."
        exit 1
    fi
    echo "== $name: no failure in ${SECONDS_PER_TARGET}s"
}

# corpus_for NAME: the directory new inputs go to (a scratch copy, or the long-run corpus).
corpus_for() {
    local dir=$WORK/corpus/$1
    [[ $LONG -eq 1 ]] && dir=$DIR/.build/long-corpus/$1
    mkdir -p "$dir"
    echo "$dir"
}

# committed NAME: the committed corpus directory of NAME, when there is one (no spaces in paths).
committed() { if [[ -d $DIR/corpus/$1 ]]; then echo "$DIR/corpus/$1"; fi; }

fuzz_swift() {
    local name=fuzz-$1
    local out
    out=$(corpus_for "$name")
    mkdir -p "$ARTIFACTS"
    echo "== $name: ${SECONDS_PER_TARGET}s from $(find "$DIR/corpus/$name" -type f | wc -l) committed inputs"
    set +e
    "$BIN/$name" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -use_value_profile=1 \
        -print_final_stats=1 -artifact_prefix="$ARTIFACTS/$name-" "$out" $(committed "$name") >"$WORK/$name.log" 2>&1
    local status=$?
    set -e
    report "$name" "$WORK/$name.log" $status
}

fuzz_python() {
    local python=${OMENDB_VENV:-$ROOT/.venv}/bin/python
    if ! "$python" -c 'import atheris, numpy' 2>/dev/null; then
        echo "== python: atheris or numpy missing in $python (scripts/setup.sh installs them)" >&2
        exit 1
    fi
    if [[ -z ${OMENDB_LIBRARY:-} ]]; then
        echo "== building libomendb.so for the Python target"
        swift build --package-path "$ROOT" -c release --product omendb
        OMENDB_LIBRARY=$(swift build --package-path "$ROOT" -c release --show-bin-path)/libomendb.so
    fi
    local out
    out=$(corpus_for python-api)
    mkdir -p "$ARTIFACTS"
    echo "== python: ${SECONDS_PER_TARGET}s of the binding's API under atheris ($OMENDB_LIBRARY)"
    set +e
    OMENDB_LIBRARY=$OMENDB_LIBRARY PYTHONPATH="$ROOT/bindings/python" "$python" "$DIR/python/fuzz_api.py" \
        -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$ARTIFACTS/python-" "$out" $(committed python-api) >"$WORK/python.log" 2>&1
    local status=$?
    set -e
    report python "$WORK/python.log" $status
}

needs_build=0
for target in "${TARGETS[@]}"; do [[ $target != python ]] && needs_build=1; done
[[ $SEEDS -eq 1 || $needs_build -eq 1 ]] && build
if [[ $SEEDS -eq 1 ]]; then
    rm -f "$DIR"/corpus/fuzz-*/seed-*
    "$BIN/fuzz-seeds" "$DIR/corpus"
    echo "== seeds written:"; (cd "$DIR/corpus" && find . -name 'seed-*' | sort | sed 's/^/   /')
    exit 0
fi
for target in "${TARGETS[@]}"; do
    case $target in
        wal|manifest|run|index|map|database) fuzz_swift "$target" ;;
        python) fuzz_python ;;
        *) echo "unknown target $target (wal manifest run index map database python)" >&2; exit 2 ;;
    esac
done
if [[ $LONG -eq 1 ]]; then
    echo "New inputs are in $DIR/.build/long-corpus; fold them into the committed corpus with"
    echo "  \$BIN/fuzz-<target> -merge=1 $DIR/corpus/fuzz-<target> $DIR/.build/long-corpus/fuzz-<target>"
fi
