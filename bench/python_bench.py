#!/usr/bin/env python3
"""Python-binding benchmark: OmenDB's Python package (when its Database class
exists) against the peers' usual Python packages: lmdb, sqlite3 (stdlib),
plyvel (LevelDB) and rocksdict (RocksDB). Packages that are not installed are
skipped and named on stderr (bench/setup.sh installs them with pip).

    bench/python_bench.py [--n 100000] [--value-size 100] [--reps 3] [--out FILE]

Workloads (uniform random Int64 keys from a seeded numpy generator; each one
warmed up, then `reps` measured repetitions; time.perf_counter_ns, a monotonic
clock, around each batch of 1000 operations):
  py-get        single gets of random existing keys          metric get_ns
  py-put        single puts of new keys, one commit each     metric insert_ops_s
  py-batch-get  gets of a numpy int64 array of 1000 keys
                through the package's multi-get if it has one metric get_ns
  py-iterate    full ordered iteration over all keys         metric scan_keys_s
Output: one JSON object per line, same fields as the C harness, appended to
bench/results/python-<date>-<commit>.jsonl (store names are prefixed "py-").
Durability as in the C suite: sync off everywhere.
"""

import argparse
import datetime
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
SIGN = 1 << 63


def be_key(k):
    """8 big-endian bytes, sign bit flipped: byte order == Int64 order."""
    return ((int(k) + SIGN) & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "big")


def value_for(k, size):
    head = (int(k) & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "little")
    return head + bytes((int(k) * 31 + i) & 0xFF for i in range(size - 8)) if size > 8 else head[:size]


class LmdbStore:
    name, module = "py-lmdb", "lmdb"

    def __init__(self, path, payload):
        import lmdb
        self.lmdb = lmdb
        self.version = f"{lmdb.__version__} (LMDB {'.'.join(map(str, lmdb.version()))})"
        self.env = lmdb.open(path, map_size=payload * 4 + (64 << 20), sync=False, metasync=False,
                             writemap=True, lock=True)

    def bulk(self, keys, values):
        with self.env.begin(write=True) as txn:
            cur = txn.cursor()
            cur.putmulti(((be_key(k), v) for k, v in zip(keys, values)), append=True)

    def put(self, k, v):
        with self.env.begin(write=True) as txn:
            txn.put(be_key(k), v)

    def get(self, k):
        with self.env.begin(buffers=False) as txn:
            return txn.get(be_key(k))

    def batch_get(self, arr):
        with self.env.begin() as txn:
            return [v for _, v in txn.cursor().getmulti([be_key(k) for k in arr.tolist()])]

    def iterate(self):
        with self.env.begin() as txn:
            return sum(1 for _ in txn.cursor().iternext())

    def close(self):
        self.env.close()


class SqliteStore:
    name, module = "py-sqlite3", "sqlite3"

    def __init__(self, path, payload):
        self.version = f"{sqlite3.sqlite_version} (stdlib sqlite3)"
        self.db = sqlite3.connect(os.path.join(path, "db.sqlite"), isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("CREATE TABLE kv (k INTEGER PRIMARY KEY, v BLOB)")

    def bulk(self, keys, values):
        self.db.execute("BEGIN")
        self.db.executemany("INSERT INTO kv VALUES (?, ?)", zip(map(int, keys), values))
        self.db.execute("COMMIT")

    def put(self, k, v):
        self.db.execute("INSERT OR REPLACE INTO kv VALUES (?, ?)", (int(k), v))

    def get(self, k):
        row = self.db.execute("SELECT v FROM kv WHERE k = ?", (int(k),)).fetchone()
        return row[0] if row else None

    def batch_get(self, arr):
        keys = arr.tolist()
        marks = ",".join("?" * len(keys))
        return [r[0] for r in self.db.execute(f"SELECT v FROM kv WHERE k IN ({marks})", keys)]

    def iterate(self):
        return sum(1 for _ in self.db.execute("SELECT k, v FROM kv ORDER BY k"))

    def close(self):
        self.db.close()


class PlyvelStore:
    name, module = "py-plyvel", "plyvel"

    def __init__(self, path, payload):
        import plyvel
        self.version = f"{plyvel.__version__} (LevelDB {plyvel.__leveldb_version__})"
        self.db = plyvel.DB(path, create_if_missing=True, bloom_filter_bits=10,
                            lru_cache_size=int(payload * 1.5) + (32 << 20))

    def bulk(self, keys, values):
        for i in range(0, len(keys), 1000):
            with self.db.write_batch(sync=False) as wb:
                for k, v in zip(keys[i:i + 1000], values[i:i + 1000]):
                    wb.put(be_key(k), v)
        self.db.compact_range()

    def put(self, k, v):
        self.db.put(be_key(k), v, sync=False)

    def get(self, k):
        return self.db.get(be_key(k))

    def batch_get(self, arr):  # plyvel has no multi-get
        get = self.db.get
        return [get(be_key(k)) for k in arr.tolist()]

    def iterate(self):
        return sum(1 for _ in self.db.iterator())

    def close(self):
        self.db.close()


class RocksdictStore:
    name, module = "py-rocksdict", "rocksdict"

    def __init__(self, path, payload):
        import rocksdict
        from importlib.metadata import version
        self.version = f"{version('rocksdict')} (bundled RocksDB)"
        opts = rocksdict.Options(raw_mode=True)
        opts.create_if_missing(True)
        table = rocksdict.BlockBasedOptions()
        table.set_bloom_filter(10, False)
        table.set_block_cache(rocksdict.Cache(int(payload * 1.5) + (32 << 20)))
        opts.set_block_based_table_factory(table)
        self.db = rocksdict.Rdict(path, options=opts)
        wo = rocksdict.WriteOptions()
        wo.sync = False
        self.db.set_write_options(wo)

    def bulk(self, keys, values):
        import rocksdict
        for i in range(0, len(keys), 1000):
            wb = rocksdict.WriteBatch(raw_mode=True)
            for k, v in zip(keys[i:i + 1000], values[i:i + 1000]):
                wb.put(be_key(k), v)
            self.db.write(wb)
        self.db.flush()

    def put(self, k, v):
        self.db.put(be_key(k), v)

    def get(self, k):
        return self.db.get(be_key(k))

    def batch_get(self, arr):
        return self.db.get([be_key(k) for k in arr.tolist()])

    def iterate(self):
        it = self.db.iter()
        it.seek_to_first()
        count = 0
        while it.valid():
            it.key(), it.value()
            count += 1
            it.next()
        return count

    def close(self):
        self.db.close()


class OmenStore:
    """OmenDB's Python package; used only when it exposes a Database class."""
    name, module = "py-omendb", "omendb"

    def __init__(self, path, payload):
        import omendb
        if not hasattr(omendb, "Database"):
            raise ImportError("omendb has no Database class yet")
        self.version = getattr(omendb, "__version__", "?")
        self.db = omendb.Database(os.path.join(path, "db"), sync="off")  # as the peers: no fsync per commit
        self.get_many = (getattr(self.db, "multi_get", None) or getattr(self.db, "get_many", None)
                         or getattr(self.db, "get_batch", None))

    def bulk(self, keys, values):
        loader = getattr(self.db, "bulk_load", None)
        if loader:
            loader(np.asarray(keys, dtype=np.int64), list(values))
        else:
            for k, v in zip(keys, values):
                self.db.put(int(k), v)

    def put(self, k, v):
        self.db.put(int(k), v)

    def get(self, k):
        return self.db.get(int(k))

    def batch_get(self, arr):
        if self.get_many:
            return self.get_many(arr)
        return [self.db.get(k) for k in arr.tolist()]

    def iterate(self):
        items = getattr(self.db, "items", None)
        return sum(1 for _ in (items() if items else iter(self.db)))

    def close(self):
        getattr(self.db, "close", lambda: None)()


STORES = [OmenStore, SqliteStore, LmdbStore, PlyvelStore, RocksdictStore]


def git(*args):
    try:
        return subprocess.run(["git", "-C", ROOT, *args], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (subprocess.CalledProcessError, FileNotFoundError):
        return ""


def timed_batches(ops, fn, batch=1000):
    """Summed perf_counter_ns over batches of `batch` calls of fn(i)."""
    total = 0
    for start in range(0, ops, batch):
        t0 = time.perf_counter_ns()
        for i in range(start, min(start + batch, ops)):
            fn(i)
        total += time.perf_counter_ns() - t0
    return total


def run_store(cls, args, keys, new_keys, emit):
    tmp = tempfile.mkdtemp(prefix="py-", dir=args.tmpdir)
    try:
        store = cls(tmp, args.n * (8 + args.value_size))
        values = [value_for(k, args.value_size) for k in keys]
        store.bulk(keys, values)
        rng = np.random.default_rng(args.seed + 1)
        line = lambda workload, metric, value, unit, run: emit(dict(
            store=store.name, workload=workload, dataset="uniform", n=args.n, value_size=args.value_size,
            metric=metric, value=value, unit=unit, run=run, version=store.version))

        def check(k, v):
            if v is None or bytes(v[:8]) != (int(k) & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "little"):
                raise RuntimeError(f"{store.name}: wrong value for key {k}")

        for r in range(-1, args.reps):  # single gets
            sample = keys[rng.integers(0, len(keys), args.ops)].tolist()
            ns = timed_batches(len(sample), lambda i: store.get(sample[i]))
            check(sample[0], store.get(sample[0]))
            if r >= 0:
                line("py-get", "get_ns", ns / len(sample), "ns", r)
        for r in range(-1, args.reps):  # batch gets through numpy
            total, count = 0, 0
            for _ in range(max(1, args.ops // 1000)):
                arr = keys[rng.choice(len(keys), 1000, replace=False)]  # distinct keys
                t0 = time.perf_counter_ns()
                got = store.batch_get(arr)
                total += time.perf_counter_ns() - t0
                count += len(arr)
                if len(got) != len(arr) or any(v is None for v in got):
                    raise RuntimeError(f"{store.name}: batch get returned {len(got)} values for {len(arr)} keys")
            if r >= 0:
                line("py-batch-get", "get_ns", total / count, "ns", r)
        per_rep = min(args.ops, len(new_keys) // (args.reps + 1))
        for r in range(-1, args.reps):  # single puts of new keys
            chunk = new_keys[(r + 1) * per_rep:(r + 2) * per_rep].tolist()
            vals = [value_for(k, args.value_size) for k in chunk]
            ns = timed_batches(len(chunk), lambda i: store.put(chunk[i], vals[i]))
            if r >= 0:
                line("py-put", "insert_ops_s", len(chunk) * 1e9 / ns, "ops/s", r)
        for r in range(-1, args.reps):  # full iteration
            t0 = time.perf_counter_ns()
            count = store.iterate()
            ns = time.perf_counter_ns() - t0
            if count != len(keys) + (args.reps + 1) * per_rep:
                raise RuntimeError(f"{store.name}: iteration saw {count} keys")
            if r >= 0:
                line("py-iterate", "scan_keys_s", count * 1e9 / ns, "keys/s", r)
        store.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--value-size", type=int, default=100)
    p.add_argument("--ops", type=int, default=20_000, help="operations per repetition")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--out")
    p.add_argument("--tmpdir", default=os.path.join(BENCH, ".cache"))
    args = p.parse_args()
    os.makedirs(args.tmpdir, exist_ok=True)

    rng = np.random.default_rng(args.seed)
    pool = np.unique(rng.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max, 2 * args.n, dtype=np.int64))
    rng.shuffle(pool)
    keys = np.sort(pool[: args.n])
    new_keys = pool[args.n:]

    commit = git("rev-parse", "--short=12", "HEAD") or "nocommit"
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d")
    out_path = args.out or os.path.join(BENCH, "results", f"python-{today}-{commit}.jsonl")
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    started = time.time()
    failures, skipped, ran = [], [], []
    with open(out_path, "a") as out:
        def emit(rec):
            out.write(json.dumps(rec) + "\n")
            out.flush()

        for cls in STORES:
            try:
                __import__(cls.module)
                if cls is OmenStore:
                    import omendb
                    if not hasattr(omendb, "Database"):
                        raise ImportError("omendb has no Database class yet")
            except ImportError as e:
                skipped.append(f"{cls.name}: {e}")
                print(f"skipping {cls.name}: {e}", file=sys.stderr)
                continue
            t0 = time.time()
            try:
                run_store(cls, args, keys, new_keys, emit)
                ran.append(cls.name)
                print(f"  {cls.name:14s} {time.time() - t0:5.1f}s", file=sys.stderr)
            except Exception as e:  # report, go on with the other stores, fail at the end
                failures.append(f"{cls.name}: {e!r}")
                print(f"FAILED {cls.name}: {e!r}", file=sys.stderr)
    meta = dict(started_utc=datetime.datetime.fromtimestamp(started, datetime.timezone.utc).isoformat(),
                duration_s=round(time.time() - started, 1), command="bench/python_bench.py " + " ".join(sys.argv[1:]),
                git_commit=git("rev-parse", "HEAD"), git_dirty=bool(git("status", "--porcelain", "--untracked-files=no")),
                python=sys.version.split()[0], numpy=np.__version__, ran=ran, skipped=skipped, failures=failures)
    with open(out_path[: -len(".jsonl")] + ".meta.jsonl" if out_path.endswith(".jsonl") else out_path + ".meta", "a") as f:
        f.write(json.dumps(meta) + "\n")
    print(f"results -> {out_path}", file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
