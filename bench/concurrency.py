#!/usr/bin/env python3
"""Runs the concurrency and transaction benchmark (called by `bench/run --concurrency`).

Builds the harness as bench/run does, then runs the harness's concurrency phase
for every (repetition, workload, store): each a fresh process that bulk-loads a
fresh database and measures every thread count for a fixed time. Repetitions
are the outer loop, so slow drift of the shared machine spreads over all stores
alike. Appends the result lines (the main suite's fields plus "threads") to
bench/results/concurrency-<date>-<commit>.jsonl, with a .meta.jsonl sidecar.
Exits non-zero if any process failed or reported incomplete results.

Workloads and their stores:
  read_scaling    omendb, lmdb                     gets/s, 1 writer at --writer-rate commits/s
  txn_overhead    omendb                           ns/op (single thread)
  commit_scaling  omendb, sqlite, lmdb, rocksdb    durable single-key commits/s
  rmw_contended   omendb, rocksdb (optimistic)     Zipfian read-modify-write commits/s, abort rate
"""

import argparse
import datetime
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

import driver

BENCH = driver.BENCH
WORKLOADS = {
    "read_scaling": ["omendb", "lmdb"],
    "txn_overhead": ["omendb"],
    "commit_scaling": ["omendb", "sqlite", "lmdb", "rocksdb-debian"],
    "rmw_contended": ["omendb", "rocksdb-debian"],
}
# Metrics each workload reports, per thread count (txn_overhead: one thread).
METRICS = {
    "read_scaling": ["reads_s", "writer_commits_s", "cpu_cores"],
    "txn_overhead": ["get_ns", "ro_txn_begin_commit_ns", "ro_txn_get_ns", "rw_txn_get_ns"],
    "commit_scaling": ["commits_s", "cpu_cores"],
    "rmw_contended": ["commits_s", "abort_rate", "cpu_cores"],
}
# rmw_contended keeps a counter after the key in each value.
VALUE_SIZE = {"rmw_contended": 16}
FIELDS = driver.FIELDS | {"threads"}
MODES = {
    # ~10 s on 2 cores once the harness is built (bench_smoke in scripts/test.sh).
    "smoke": dict(n=10_000, reps=1, seconds=0.2, warmup=0.05, overhead_ops=20_000),
    # ~5 min on 2 cores.
    "full": dict(n=1_000_000, reps=3, seconds=2.0, warmup=0.5, overhead_ops=500_000),
}


def check_records(records, workload, store, n, threads):
    """Why a process's output is incomplete or malformed, or None when it is fine."""
    counts = {}
    for rec in records:
        if set(rec) != FIELDS:
            return f"result line with fields {sorted(rec)}"
        if (rec["store"], rec["workload"], rec["n"]) != (store, workload, n):
            return f"result line for another cell: {rec}"
        v = rec["value"]
        if not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
            return f"bad value in {rec}"
        if rec["metric"] not in ("abort_rate", "cpu_cores") and v == 0:
            return f"zero throughput or latency in {rec}"
        counts[(rec["metric"], rec["threads"])] = counts.get((rec["metric"], rec["threads"]), 0) + 1
    want = [1] if workload == "txn_overhead" else threads
    for metric in METRICS[workload]:
        for t in want:
            if counts.get((metric, t), 0) != 1:
                return f"expected one {metric} result for {t} thread(s), got {counts.get((metric, t), 0)}"
    return None


def main():
    p = argparse.ArgumentParser(prog="bench/run --concurrency", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--smoke", action="store_true", help="10k keys, 0.2 s per thread count, one repetition (~25 s)")
    p.add_argument("--workloads", help="comma-separated: " + ",".join(WORKLOADS))
    p.add_argument("--stores", help="comma-separated store names (default: every store of each workload)")
    p.add_argument("--threads", default="1,2,4,8", help="thread counts (default 1,2,4,8)")
    p.add_argument("--n", type=int, help="loaded keys (default 1M; smoke 10k)")
    p.add_argument("--reps", type=int, help="repetitions (processes) per workload and store (default 3)")
    p.add_argument("--seconds", type=float, help="measured seconds per thread count (default 2)")
    p.add_argument("--writer-rate", type=int, default=1_000,
                   help="read_scaling: the writer's commits per second (default 1000)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--out", help="results file (default: bench/results/concurrency-<date>-<commit>.jsonl;"
                   " smoke: a temporary file)")
    p.add_argument("--tmpdir", help="where the databases live (default: bench/.cache, same disk as the repo)")
    p.add_argument("--no-omendb", action="store_true", help="peers only")
    p.add_argument("--no-build-omendb", action="store_true", help="never run swift build")
    p.add_argument("--omendb-prefix", help="installed OmenDB (PREFIX/include/omendb.h, PREFIX/lib/libomendb.so)")
    p.add_argument("--timeout", type=int, default=900, help="seconds per harness process")
    args = p.parse_args()

    mode = "smoke" if args.smoke else "full"
    settings = dict(MODES[mode])
    for name in ("n", "reps", "seconds"):
        if getattr(args, name) is not None:
            settings[name] = getattr(args, name)
    threads = [int(t) for t in args.threads.split(",")]
    workloads = args.workloads.split(",") if args.workloads else list(WORKLOADS)
    unknown = [w for w in workloads if w not in WORKLOADS]
    if unknown:
        raise SystemExit(f"unknown workloads {unknown} (known: {', '.join(WORKLOADS)})")

    started = time.time()
    omendb = driver.find_omendb(args)
    driver.build_harness(omendb)
    binary = os.path.join(BENCH, "build", "omendb-bench")  # the main binary, every concurrent adapter
    available = set(subprocess.run([binary, "--list-concurrent-stores"], capture_output=True, text=True,
                                   check=True).stdout.split())
    wanted = set(args.stores.split(",")) if args.stores else None
    plan = [(w, s) for w in workloads for s in WORKLOADS[w]
            if s in available and (wanted is None or s in wanted)]
    skipped = sorted({s for w in workloads for s in WORKLOADS[w] if s not in available})
    if skipped:
        driver.log(f"no concurrent adapter in this build (OmenDB: needs the transaction API), "
                   f"skipped: {', '.join(skipped)}")
    if not plan:
        raise SystemExit("nothing to run")

    commit = driver.git("rev-parse", "--short=12", "HEAD") or "nocommit"
    dirty = bool(driver.git("status", "--porcelain", "--untracked-files=no"))
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d")
    if args.out:
        out_path = os.path.abspath(args.out)
    elif mode == "smoke":
        out_path = os.path.join(tempfile.gettempdir(), f"omendb-concurrency-smoke-{os.getpid()}.jsonl")
    else:
        out_path = os.path.join(BENCH, "results", f"concurrency-{today}-{commit}.jsonl")
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    meta_path = out_path[: -len(".jsonl")] + ".meta.jsonl"
    tmp_parent = args.tmpdir or os.path.join(BENCH, ".cache")
    os.makedirs(tmp_parent, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="concurrency-", dir=tmp_parent)
    dataset_cache = os.path.join(workdir, "datasets")
    os.makedirs(dataset_cache)
    machine = driver.machine_info()
    driver.log(f"concurrency {mode}: {len(plan)} (workload, store) pairs x {settings['reps']} reps, "
               f"threads {threads}, n={settings['n']} -> {out_path}")

    failures, lines, versions = [], 0, {}
    try:
        with open(out_path, "a") as out:
            for run in range(settings["reps"]):
                for workload, store in plan:
                    cell_dir = os.path.join(workdir, f"{store}-{workload}")
                    cmd = [binary, "--phase", "concurrency", "--workload", workload, "--store", store,
                           "--dataset", "uniform", "--n", str(settings["n"]),
                           "--value-size", str(VALUE_SIZE.get(workload, 8)), "--dir", cell_dir,
                           "--seed", str(args.seed), "--dataset-cache", dataset_cache,
                           "--threads", ",".join(map(str, threads)), "--seconds", str(settings["seconds"]),
                           "--warmup-seconds", str(settings["warmup"]),
                           "--writer-rate", str(args.writer_rate),
                           "--overhead-ops", str(settings["overhead_ops"]), "--run", str(run)]
                    t0 = time.time()
                    try:
                        r = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
                        code, stdout, stderr = r.returncode, r.stdout, r.stderr
                    except subprocess.TimeoutExpired as e:
                        code, stderr = -1, f"timeout after {args.timeout}s"
                        stdout = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
                    records = [json.loads(line) for line in stdout.splitlines() if line.strip()]
                    for rec in records:
                        versions[rec["store"]] = rec["version"]
                        out.write(json.dumps(rec) + "\n")
                        lines += 1
                    out.flush()
                    if code == 0:
                        problem = check_records(records, workload, store, settings["n"], threads)
                        if problem:
                            code, stderr = 1, problem
                    if code != 0:
                        msg = (stderr.strip().splitlines() or [f"exit {code}"])[-1]
                        failures.append(f"{workload} {store} run {run}: {msg}")
                        driver.log("FAILED " + failures[-1])
                    shutil.rmtree(cell_dir, ignore_errors=True)
                    driver.log(f"  run {run} {workload:15s} {store:15s} {time.time() - t0:6.1f}s")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    duration = time.time() - started
    machine["loadavg_at_end"] = open("/proc/loadavg").read().split()[:3]
    meta = {
        "started_utc": datetime.datetime.fromtimestamp(started, datetime.timezone.utc).isoformat(),
        "duration_s": round(duration, 1),
        "command": " ".join(["bench/run", "--concurrency"] + sys.argv[1:]),
        "mode": mode, "settings": settings, "threads": threads, "writer_rate": args.writer_rate,
        "seed": args.seed, "git_commit": driver.git("rev-parse", "HEAD"), "git_dirty": dirty,
        "plan": [dict(workload=w, store=s) for w, s in plan], "versions": versions,
        "omendb": bool(omendb), "page_cache": "warm (never dropped)", "tmpdir": tmp_parent,
        "machine": machine, "result_lines": lines, "failures": failures,
    }
    with open(meta_path, "a") as f:
        f.write(json.dumps(meta) + "\n")
    driver.log(f"{lines} result lines in {duration:.0f}s -> {out_path}")
    if mode == "smoke":
        # The report step must digest what the harness wrote (tables only, no files).
        r = subprocess.run([sys.executable, os.path.join(BENCH, "concurrency_report.py"), "--print", out_path],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            failures.append("concurrency_report.py could not render the results: " + r.stderr.strip()[-500:])
        else:
            driver.log("concurrency_report.py renders the results: ok")
    if failures:
        driver.log(f"{len(failures)} failure(s):")
        for f_ in failures:
            driver.log("  " + f_)
        sys.exit(1)


if __name__ == "__main__":
    main()
