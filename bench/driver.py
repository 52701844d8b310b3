#!/usr/bin/env python3
"""Runs the OmenDB-vs-peers storage benchmark (called by bench/run).

Builds the C++ harness (bench/harness, with OmenDB when include/omendb.h declares
the database API), then runs every cell -- store x data set x key count x value
size -- as a sequence of fresh processes (load -> rss -> core -> ycsb) on a fresh
directory under a temporary directory on the repository's disk, and appends the
harness's JSON result lines to bench/results/results-<date>-<commit>.jsonl. A
sidecar results-<date>-<commit>.meta.jsonl records the commit, machine and
settings of each invocation. Exits non-zero if any store or phase failed.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
DATASETS = ["seq_gaps", "uniform", "lognormal", "clustered"]
FIELDS = {"store", "workload", "dataset", "n", "value_size", "metric", "value", "unit", "run", "version"}
# (workload, metric) pairs each phase must report, once per measured repetition
# ("reps") or once per phase ("once").
EXPECTED = {
    "load": [("bulk_load", "bulk_keys_s", "bulk_reps"), ("disk", "disk_bytes", "once")],
    "rss": [("rss", "rss_bytes", "once")],
    "core": [(w, m, "reps") for w, m in [
        ("open", "open_ms"), ("get", "get_ns"), ("get_missing", "get_missing_ns"),
        ("scan", "scan_keys_s"), ("full_scan", "full_scan_keys_s"), ("insert", "insert_ops_s"), ("get_unsettled", "get_unsettled_ns"),
        ("overwrite", "overwrite_ops_s"), ("delete", "delete_ops_s")]],
    "ycsb": [(f"ycsb-{w}", "ycsb_ops_s", "reps") for w in "abcdef"],
}

# Operation counts per mode. Each workload runs one warm-up and `reps` measured
# repetitions of these sizes (see bench/README.md, "Methodology").
MODES = {
    "smoke": dict(sizes=[10_000], reps=1, bulk_reps=1, read_ops=5_000, scan_ops=200,
                  write_ops=1_000, ycsb_ops=2_000),
    "quick": dict(sizes=[1_000_000], reps=3, bulk_reps=1, read_ops=40_000, scan_ops=400,
                  write_ops=20_000, ycsb_ops=8_000),
    "full": dict(sizes=[1_000_000, 10_000_000], reps=5, bulk_reps=3, read_ops=500_000,
                 scan_ops=5_000, write_ops=100_000, ycsb_ops=200_000),
}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def git(*args):
    try:
        return subprocess.run(["git", "-C", ROOT, *args], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (subprocess.CalledProcessError, FileNotFoundError):
        return ""


def plan_cells(mode, args):
    """The (dataset, n, value_size, phases) cells of a run."""
    sizes = args.sizes or MODES[mode]["sizes"]
    if args.huge:
        sizes = sizes + [100_000_000]
    datasets = args.datasets or DATASETS
    cells = []
    for n in sizes:
        if mode == "full":
            # 100M keys with 100-byte values would need ~11 GB of values in the harness
            # and ~13 GB per store on disk: only when asked for with --value-sizes.
            value_sizes = args.value_sizes or ([8] if n >= 100_000_000 else [8, 100])
            for v in value_sizes:
                for d in datasets:
                    # YCSB once per (n, value size), on the uniform data set.
                    ycsb = d == "uniform" or (d == datasets[0] and "uniform" not in datasets)
                    cells.append((d, n, v, ["load", "rss", "core"] + (["ycsb"] if ycsb else [])))
        else:
            # quick / smoke: every data set with 8-byte values; 100-byte values and
            # YCSB on the uniform data set (the shape YCSB itself uses).
            small = (args.value_sizes or [8])[0]
            for d in datasets:
                cells.append((d, n, small, ["load", "rss", "core"]))
            ydata = "uniform" if "uniform" in datasets else datasets[0]
            cells.append((ydata, n, 100 if not args.value_sizes else args.value_sizes[-1],
                          ["load", "rss", "core", "ycsb"]))
    return cells


def check_records(records, phase, store, dataset, n, value_size, settings):
    """Why a phase's output is incomplete or malformed, or None when it is fine."""
    counts = {}
    for rec in records:
        if set(rec) != FIELDS:
            return f"result line with fields {sorted(rec)}"
        if (rec["store"], rec["dataset"], rec["n"], rec["value_size"]) != (store, dataset, n, value_size):
            return f"result line for another cell: {rec}"
        if not isinstance(rec["value"], (int, float)) or rec["value"] != rec["value"] or rec["value"] < 0:
            return f"bad value in {rec}"
        key = (rec["workload"], rec["metric"])
        counts[key] = counts.get(key, 0) + 1
    for workload, metric, times in EXPECTED[phase]:
        want = 1 if times == "once" else settings[times]
        if counts.get((workload, metric), 0) != want:
            return f"expected {want} {workload}/{metric} result(s), got {counts.get((workload, metric), 0)}"
    return None


def find_omendb(args):
    """(include_dir, lib_dir) when OmenDB's database API is available, else None."""
    if args.no_omendb:
        return None
    prefix = args.omendb_prefix
    include = os.path.join(prefix, "include") if prefix else os.path.join(ROOT, "include")
    header = os.path.join(include, "omendb.h")
    if not os.path.exists(header):
        log(f"OmenDB: no header at {header}; peers only")
        return None
    with open(header) as f:
        if "define OMENDB_HAVE_DATABASE" not in f.read():
            log("OmenDB: include/omendb.h has no database API yet (OMENDB_HAVE_DATABASE); peers only")
            return None
    candidates = ([os.path.join(prefix, "lib"), os.path.join(prefix, "lib64")] if prefix
                  else [os.path.join(ROOT, ".build", "release")])
    lib = next((os.path.join(d, "libomendb.so") for d in candidates
                if os.path.exists(os.path.join(d, "libomendb.so"))), None)
    if lib is None and not prefix and not args.no_build_omendb and shutil.which("swift"):
        log("OmenDB: building libomendb.so (swift build -c release) ...")
        r = subprocess.run(["swift", "build", "-c", "release"], cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            log(r.stdout[-4000:])
            raise SystemExit("OmenDB: swift build failed")
        lib = os.path.join(ROOT, ".build", "release", "libomendb.so")
    if lib is None or not os.path.exists(lib):
        raise SystemExit("OmenDB: the header declares the database API but libomendb.so was not "
                         "found; build it (swift build -c release) or pass --no-omendb")
    # The library's SONAME is libomendb.so.<major>: link through a directory that
    # has both names, and put it on the harness's rpath.
    libdir = os.path.join(BENCH, "build", "omendb-lib")
    os.makedirs(libdir, exist_ok=True)
    real = os.path.realpath(lib)
    soname = subprocess.run(["sh", "-c", f"objdump -p '{real}' | awk '/SONAME/ {{print $2}}'"],
                            capture_output=True, text=True).stdout.strip() or "libomendb.so.0"
    for name in {"libomendb.so", soname}:
        link = os.path.join(libdir, name)
        if os.path.lexists(link):
            os.remove(link)
        os.symlink(real, link)
    return include, libdir


LEVELDB_RELEASE = os.path.join(BENCH, ".cache", "leveldb-release")


def build_harness(omendb):
    """{store: harness binary}. The main binary has every store but the release
    LevelDB, which needs a second binary linked against bench/.cache/leveldb-release
    (built by bench/build-leveldb-release.sh, called from bench/setup.sh)."""
    cmd = ["make", "-s", "-C", BENCH]
    if omendb:
        cmd += [f"OMENDB_INCLUDE={omendb[0]}", f"OMENDB_LIBDIR={omendb[1]}"]
    builds = [(cmd, os.path.join(BENCH, "build", "omendb-bench"))]
    if os.path.exists(os.path.join(LEVELDB_RELEASE, "lib", "libleveldb.so")):
        builds.append((["make", "-s", "-C", BENCH, "BUILD=build/leveldb-release",
                        f"LEVELDB_RELEASE={LEVELDB_RELEASE}"],
                       os.path.join(BENCH, "build", "leveldb-release", "omendb-bench")))
    else:
        log("release LevelDB not built (bench/build-leveldb-release.sh); only leveldb-debian")
    binaries = {}
    for cmd, binary in builds:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            log(r.stdout)
            raise SystemExit("harness build failed (did you run bench/setup.sh?)")
        names = subprocess.run([binary, "--list-stores"], capture_output=True, text=True,
                               check=True).stdout.split()
        for name in names:
            binaries.setdefault(name, binary)
    return binaries


def machine_info():
    info = {"platform": platform.platform(), "cpus": os.cpu_count()}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            info["mem_total"] = f.readline().split(":", 1)[1].strip()
        info["loadavg_at_start"] = open("/proc/loadavg").read().split()[:3]
    except OSError:
        pass
    cxx = subprocess.run(["sh", "-c", "${CXX:-g++} --version | head -1"], capture_output=True,
                         text=True).stdout.strip()
    info["compiler"] = cxx
    return info


def main():
    p = argparse.ArgumentParser(prog="bench/run", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    g = p.add_mutually_exclusive_group()
    g.add_argument("--quick", action="store_true", help="1M keys, all stores, all workloads (< 5 min)")
    g.add_argument("--smoke", action="store_true", help="10k keys, proves the harness works (< 30 s)")
    p.add_argument("--huge", action="store_true", help="also 100M keys (needs ~30 GB disk, hours)")
    p.add_argument("--stores", help="comma-separated store names (default: all compiled in)")
    p.add_argument("--datasets", help="comma-separated: " + ",".join(DATASETS))
    p.add_argument("--sizes", help="comma-separated key counts, overriding the mode's")
    p.add_argument("--value-sizes", help="comma-separated value sizes in bytes (>= 8)")
    p.add_argument("--reps", type=int, help="measured repetitions per workload")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--out", help="results file (default: bench/results/results-<date>-<commit>.jsonl;"
                   " smoke: a temporary file)")
    p.add_argument("--tmpdir", help="where the databases live (default: bench/.cache, same disk as the repo)")
    p.add_argument("--no-omendb", action="store_true", help="peers only")
    p.add_argument("--no-build-omendb", action="store_true", help="never run swift build")
    p.add_argument("--omendb-prefix", help="installed OmenDB (PREFIX/include/omendb.h, PREFIX/lib/libomendb.so)")
    p.add_argument("--timeout", type=int, default=3600, help="seconds per harness process")
    args = p.parse_args()
    for name in ("datasets", "stores"):
        if getattr(args, name):
            setattr(args, name, getattr(args, name).split(","))
    args.sizes = [int(float(x)) for x in args.sizes.split(",")] if args.sizes else None
    args.value_sizes = [int(x) for x in args.value_sizes.split(",")] if args.value_sizes else None

    mode = "smoke" if args.smoke else "quick" if args.quick else "full"
    settings = dict(MODES[mode])
    if args.reps:
        settings["reps"] = args.reps

    started = time.time()
    omendb = find_omendb(args)
    harnesses = build_harness(omendb)
    available = list(harnesses)
    stores = args.stores or available
    missing = [s for s in stores if s not in available]
    if missing:
        raise SystemExit(f"stores not available in this build: {missing} (available: {available})")

    commit = git("rev-parse", "--short=12", "HEAD") or "nocommit"
    dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d")
    if args.out:
        out_path = os.path.abspath(args.out)
    elif mode == "smoke":
        out_path = os.path.join(tempfile.gettempdir(), f"omendb-bench-smoke-{os.getpid()}.jsonl")
    else:
        out_path = os.path.join(BENCH, "results", f"results-{today}-{commit}.jsonl")
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    meta_path = out_path[: -len(".jsonl")] + ".meta.jsonl" if out_path.endswith(".jsonl") else out_path + ".meta.jsonl"

    tmp_parent = args.tmpdir or os.path.join(BENCH, ".cache")
    os.makedirs(tmp_parent, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="run-", dir=tmp_parent)
    cells = plan_cells(mode, args)
    dataset_cache = os.path.join(workdir, "datasets")
    os.makedirs(dataset_cache)
    log(f"mode {mode}: {len(stores)} stores x {len(cells)} cells -> {out_path}")
    log(f"stores: {', '.join(stores)}; databases under {workdir}; page cache warm (not dropped)")

    failures, lines, versions = [], 0, {}
    try:
        with open(out_path, "a") as out:
            # Cells outer, stores inner: the stores' figures for one cell are measured
            # minutes apart at most, not a whole run apart (the machine's load drifts).
            for dataset, n, value_size, phases in cells:
                for store in stores:
                    cell_dir = os.path.join(workdir, f"{store}-{dataset}-{n}-{value_size}")
                    t0 = time.time()
                    for phase in phases:
                        cmd = [harnesses[store], "--phase", phase, "--store", store, "--dataset", dataset,
                               "--n", str(n), "--value-size", str(value_size), "--dir", cell_dir,
                               "--seed", str(args.seed), "--reps", str(settings["reps"]),
                               "--dataset-cache", dataset_cache,
                               "--bulk-reps", str(settings["bulk_reps"]),
                               "--read-ops", str(settings["read_ops"]),
                               "--scan-ops", str(settings["scan_ops"]),
                               "--write-ops", str(min(settings["write_ops"], max(1000, n // (2 * (settings["reps"] + 1))))),
                               "--ycsb-ops", str(settings["ycsb_ops"])]
                        try:
                            r = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
                            code, stdout, stderr = r.returncode, r.stdout, r.stderr
                        except subprocess.TimeoutExpired as e:
                            code, stdout, stderr = -1, e.stdout or "", f"timeout after {args.timeout}s"
                            stdout = stdout.decode() if isinstance(stdout, bytes) else stdout
                        records = []
                        for line in stdout.splitlines():
                            rec = json.loads(line)
                            records.append(rec)
                            versions[rec["store"]] = rec["version"]
                            out.write(line + "\n")
                            lines += 1
                        out.flush()
                        if code == 0:
                            problem = check_records(records, phase, store, dataset, n, value_size, settings)
                            if problem:
                                code, stderr = 1, problem
                        if code != 0:
                            msg = (stderr.strip().splitlines() or [f"exit {code}"])[-1]
                            failures.append(f"{store} {dataset} n={n} v={value_size} {phase}: {msg}")
                            log("FAILED " + failures[-1])
                            break
                    shutil.rmtree(cell_dir, ignore_errors=True)
                    log(f"  {store:15s} {dataset:10s} n={n:<9d} v={value_size:<4d} "
                        f"{'+'.join(phases):20s} {time.time() - t0:6.1f}s")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    duration = time.time() - started
    meta = {
        "started_utc": datetime.datetime.fromtimestamp(started, datetime.timezone.utc).isoformat(),
        "duration_s": round(duration, 1),
        "command": "bench/run " + " ".join(sys.argv[1:]),
        "mode": mode, "settings": settings, "seed": args.seed,
        "git_commit": git("rev-parse", "HEAD"), "git_dirty": dirty,
        "stores": stores, "versions": versions, "omendb": bool(omendb),
        "cells": [dict(dataset=d, n=n, value_size=v, phases=ph) for d, n, v, ph in cells],
        "page_cache": "warm (never dropped)", "tmpdir": tmp_parent,
        "machine": machine_info(), "result_lines": lines, "failures": failures,
    }
    with open(meta_path, "a") as f:
        f.write(json.dumps(meta) + "\n")
    log(f"{lines} result lines in {duration:.0f}s -> {out_path}")
    if mode == "smoke":
        # The report step must digest what the harness wrote (tables only, no files).
        r = subprocess.run([sys.executable, os.path.join(BENCH, "report.py"), "--print", "--python",
                            "--", out_path], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            failures.append("report.py could not render the results: " + r.stderr.strip()[-500:])
        else:
            log("report.py renders the results: ok")
    if failures:
        log(f"{len(failures)} failure(s):")
        for f_ in failures:
            log("  " + f_)
        sys.exit(1)


if __name__ == "__main__":
    main()
