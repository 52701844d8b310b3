#!/usr/bin/env bash
# What Swift's dynamic exclusivity checks cost, measured on the C workloads of
# workload.c with three builds of libomendb.so from the same sources:
#   shipped    the package as it is: checks on except the stored properties marked
#              @exclusivity(unchecked) (hot-path classes)
#   unchecked  -Xswiftc -enforce-exclusivity=unchecked: no check anywhere (what the
#              manifest's former unsafeFlags did)
#   checked    every @exclusivity(unchecked) removed (a copy of the sources): checks everywhere
# The variants run interleaved, ROUNDS times each; prints medians and per-round ratios
# against `unchecked` and appends the raw lines to bench/results/exclusivity-<date>-<commit>.jsonl.
#
#   bench/exclusivity/run.sh [--rounds 7] [--n 400000] [--out FILE]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
rounds=7 n=400000
out="bench/results/exclusivity-$(date -u +%Y%m%d)-$(git rev-parse --short=12 HEAD).jsonl"
while [[ $# -gt 0 ]]; do
    case "$1" in
        --rounds) rounds="$2"; shift 2 ;;
        --n) n="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done
cache="$root/bench/.cache/exclusivity"
mkdir -p "$cache" "$(dirname "$out")"
swift build -c release --product omendb >&2
swift build -c release --product omendb --scratch-path "$cache/unchecked-build" \
    -Xswiftc -enforce-exclusivity=unchecked >&2
rm -rf "$cache/checked-src" && mkdir -p "$cache/checked-src"
git ls-files -z --cached --others --exclude-standard | tar -c --null -T - | tar -x -C "$cache/checked-src"
grep -rl '@exclusivity(unchecked) ' "$cache/checked-src/Sources" | xargs sed -i 's/@exclusivity(unchecked) //'
swift build -c release --product omendb --package-path "$cache/checked-src" \
    --scratch-path "$cache/checked-build" >&2
for variant in shipped unchecked checked; do
    mkdir -p "$cache/lib-$variant"
done
cp .build/release/libomendb.so "$cache/lib-shipped/libomendb.so.0"
cp "$cache/unchecked-build/release/libomendb.so" "$cache/lib-unchecked/libomendb.so.0"
cp "$cache/checked-build/release/libomendb.so" "$cache/lib-checked/libomendb.so.0"
ln -sf libomendb.so.0 "$cache/lib-shipped/libomendb.so"
cc -O2 -std=c99 -Wall -Wextra -Iinclude bench/exclusivity/workload.c -o "$cache/workload" \
    -L"$cache/lib-shipped" -lomendb
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
raw="$cache/raw.jsonl"
: > "$raw"
for round in $(seq 1 "$rounds"); do
    for variant in shipped unchecked checked; do
        rm -rf "$cache/db"
        line=$(LD_LIBRARY_PATH="$cache/lib-$variant" "$cache/workload" "$cache/db" "$n")
        echo "{\"variant\": \"$variant\", \"round\": $round, \"n\": $n, \"ns\": $line}" | tee -a "$raw" >&2
    done
done
rm -rf "$cache/db"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
cat "$raw" >> "$out"
python3 - "$raw" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {v: [r["ns"] for r in rows if r["variant"] == v] for v in ("unchecked", "shipped", "checked")}
print(f"{'ns/op (median)':14s} {'unchecked':>10s} {'shipped':>10s} {'checked':>10s}  shipped/unchecked  checked/unchecked")
for k in by["unchecked"][0]:
    med = {v: statistics.median(r[k] for r in by[v]) for v in by}
    ratio = {v: statistics.median(b[k] / a[k] for a, b in zip(by["unchecked"], by[v])) for v in ("shipped", "checked")}
    print(f"{k:14s} {med['unchecked']:10.1f} {med['shipped']:10.1f} {med['checked']:10.1f}  {ratio['shipped']:17.2f}  {ratio['checked']:17.2f}")
PY
echo "raw lines appended to $out" >&2
