#!/usr/bin/env bash
# SQL on OmenDB against SQLite's own tables: prepared point lookups, 100-row BETWEEN
# ranges, 100-key IN lists and inserts in transactions of 1000, interleaved in one
# process through the sqlite3 C API (see sql_bench.c).
#
#   bench/sql/run.sh                    # 1M rows, 5 repetitions
#   bench/sql/run.sh --rows 10000000    # the 10M figure (adds ~10 min of loading)
#   bench/sql/run.sh --reps 7 --queries 200000 --out FILE
#   bench/sql/run.sh --autocommit 1     # each read statement its own transaction
#
# Builds libomendb.so and libomendb_sql.so (release; without the omendb_sql product
# only SQLite's rowid and WITHOUT ROWID tables run) and the driver, runs it in a
# temporary directory under ${TMPDIR:-/tmp}, prints its JSON lines and appends them
# to bench/results/sql-<date>-<commit>.jsonl.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
out="bench/results/sql-$(date -u +%Y%m%d)-$(git rev-parse --short=12 HEAD).jsonl"
args=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --out) out="$2"; shift 2 ;;
        *) args+=("$1"); shift ;;
    esac
done
swift build -c release --product omendb >&2
ln -sf libomendb.so .build/release/libomendb.so.0
library=()
if grep -q '"omendb_sql"' Package.swift; then
    swift build -c release --product omendb_sql >&2
    library=(--library "$root/.build/release/libomendb_sql.so")
else
    echo "no omendb_sql product in Package.swift: SQLite's tables only" >&2
fi
mkdir -p bench/.cache bench/results
cc -O2 -std=c99 -Wall -Wextra -Iinclude bench/sql/sql_bench.c -o bench/.cache/sql_bench \
    -L.build/release -lomendb -lsqlite3 -Wl,-rpath,"$root/.build/release"
work=$(mktemp -d "${TMPDIR:-/tmp}/omendb-sql-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
bench/.cache/sql_bench "$work/run" "${library[@]}" "${args[@]}" | tee -a "$out"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "results appended to $out" >&2
