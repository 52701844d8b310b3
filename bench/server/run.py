"""pgbench against omendb-server and a real PostgreSQL 15 on the same machine, same durability.

    python3 bench/server/run.py [--sync full|normal] [--clients 1,4,16] [--runs 3]
                                [--duration 10] [--scale 1] [--servers postgres,omendb] [--smoke]

Workloads (all `pgbench -n -M prepared`, --max-tries 100 so serialization conflicts are
retried and counted, never fatal):
  select-only   the built-in `-b select-only` (one primary-key lookup per transaction)
  tpcb-like     the built-in TPC-B-like script (three UPDATEs, a SELECT, an INSERT)
  insert        a custom script: one INSERT of a new row into a table with a bigserial key

Durability matched: `--sync full` runs PostgreSQL with fsync=on, synchronous_commit=on and
omendb-server in its full sync mode (every acknowledged commit on stable storage);
`--sync normal` runs PostgreSQL with synchronous_commit=off (acknowledged commits survive
a process crash, a machine crash may lose the last ~200 ms) against OmenDB's NORMAL mode
(the same promise, ~100 ms). PostgreSQL keeps its default isolation (READ COMMITTED);
OmenDB's transactions are SERIALIZABLE snapshots, so hot rows conflict and are retried.

Each point is the median of --runs runs, the servers interleaved run by run. Latency
percentiles come from pgbench's per-transaction log (-l). Results: one JSON line per run and
per median (with the ratio omendb/postgres) in bench/results/server-<date>-<commit>.jsonl,
run settings in the .meta.jsonl beside it; a table on stdout.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "server"))
import harness  # noqa: E402

INSERT_SCRIPT = """\\set aid random(1, 100000 * :scale)
\\set delta random(-5000, 5000)
INSERT INTO bench_insert (aid, delta, note) VALUES (:aid, :delta, 'omendb-server bench row');
"""
WORKLOADS = ("select-only", "tpcb-like", "insert")


def omen_sync_args(sync: str) -> list[str]:
    return ["--sync", sync]


def pg_settings(sync: str) -> dict[str, str]:
    return {"fsync": "on", "synchronous_commit": "on" if sync == "full" else "off"}


def run(argv, env, timeout=900, cwd=None) -> str:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout, cwd=cwd)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def prepare(server, scale: int) -> float:
    """pgbench -i and the insert table; returns the load's seconds."""
    start = time.monotonic()
    run(["pgbench", "-i", "-q", "-s", str(scale)], server.env())
    seconds = time.monotonic() - start
    run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c",
         "CREATE TABLE bench_insert (id bigserial PRIMARY KEY, aid int NOT NULL, delta int NOT NULL, note text)"],
        server.env())
    return seconds


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(p / 100 * (len(sorted_values) - 1))))
    return sorted_values[index]


def bench_once(server, workload: str, clients: int, duration: int, scale: int, script: Path,
               logdir: Path) -> dict:
    for old in logdir.glob("pgbench_log*"):
        old.unlink()
    argv = ["pgbench", "-n", "-M", "prepared", "-c", str(clients), "-j", str(min(clients, 2)),
            "-T", str(duration), "--max-tries", "100", "-s", str(scale), "-l", "--log-prefix",
            str(logdir / "pgbench_log")]
    argv += ["-f", str(script)] if workload == "insert" else ["-b", workload]
    out = run(argv, server.env(), timeout=duration + 300, cwd=logdir)
    latencies = []
    for log in logdir.glob("pgbench_log*"):
        for line in log.read_text().splitlines():
            fields = line.split()
            # client_id transaction_no time script_no time_epoch time_us [schedule_lag] [retries]
            if len(fields) >= 3 and fields[2].isdigit():
                latencies.append(int(fields[2]) / 1000.0)
    latencies.sort()

    def number(label: str) -> float:
        for line in out.splitlines():
            if line.startswith(label):
                return float(line.split(":", 1)[1].split()[0])
        return 0.0

    tps = None
    for line in out.splitlines():
        if line.startswith("tps = "):
            tps = float(line.split()[2])
    if tps is None:
        raise RuntimeError(f"no tps in pgbench's output:\n{out}")
    return {"tps": tps, "transactions": len(latencies),
            "failed": number("number of failed transactions"),
            "retried": number("number of transactions retried"),
            "lat_avg_ms": round(statistics.fmean(latencies), 3) if latencies else None,
            "lat_p50_ms": percentile(latencies, 50), "lat_p95_ms": percentile(latencies, 95),
            "lat_p99_ms": percentile(latencies, 99)}


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sync", choices=("full", "normal"), default="full")
    parser.add_argument("--clients", default="1,4,16")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds per pgbench run")
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--servers", default="postgres,omendb")
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--smoke", action="store_true", help="1 run of 2 s at 1 and 4 clients")
    parser.add_argument("--out", type=Path, default=None)
    options = parser.parse_args()
    if options.smoke:
        options.clients, options.runs, options.duration = "1,4", 1, 2
    clients = [int(c) for c in options.clients.split(",")]
    workloads = options.workloads.split(",")
    kinds = options.servers.split(",")
    commit = git("rev-parse", "HEAD")
    stamp = datetime.datetime.now(datetime.timezone.utc)
    out = options.out or ROOT / "bench" / "results" / f"server-{stamp:%Y%m%d}-{commit[:12]}.jsonl"
    tmp = Path(tempfile.mkdtemp(prefix="omendb-server-bench."))
    script = tmp / "insert.sql"
    script.write_text(INSERT_SCRIPT)
    servers = []
    for kind in kinds:
        if kind == "postgres":
            servers.append(harness.Postgres(**pg_settings(options.sync)))
        else:
            servers.append(harness.OmenServer(args=omen_sync_args(options.sync)))
    meta = {"started_utc": stamp.isoformat(), "command": " ".join(sys.argv), "git_commit": commit,
            "git_dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
            "sync": options.sync, "postgres_settings": pg_settings(options.sync),
            "clients": clients, "runs": options.runs, "duration_s": options.duration, "scale": options.scale,
            "workloads": workloads, "cpus": os.cpu_count(), "loadavg_start": os.getloadavg(),
            "pgbench": run(["pgbench", "--version"], os.environ).strip()}
    rows: list[dict] = []
    try:
        for server in servers:
            server.start()
            seconds = prepare(server, options.scale)
            rows.append({"store": server.name, "workload": "init", "metric": "pgbench_i_s", "value": round(seconds, 3),
                         "scale": options.scale, "sync": options.sync})
            print(f"{server.name}: pgbench -i -s {options.scale} took {seconds:.1f} s", flush=True)
        for workload in workloads:
            for n in clients:
                for r in range(options.runs):
                    for server in servers:
                        logdir = tmp / f"log-{server.name}"
                        logdir.mkdir(exist_ok=True)
                        result = bench_once(server, workload, n, options.duration, options.scale, script, logdir)
                        row = {"store": server.name, "workload": workload, "clients": n, "run": r,
                               "sync": options.sync, **result}
                        rows.append(row)
                        print(json.dumps(row), flush=True)
    finally:
        for server in servers:
            server.stop()
    meta["loadavg_end"] = os.getloadavg()
    medians = []
    print(f"\n{'workload':12} {'clients':>7} {'store':10} {'tps':>10} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'retried':>8} {'ratio':>6}")
    for workload in workloads:
        for n in clients:
            by_store = {}
            for server in servers:
                runs = [r for r in rows if r.get("workload") == workload and r.get("clients") == n and r["store"] == server.name]
                median = {key: statistics.median(r[key] for r in runs)
                          for key in ("tps", "lat_p50_ms", "lat_p95_ms", "lat_p99_ms", "retried", "failed")}
                by_store[server.name] = median
            for name, median in by_store.items():
                ratio = None
                if "omendb" in by_store and "postgresql" in by_store and name == "omendb":
                    ratio = round(median["tps"] / by_store["postgresql"]["tps"], 3)
                line = {"store": name, "workload": workload, "clients": n, "metric": "median",
                        "sync": options.sync, **median, "ratio_vs_postgresql": ratio}
                medians.append(line)
                print(f"{workload:12} {n:>7} {name:10} {median['tps']:>10.0f} {median['lat_p50_ms']:>8.2f} "
                      f"{median['lat_p95_ms']:>8.2f} {median['lat_p99_ms']:>8.2f} {median['retried']:>8.0f} "
                      f"{'' if ratio is None else ratio:>6}")
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w") as f:
        for row in rows + medians:
            f.write(json.dumps(row) + "\n")
    with open(out.with_suffix(".meta.jsonl"), "w") as f:
        f.write(json.dumps(meta) + "\n")
    print(f"\nresults: {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
