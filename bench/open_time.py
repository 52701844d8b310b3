#!/usr/bin/env python3
"""Open time of an existing OmenDB database with many keys (issue 4's "10M keys
opens in <= 50 ms" target): bulk-loads N random keys with 8-byte values once, then
times `omendb.open` + close several times (warm page cache) and prints the median.

    OMENDB_LIBRARY=.build/release/libomendb.so PYTHONPATH=bindings/python \\
        python3 bench/open_time.py [N] [REPEATS]
"""
import shutil
import statistics
import sys
import tempfile
import time

import numpy as np

import omendb

n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 7
directory = tempfile.mkdtemp(prefix="omendb-open-")
try:
    path = directory + "/db"
    keys = np.sort(np.random.default_rng(1).choice(2**62, n, replace=False).astype(np.int64))
    with omendb.open(path, sync="off") as db:
        db.bulk_load(keys, [b"12345678"] * n)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        db = omendb.open(path)
        times.append((time.perf_counter() - start) * 1e3)
        db.close()
    print(f"open of {n:,} keys: median {statistics.median(times):.1f} ms "
          f"(min {min(times):.1f}, max {max(times):.1f}, {repeats} opens)")
finally:
    shutil.rmtree(directory, ignore_errors=True)
