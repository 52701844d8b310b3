#!/usr/bin/env python3
"""Turns index_bench JSON lines into markdown tables and (with --update FILE) replaces
the "Learned indexes" section of docs/performance.md between its markers."""
import argparse
import json
import os
import platform
import re

BEGIN = "<!-- index-bench:begin -->"
END = "<!-- index-bench:end -->"
BASELINE = "binary-search-std"


def load(paths):
    """Rows of every file; each data set's DRAM latency comes from its own run."""
    rows, table = [], {}
    for path in paths:
        file_rows = [json.loads(line) for line in open(path) if line.startswith("{")]
        dram = next((r["value"] for r in file_rows if r["store"] == "machine"), None)
        for r in file_rows:
            table[(r["store"], r["workload"], r["dataset"], r["n"], r["metric"])] = r["value"]
            if r["store"] != "machine" and dram:
                table[("dram", r["dataset"], r["n"])] = dram
        rows += file_rows
    return rows, table


def fmt(value, digits=0):
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def render(paths, command):
    rows, t = load(paths)
    run = ", ".join(sorted({r["run"] for r in rows}))
    version = rows[0]["version"] if rows else "?"
    drams = sorted({r["value"] for r in rows if r["store"] == "machine"})
    cases = sorted({(r["dataset"], r["n"]) for r in rows if r["store"] != "machine"}, key=lambda c: (c[1], c[0]))
    stores = []
    for r in rows:
        if r["store"] != "machine" and r["store"] not in stores:
            stores.append(r["store"])
    out = []
    out.append(f"Command: `{command}` (run `{run}`, OmenDB {version}, {platform.machine()}, "
               f"{os.cpu_count()} cores, shared with other jobs: compare ratios within this run, not absolute figures).")
    out.append("")
    if drams:
        out.append("DRAM random-access latency (dependent pointer chase over 1 GiB, TLB misses included): **"
                   + " / ".join(f"{d:.0f} ns" for d in drams) + "** (one measurement per run).")
        out.append("")
    out.append("Lookup latency is a dependent chain of lower-bound lookups (each waits for the previous), "
               "median of the runs; *DRAM* = latency / DRAM latency. *1-by-1* = independent lookups issued one "
               "at a time, *batch* = `omendb_index_lower_bound_batch` (ns per key). Range scan = keys/s over "
               "`omendb_index_range` + reading ~100 keys per range. Speed-up = binary search (std::lower_bound) "
               "latency / this latency.")
    out.append("")
    # Summary: best kind per case.
    out.append("| data set | n | best kind | hit ns | speed-up vs binary search | DRAM misses/lookup | absent ns | batch speed-up vs 1-by-1 |")
    out.append("|---|---:|---|---:|---:|---:|---:|---:|")
    for dataset, n in cases:
        dram = t.get(("dram", dataset, n))
        base = t.get((BASELINE, "lookup_existing", dataset, n, "latency"))
        best = None
        for s in stores:
            if not s.startswith("omendb-"):
                continue
            v = t.get((s, "lookup_existing", dataset, n, "latency"))
            if v is not None and (best is None or v < best[1]):
                best = (s, v)
        if not best:
            continue
        s, v = best
        thr = t.get((s, "lookup_throughput", dataset, n, "latency"))
        batch = t.get((s, "lookup_batch", dataset, n, "latency"))
        out.append(f"| {dataset} | {n:,} | {s} | {fmt(v)} | {fmt(base / v if base else None, 2)}× | "
                   f"{fmt(v / dram if dram else None, 2)} | {fmt(t.get((s, 'lookup_absent', dataset, n, 'latency')))} | "
                   f"{fmt(thr / batch if thr and batch else None, 2)}× |")
    out.append("")
    out += against_reference(cases, stores, t)
    out += auto_choice(cases, t)
    out += scaling(cases, stores, t)
    for dataset, n in cases:
        dram = t.get(("dram", dataset, n))
        base = t.get((BASELINE, "lookup_existing", dataset, n, "latency"))
        if not any(t.get((s, "lookup_existing", dataset, n, "latency")) for s in stores):
            continue  # builds only (an interrupted run)
        out.append(f"#### {dataset}, n = {n:,}")
        out.append("")
        out.append("| store | hit ns | DRAM | absent ns | speed-up | 1-by-1 ns | batch ns | build Mkeys/s | range Mkeys/s | bytes/key | max error |")
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for s in stores:
            hit = t.get((s, "lookup_existing", dataset, n, "latency"))
            if hit is None:
                continue
            build = t.get((s, "build", dataset, n, "throughput"))
            rng = t.get((s, "range_scan", dataset, n, "throughput"))
            out.append("| " + " | ".join([
                s, fmt(hit), fmt(hit / dram if dram else None, 2),
                fmt(t.get((s, "lookup_absent", dataset, n, "latency"))),
                fmt(base / hit if base else None, 2) + "×",
                fmt(t.get((s, "lookup_throughput", dataset, n, "latency"))),
                fmt(t.get((s, "lookup_batch", dataset, n, "latency"))),
                fmt(build / 1e6 if build else None, 1),
                fmt(rng / 1e6 if rng else None, 0),
                fmt(t.get((s, "memory", dataset, n, "bytes_per_key")), 3),
                fmt(t.get((s, "model", dataset, n, "max_error"))),
            ]) + " |")
        out.append("")
    return "\n".join(out)


def best_kind(stores, t, dataset, n):
    """The OmenDB store with the lowest existing-key latency at (dataset, n), and that latency."""
    best = None
    for s in stores:
        v = t.get((s, "lookup_existing", dataset, n, "latency")) if s.startswith("omendb-") else None
        if v is not None and (best is None or v < best[1]):
            best = (s, v)
    return best


REFERENCE_PAIRS = [(16, "omendb-pgm-eps16"), (64, "omendb-pgm"), (128, "omendb-pgm-eps128")]


def against_reference(cases, stores, t):
    """OmenDB's PGM at each ε, and its best kind, as paired ratios to the reference PGM-index."""
    refs = [(eps, f"pgm-reference-eps{eps}", ours) for eps, ours in REFERENCE_PAIRS]
    if not any(t.get((ref, "lookup_existing", d, n, "latency")) for d, n in cases for _, ref, _ in refs):
        return []
    out = ["Against the reference PGM-index (C++, `pgm::PGMIndex<int64_t, ε>` with its default ε_recursive = 4, "
           "`search` + `std::lower_bound` in its window; same keys and queries, same process): each ratio is the "
           "median over rounds of OmenDB's latency over the reference's in the same round (below 1: OmenDB is "
           "faster); existing keys, absent keys in parentheses. *Best kind* is the fastest OmenDB row of the case "
           "against the fastest of the three references.", "",
           "| data set | n | reference hit ns ε=16 / 64 / 128 | OmenDB pgm ε=16 | ε=64 | ε=128 | best kind | best kind vs fastest reference |",
           "|---|---:|---:|---:|---:|---:|---|---:|"]
    for dataset, n in cases:
        ref_ns = [t.get((ref, "lookup_existing", dataset, n, "latency")) for _, ref, _ in refs]
        if not any(ref_ns):
            continue
        cells = []
        for _, ref, ours in refs:
            hit = t.get((ours, "lookup_existing", dataset, n, f"vs_{ref}"))
            miss = t.get((ours, "lookup_absent", dataset, n, f"vs_{ref}"))
            cells.append(f"{fmt(hit, 2)}× ({fmt(miss, 2)}×)" if hit else "–")
        fastest = min((v, ref) for v, (_, ref, _) in zip(ref_ns, refs) if v)[1]
        best = best_kind(stores, t, dataset, n)
        best_ratio = t.get((best[0], "lookup_existing", dataset, n, f"vs_{fastest}")) if best else None
        out.append(f"| {dataset} | {n:,} | " + " / ".join(fmt(v) for v in ref_ns) + " | " + " | ".join(cells)
                   + f" | {best[0] if best else '–'} | {fmt(best_ratio, 2)}× (vs {fastest.replace('pgm-reference-', '')}) |")
    out.append("")
    return out


# auto's candidates as bench rows (rmi-dense = one leaf per 64 keys, rmi-sparse = per 1024).
AUTO_CANDIDATES = ["omendb-pgm", "omendb-rmi", "omendb-rmi-k64", "omendb-rmi-k1024", "omendb-linear", "omendb-alex"]


def auto_choice(cases, t):
    """auto's choice against the fastest of its candidates, each measured as its own row.
    The chosen candidate is the row whose structure auto built (same bytes/key and
    max error: the same model)."""
    out = []
    for dataset, n in cases:
        auto = t.get(("omendb-auto", "lookup_existing", dataset, n, "latency"))
        if auto is None:
            continue
        shape = lambda s: (t.get((s, "memory", dataset, n, "bytes_per_key")), t.get((s, "model", dataset, n, "max_error")))
        rows = {s: t.get((s, "lookup_existing", dataset, n, "latency")) for s in AUTO_CANDIDATES}
        rows = {s: v for s, v in rows.items() if v is not None}
        if not rows:
            continue
        chosen = next((s for s in rows if shape(s) == shape("omendb-auto")), None)
        fastest = min(rows, key=rows.get)
        if not out:
            out = ["`auto` against its candidates (each candidate a row of the same rounds; *chosen* is the row "
                   "with the structure auto built, same bytes/key and max error; medians):", "",
                   "| data set | n | chosen | fastest candidate | chosen / fastest | auto row / fastest |",
                   "|---|---:|---|---|---:|---:|"]
        ratio = rows[chosen] / rows[fastest] if chosen else None
        out.append(f"| {dataset} | {n:,} | {chosen or '?'} | {fastest} | {fmt(ratio, 2)}× | {fmt(auto / rows[fastest], 2)}× |")
    if out:
        out.append("")
    return out


def scaling(cases, stores, t):
    """Latency growth from the smallest size of each data set to every larger one, for
    the best kind and for binary search: "no cliff" means the first grows no faster."""
    out = []
    for dataset in sorted({d for d, _ in cases}):
        sizes = sorted(n for d, n in cases if d == dataset)
        rows = []
        first = sizes[0]
        b0 = t.get((BASELINE, "lookup_existing", dataset, first, "latency"))
        k0 = best_kind(stores, t, dataset, first)
        for n in sizes[1:]:
            b = t.get((BASELINE, "lookup_existing", dataset, n, "latency"))
            k = best_kind(stores, t, dataset, n)
            if b and b0 and k and k0:
                rows.append(f"| {dataset} | {first:,} → {n:,} | {k0[1]:,.0f} → {k[1]:,.0f} ns ({k[1] / k0[1]:.2f}×) | "
                            f"{b0:,.0f} → {b:,.0f} ns ({b / b0:.2f}×) |")
        if rows:
            if not out:
                out.append("Growth with scale (best kind at each size vs binary search):")
                out.append("")
                out.append("| data set | n | best kind | binary search |")
                out.append("|---|---|---:|---:|")
            out += rows
    if out:
        out.append("")
    return out


def update(doc, body):
    text = open(doc).read() if os.path.exists(doc) else "# Performance\n"
    section = f"{BEGIN}\n{body}\n{END}"
    if BEGIN in text and END in text:
        text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: section, text, flags=re.S)
    elif "## Learned indexes" in text:
        text = text.replace("## Learned indexes", "## Learned indexes\n\n" + section, 1)
    else:
        text = text.rstrip() + "\n\n## Learned indexes\n\n" + section + "\n"
    open(doc, "w").write(text)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("results", nargs="+")
    parser.add_argument("--command", default="bench/index/run.sh")
    parser.add_argument("--update", help="markdown file whose index-bench section is replaced")
    args = parser.parse_args()
    body = render(args.results, args.command)
    if args.update:
        update(args.update, body)
    else:
        print(body)


if __name__ == "__main__":
    main()
