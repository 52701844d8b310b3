#!/usr/bin/env python3
"""Python-binding benchmark: OmenDB's Python package against py-lmdb (and, on
request, sqlite3, plyvel and rocksdict), each used the way its users use it.

    bench/python_bench.py [--n 100000] [--value-size 100] [--ops 20000] [--reps 5]
                          [--stores omendb,lmdb] [--out FILE]

Every store is loaded with the same n uniform random int64 keys (seeded numpy
generator) and value_size-byte values. Then, for each of `reps` repetitions
(after one warm-up repetition), every workload runs once on every store, the
stores in alternating order from one repetition to the next, so that a change in
machine load hits all of them alike. Reported: the median over the repetitions,
and OmenDB's time as a ratio of py-lmdb's from the same run (lower is better for
OmenDB; `--ratios-only` prints just that table).

Fairness: each store is driven as its documentation shows. py-lmdb reads in one
long-lived read transaction (`txn = env.begin()`, `txn.get`, `txn.cursor()`),
writes one transaction per put (a commit each, as OmenDB's put), and its keys
(8 big-endian bytes, sign bit flipped, so byte order is int64 order) are encoded
once, outside the timed loops. Omendb gets Python ints and numpy int64 arrays.
Only the loop over the prepared keys is timed (time.perf_counter_ns).

Workloads (ns per key or per operation):
  py-get          single gets of random existing keys          get_ns
  py-put          single puts of new keys, one commit each      put_ns (and insert_ops_s)
  py-iterate      full ordered iteration, (key, value) pairs    scan_ns_per_key (and scan_keys_s)
  py-batch-get    1000 distinct random keys per call: py-lmdb   get_ns
                  Cursor.getmulti (list of (key, value)), omendb
                  Database.multi_get_arrays (numpy: one value
                  buffer + offsets); sqlite3 IN (...), rocksdict
                  get(list), plyvel a loop of gets
  py-multi-get-list   omendb Database.multi_get (list of bytes)
  py-multi-get-copy   omendb Snapshot.multi_get_bytes (copies)
  py-multi-get-view   omendb Snapshot.multi_get (zero-copy memoryviews)
Then, with omendb and lmdb, a breakdown of Database.get (cumulative steps, each
as a ratio of py-lmdb's get in the same repetition).
Output: one JSON object per line (same fields as the C harness) appended to
bench/results/python-<date>-<commit>.jsonl, a .meta.jsonl sidecar (with the
ratios), and the tables on stdout. Sync off everywhere (as the C suite).
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
BATCH = 1000


def be_key(k):
    """8 big-endian bytes, sign bit flipped: byte order == int64 order."""
    return ((int(k) + SIGN) & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "big")


def value_for(k, size):
    head = (int(k) & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "little")
    return head + bytes((int(k) * 31 + i) & 0xFF for i in range(size - 8)) if size > 8 else head[:size]


def timed(fn, items):
    """ns spent calling fn on every element of items (the loop included, as a user's)."""
    t0 = time.perf_counter_ns()
    for item in items:
        fn(item)
    return time.perf_counter_ns() - t0


class Store:
    """One store under test. prepare_keys turns int keys into what its get takes;
    the other methods return callables or do the workload."""
    name = module = version = ""
    extra = ()  # OmenDB-only workloads

    def prepare_keys(self, keys):
        return [be_key(k) for k in keys]

    def prepare_batch(self, array):
        return [be_key(k) for k in array.tolist()]


class LmdbStore(Store):
    name, module = "py-lmdb", "lmdb"

    def __init__(self, path, payload):
        import lmdb
        self.version = f"{lmdb.__version__} (LMDB {'.'.join(map(str, lmdb.version()))})"
        self.env = lmdb.open(path, map_size=max(payload * 8, 2 << 30), sync=False, metasync=False,
                             writemap=True, lock=True)
        self.txn = None

    def bulk(self, keys, values):
        with self.env.begin(write=True) as txn:
            txn.cursor().putmulti(((be_key(k), v) for k, v in zip(keys, values)), append=True)
        self.reader()

    def reader(self):
        """The long-lived read transaction (renewed after writes, as an application would)."""
        if self.txn is not None:
            self.txn.abort()
        self.txn = self.env.begin(buffers=False)

    def getter(self):
        return self.txn.get

    def putter(self):
        begin = self.env.begin

        def put(item):
            with begin(write=True) as txn:
                txn.put(item[0], item[1])
        return put

    def iterate(self):
        count = 0
        for _ in self.txn.cursor():
            count += 1
        return count

    def batch_get(self, prepared):
        return self.txn.cursor().getmulti(prepared)

    def close(self):
        self.txn.abort()
        self.env.close()


class SqliteStore(Store):
    name, module = "py-sqlite3", "sqlite3"

    def __init__(self, path, payload):
        self.version = f"{sqlite3.sqlite_version} (stdlib sqlite3)"
        self.db = sqlite3.connect(os.path.join(path, "db.sqlite"), isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("CREATE TABLE kv (k INTEGER PRIMARY KEY, v BLOB)")

    def prepare_keys(self, keys):
        return [(k,) for k in keys]

    def prepare_batch(self, array):
        keys = array.tolist()
        return f"SELECT v FROM kv WHERE k IN ({','.join('?' * len(keys))})", keys

    def bulk(self, keys, values):
        self.db.execute("BEGIN")
        self.db.executemany("INSERT INTO kv VALUES (?, ?)", zip(map(int, keys), values))
        self.db.execute("COMMIT")

    def reader(self):
        pass

    def getter(self):
        execute = self.db.execute
        return lambda key: execute("SELECT v FROM kv WHERE k = ?", key).fetchone()

    def putter(self):
        execute = self.db.execute
        return lambda item: execute("INSERT OR REPLACE INTO kv VALUES (?, ?)", (int.from_bytes(item[0], "big") - SIGN,
                                                                              item[1]))

    def iterate(self):
        return sum(1 for _ in self.db.execute("SELECT k, v FROM kv ORDER BY k"))

    def batch_get(self, prepared):
        return self.db.execute(*prepared).fetchall()

    def close(self):
        self.db.close()


class PlyvelStore(Store):
    name, module = "py-plyvel", "plyvel"

    def __init__(self, path, payload):
        import plyvel
        self.version = f"{plyvel.__version__} (LevelDB {plyvel.__leveldb_version__})"
        self.db = plyvel.DB(path, create_if_missing=True, bloom_filter_bits=10,
                            lru_cache_size=int(payload * 1.5) + (32 << 20))

    def bulk(self, keys, values):
        with self.db.write_batch(sync=False) as wb:
            for k, v in zip(keys, values):
                wb.put(be_key(k), v)
        self.db.compact_range()

    def reader(self):
        pass

    def getter(self):
        return self.db.get

    def putter(self):
        put = self.db.put
        return lambda item: put(item[0], item[1], sync=False)

    def iterate(self):
        return sum(1 for _ in self.db.iterator())

    def batch_get(self, prepared):  # plyvel has no multi-get
        return list(map(self.db.get, prepared))

    def close(self):
        self.db.close()


class RocksdictStore(Store):
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
        wb = rocksdict.WriteBatch(raw_mode=True)
        for k, v in zip(keys, values):
            wb.put(be_key(k), v)
        self.db.write(wb)
        self.db.flush()

    def reader(self):
        pass

    def getter(self):
        return self.db.get

    def putter(self):
        put = self.db.put
        return lambda item: put(item[0], item[1])

    def iterate(self):
        return sum(1 for _ in self.db.items())

    def batch_get(self, prepared):
        return self.db.get(prepared)

    def close(self):
        self.db.close()


class OmenStore(Store):
    name, module = "py-omendb", "omendb"
    extra = ("py-multi-get-list", "py-multi-get-copy", "py-multi-get-view")

    def __init__(self, path, payload):
        import omendb
        self.version = omendb.__version__
        self.db = omendb.Database(os.path.join(path, "db"), sync="off")  # as the peers: no fsync per commit
        self.snapshot = None

    def prepare_keys(self, keys):
        return list(keys)

    def prepare_batch(self, array):
        return array

    def bulk(self, keys, values):
        self.db.bulk_load(keys, values)
        self.reader()

    def reader(self):
        if self.snapshot is not None:
            self.snapshot.close()
        self.snapshot = self.db.snapshot()

    def getter(self):
        return self.db.get

    def putter(self):
        put = self.db.put
        return lambda item: put(item[0], item[1])

    def iterate(self):
        count = 0
        for _ in self.db.items():
            count += 1
        return count

    def batch_get(self, prepared):
        # multi_get_arrays from issue 12 on; multi_get (a list) to measure older bindings.
        return getattr(self.db, "multi_get_arrays", self.db.multi_get)(prepared)

    def run_extra(self, workload, prepared):
        if workload == "py-multi-get-list":
            return self.db.multi_get(prepared)
        if workload == "py-multi-get-copy":
            return self.snapshot.multi_get_bytes(prepared)
        views = self.snapshot.multi_get(prepared)
        for view in views:
            view.release()  # as a `with` over them would; the snapshot keeps no other reference
        return views

    def close(self):
        self.snapshot.close()
        self.db.close()


STORES = {"omendb": OmenStore, "lmdb": LmdbStore, "sqlite3": SqliteStore, "plyvel": PlyvelStore,
          "rocksdict": RocksdictStore}


def git(*args):
    try:
        return subprocess.run(["git", "-C", ROOT, *args], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (subprocess.CalledProcessError, FileNotFoundError):
        return ""


def check_batch(store, array, got):
    if hasattr(got, "found"):  # omendb's ValueArrays
        count = int(got.found.sum())
    else:
        count = sum(1 for entry in got if entry is not None)
    if count != len(array):
        raise RuntimeError(f"{store.name}: batch get found {count} of {len(array)} keys")


def run(args, stores, keys, new_keys, emit):
    """Every workload on every store, rep by rep, stores in alternating order."""
    rng = np.random.default_rng(args.seed + 1)
    per_rep = min(args.ops, len(new_keys) // (args.reps + 1))
    results = {}  # (store, workload) -> [ns per op, one per rep]
    inserted = 0
    for rep in range(-1, args.reps):
        order = stores if rep % 2 else stores[::-1]
        sample = keys[rng.integers(0, len(keys), args.ops)].tolist()
        batches = [keys[rng.choice(len(keys), BATCH, replace=False)] for _ in range(max(1, args.ops // BATCH))]
        chunk = new_keys[(rep + 1) * per_rep:(rep + 2) * per_rep].tolist()
        values = [value_for(k, args.value_size) for k in chunk]
        inserted += len(chunk)

        def record(store, workload, ns_per_op):
            if rep >= 0:
                results.setdefault((store.name, workload), []).append(ns_per_op)

        for store in order:  # single gets
            prepared = store.prepare_keys(sample)
            get = store.getter()
            ns = timed(get, prepared)
            if get(prepared[0]) is None:
                raise RuntimeError(f"{store.name}: key {sample[0]} missing")
            record(store, "py-get", ns / len(prepared))
        for store in order:  # batch gets (numpy arrays for omendb, the peer's multi-get otherwise)
            prepared = [store.prepare_batch(b) for b in batches]
            for p in prepared:  # warm: every variant below then reads the same, cached, keys
                store.batch_get(p)
            t0 = time.perf_counter_ns()
            for p in prepared:
                store.batch_get(p)
            ns = time.perf_counter_ns() - t0
            check_batch(store, batches[0], store.batch_get(prepared[0]))
            record(store, "py-batch-get", ns / (len(batches) * BATCH))
            for workload in store.extra:
                t0 = time.perf_counter_ns()
                for p in prepared:
                    store.run_extra(workload, p)
                ns = time.perf_counter_ns() - t0
                got = store.run_extra(workload, prepared[0])
                if len(got) != BATCH or any(v is None for v in got):
                    raise RuntimeError(f"{store.name}: {workload} missed keys")
                record(store, workload, ns / (len(batches) * BATCH))
        for store in order:  # single puts of new keys, one commit each
            items = list(zip(store.prepare_keys(chunk), values))
            ns = timed(store.putter(), items)
            record(store, "py-put", ns / len(items))
            store.reader()  # a reader that wants to see the new keys renews its view
        for store in order:  # full iteration
            t0 = time.perf_counter_ns()
            count = store.iterate()
            ns = time.perf_counter_ns() - t0
            if count != len(keys) + inserted:
                raise RuntimeError(f"{store.name}: iteration saw {count} keys, expected {len(keys) + inserted}")
            record(store, "py-iterate", ns / count)

    for (name, workload), samples in results.items():
        store = next(s for s in stores if s.name == name)
        for run_index, ns in enumerate(samples):
            base = dict(store=name, workload=workload, dataset="uniform", n=args.n, value_size=args.value_size,
                        run=run_index, version=store.version)
            if workload == "py-put":
                emit(dict(base, metric="insert_ops_s", value=1e9 / ns, unit="ops/s"))
            elif workload == "py-iterate":
                emit(dict(base, metric="scan_keys_s", value=1e9 / ns, unit="keys/s"))
            else:
                emit(dict(base, metric="get_ns", value=ns, unit="ns"))
    return {key: statistics.median(samples) for key, samples in results.items()}


TARGETS = {  # issue 12: OmenDB's time / py-lmdb's time
    "py-get": ("<= 1.2", lambda r: r <= 1.2),
    "py-put": ("<= 1.0", lambda r: r <= 1.0),
    "py-iterate": ("<= 1.0", lambda r: r <= 1.0),
    "py-batch-get": ("<= 0.25 (4x faster)", lambda r: r <= 0.25),
}


def get_breakdown(args, omen, lmdb, keys):
    """Where a Database.get's time goes, cumulatively, as ratios of py-lmdb's get
    (per repetition the fastest of 3 interleaved rounds of each; the median over
    repetitions): the bare ctypes call of omendb_get with
    the binding's pre-bound c_void_p arguments, + the key checks, + taking and
    returning a pooled buffer (the in-flight count), + copying the value out
    (= the binding's get, measured separately as a check)."""
    import ctypes
    from omendb import database as binding
    db = omen.db
    c_get = db._api.fast_get
    handle = db._address
    address, length_address, prefixes, length = binding._read_buffer()
    capacity = binding._GET_BUFFER_BYTES
    low, high = binding._INT64_MIN, binding._INT64_MAX
    pool = [(address, length_address, prefixes, length)]

    def bare(key):
        return c_get(handle, key, address, capacity, length_address)

    def checked(key):
        if type(key) is not int or not low <= key <= high:
            raise TypeError
        return c_get(handle, key, address, capacity, length_address)

    def pooled(key):
        if type(key) is not int or not low <= key <= high:
            raise TypeError
        try:
            buffer = pool.pop()
        except IndexError:
            raise RuntimeError from None
        try:
            if db._closed:
                raise ValueError
            a, l, p, n = buffer
            return c_get(handle, key, a, capacity, l)
        finally:
            pool.append(buffer)
            if db._closed:
                pass

    steps = [("bare ctypes call (5 c_void_p arguments)", bare), ("+ key type and range checks", checked),
             ("+ pooled buffer / in-flight count, closed checks", pooled), ("+ value copy to bytes = Database.get",
                                                                             db.get)]
    rng = np.random.default_rng(args.seed + 2)
    ratios = {name: [] for name, _ in steps}
    for _ in range(args.reps):
        sample = keys[rng.integers(0, len(keys), args.ops)].tolist()
        encoded = lmdb.prepare_keys(sample)
        best = {}  # per repetition, each step's fastest of 3 interleaved rounds (load spikes hit one round)
        for _ in range(3):
            best["lmdb"] = min(best.get("lmdb", float("inf")), timed(lmdb.getter(), encoded))
            for name, fn in steps:
                best[name] = min(best.get(name, float("inf")), timed(fn, sample))
        for name, _ in steps:
            ratios[name].append(best[name] / best["lmdb"])
    return [(name, statistics.median(values)) for name, values in ratios.items()]


def print_table(medians, stores, out):
    names = [s.name for s in stores]
    workloads = []
    for _, workload in medians:
        if workload not in workloads:
            workloads.append(workload)
    out.write("| workload (median ns per key/op) | " + " | ".join(names) +
              (" | omendb / lmdb | target |" if "py-lmdb" in names and "py-omendb" in names else " |") + "\n")
    out.write("|---|" + "---:|" * len(names) + ("---:|---|" if "py-lmdb" in names and "py-omendb" in names else "")
              + "\n")
    for workload in workloads:
        cells = [f"{medians[(n, workload)]:.0f}" if (n, workload) in medians else "" for n in names]
        row = f"| {workload} | " + " | ".join(cells) + " |"
        if "py-lmdb" in names and "py-omendb" in names:
            omen = medians.get(("py-omendb", workload))
            lmdb = medians.get(("py-lmdb", workload))
            if workload in ("py-multi-get-view",) and ("py-omendb", "py-multi-get-copy") in medians:
                ratio = omen / medians[("py-omendb", "py-multi-get-copy")]
                row += f" {ratio:.2f}x of copy | <= 1.0 of copy: {'met' if ratio <= 1.0 else 'MISSED'} |"
            elif omen is not None and lmdb is not None:
                ratio = omen / lmdb
                target = TARGETS.get(workload)
                row += f" {ratio:.2f}x | " + (f"{target[0]}: {'met' if target[1](ratio) else 'MISSED'}"
                                              if target else "") + " |"
            else:
                row += " | |"
        out.write(row + "\n")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--value-size", type=int, default=100)
    p.add_argument("--ops", type=int, default=20_000, help="operations per workload and repetition")
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--stores", default="omendb,lmdb",
                   help=f"comma-separated, from {','.join(STORES)} (missing packages are skipped)")
    p.add_argument("--out")
    p.add_argument("--tmpdir", default=os.path.join(BENCH, ".cache"))
    args = p.parse_args()
    os.makedirs(args.tmpdir, exist_ok=True)
    print(f"seed {args.seed}; load average at start {os.getloadavg()}", file=sys.stderr)

    rng = np.random.default_rng(args.seed)
    pool = np.unique(rng.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max, 2 * args.n, dtype=np.int64))
    rng.shuffle(pool)
    keys = np.sort(pool[: args.n])
    new_keys = pool[args.n:]
    values = [value_for(k, args.value_size) for k in keys.tolist()]

    commit = git("rev-parse", "--short=12", "HEAD") or "nocommit"
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d")
    out_path = args.out or os.path.join(BENCH, "results", f"python-{today}-{commit}.jsonl")
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    started = time.time()
    load_start = os.getloadavg()
    skipped, stores, dirs = [], [], []
    try:
        for name in args.stores.split(","):
            cls = STORES[name]
            try:
                __import__(cls.module)
            except ImportError as e:
                skipped.append(f"{cls.name}: {e}")
                print(f"skipping {cls.name}: {e}", file=sys.stderr)
                continue
            path = tempfile.mkdtemp(prefix="py-", dir=args.tmpdir)
            dirs.append(path)
            store = cls(path, args.n * (8 + args.value_size) * 3)
            store.bulk(keys, values)
            stores.append(store)
        with open(out_path, "a") as out:
            medians = run(args, stores, keys, new_keys, lambda rec: out.write(json.dumps(rec) + "\n"))
        names = {store.name: store for store in stores}
        breakdown = (get_breakdown(args, names["py-omendb"], names["py-lmdb"], keys)
                     if "py-omendb" in names and "py-lmdb" in names
                     and hasattr(names["py-omendb"].db._api, "fast_get") else [])  # not in older bindings
        for store in stores:
            store.close()
    finally:
        for path in dirs:
            shutil.rmtree(path, ignore_errors=True)
    print_table(medians, stores, sys.stdout)
    if breakdown:
        print("\n| Database.get, cumulatively (median of reps) | time / py-lmdb get |\n|---|---:|")
        for name, ratio in breakdown:
            print(f"| {name} | {ratio:.2f}x |")
    meta = dict(started_utc=datetime.datetime.fromtimestamp(started, datetime.timezone.utc).isoformat(),
                duration_s=round(time.time() - started, 1), command="bench/python_bench.py " + " ".join(sys.argv[1:]),
                git_commit=git("rev-parse", "HEAD"), git_dirty=bool(git("status", "--porcelain", "--untracked-files=no")),
                python=sys.version.split()[0], numpy=np.__version__, ran=[s.name for s in stores], skipped=skipped,
                failures=[], loadavg_at_start=load_start, loadavg_at_end=os.getloadavg(), seed=args.seed,
                ratios_vs_lmdb={w: medians[("py-omendb", w)] / medians[("py-lmdb", w)] for (n, w) in medians
                                if n == "py-omendb" and ("py-lmdb", w) in medians},
                get_breakdown_vs_lmdb=dict(breakdown))
    with open(out_path[: -len(".jsonl")] + ".meta.jsonl" if out_path.endswith(".jsonl") else out_path + ".meta", "a") as f:
        f.write(json.dumps(meta) + "\n")
    print(f"results -> {out_path}; load average at end {os.getloadavg()}", file=sys.stderr)


if __name__ == "__main__":
    main()
