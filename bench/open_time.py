#!/usr/bin/env python3
"""Open time of an existing database, OmenDB side by side with LMDB (issue 11: "within
2x LMDB's open time and flat with size"), through the storage harness's own `open`
metric (bench/harness/phases.cpp: open + close of the loaded database, page cache warm,
one unmeasured warm-up open, then --reps timed opens).

For each size it bulk-loads the same keys (data set, 8-byte values) into each store once
(harness phase `load`), then runs the `core` phase (which writes: each round gets a
fresh copy of the loaded directory) with token read/scan/write counts ROUNDS times per
store, alternating the stores, and prints each store's median open
time over all rounds and OmenDB / LMDB. Run from the repository root:

    python3 bench/open_time.py [--sizes 1000000,10000000] [--dataset uniform] [--rounds 5]
"""
import argparse
import glob
import json
import os
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import driver  # noqa: E402  (the suite's own harness build and library lookup)


def harness_run(binary, phase, store, dataset, n, directory, cache, reps):
    cmd = [binary, "--phase", phase, "--store", store, "--dataset", dataset, "--n", str(n),
           "--value-size", "8", "--dir", directory, "--seed", "42", "--reps", str(reps),
           "--dataset-cache", cache, "--bulk-reps", "1", "--read-ops", "1000", "--scan-ops", "10",
           "--write-ops", "1000", "--ycsb-ops", "1000"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{r.stderr[-3000:]}")
    return [json.loads(line) for line in r.stdout.splitlines()]


KINDS = {1: "linear", 2: "rmi", 3: "pgm", 4: "alex"}


def run_model_kinds(directory):
    """The model kind of each run file of a version 4 database (docs/format.md, "Run file")."""
    kinds = []
    for path in sorted(glob.glob(os.path.join(directory, "**", "run-*.run"), recursive=True)):
        with open(path, "rb") as f:
            f.seek(-144, os.SEEK_END)
            footer = f.read(144)
            if struct.unpack_from("<I", footer, 8)[0] < 4:
                kinds.append("pgm")
                continue
            f.seek(struct.unpack_from("<Q", footer, 16 + 8 * 9)[0] + 12)
            kinds.append(KINDS.get(struct.unpack("<I", f.read(4))[0], "?"))
    return kinds


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="1000000,10000000")
    p.add_argument("--dataset", default="uniform")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--reps", type=int, default=5, help="timed opens per round")
    p.add_argument("--tmpdir", default=os.path.join(driver.BENCH, ".cache"))
    args = p.parse_args()
    omendb = driver.find_omendb(argparse.Namespace(no_omendb=False, omendb_prefix=None, no_build_omendb=False))
    binaries = driver.build_harness(omendb)
    stores = ["omendb", "lmdb"]
    os.makedirs(args.tmpdir, exist_ok=True)
    work = tempfile.mkdtemp(prefix="open-time-", dir=args.tmpdir)
    try:
        cache = os.path.join(work, "datasets")
        os.makedirs(cache)
        for n in [int(s) for s in args.sizes.split(",")]:
            times = {s: [] for s in stores}
            for store in stores:
                harness_run(binaries[store], "load", store, args.dataset, n, os.path.join(work, store), cache, 1)
            for _ in range(args.rounds):
                for store in stores:
                    scratch = os.path.join(work, store + "-round")
                    shutil.rmtree(scratch, ignore_errors=True)
                    shutil.copytree(os.path.join(work, store), scratch, symlinks=True)
                    records = harness_run(binaries[store], "core", store, args.dataset, n, scratch, cache, args.reps)
                    times[store] += [r["value"] for r in records if r["metric"] == "open_ms"]
            medians = {s: statistics.median(times[s]) for s in stores}
            print(f"open {args.dataset} n={n:,} (omendb run models: {run_model_kinds(os.path.join(work, 'omendb'))}): " + ", ".join(
                f"{s} median {medians[s] * 1e3:.0f} us ({len(times[s])} opens)" for s in stores)
                + f"; omendb/lmdb {medians['omendb'] / medians['lmdb']:.2f}x", flush=True)
            for store in stores:
                shutil.rmtree(os.path.join(work, store), ignore_errors=True)
                shutil.rmtree(os.path.join(work, store + "-round"), ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
