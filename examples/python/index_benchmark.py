"""Measures the Python binding's lookup cost against Python/numpy peers, in one run.

    OMENDB_LIBRARY=$PWD/.build/release/libomendb.so python examples/python/index_benchmark.py [n] [repeats] [kind]

Scalar: LearnedIndex.find/lower_bound vs bisect.bisect_left on a list and
numpy.searchsorted on one key (the per-call cost is mostly ctypes' overhead).
Batch: find_batch/lower_bound_batch vs numpy.searchsorted over the same query
array. Reports the median of `repeats` runs of each and ratios to the peers.
"""

from __future__ import annotations

import bisect
import os
import statistics
import sys
import time
from typing import Callable, List

import numpy as np

try:
    import omendb
except ImportError:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bindings", "python"))
    import omendb


def median_seconds(run: Callable[[], object], repeats: int) -> float:
    times: List[float] = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    kind = sys.argv[3] if len(sys.argv) > 3 else "pgm"
    rng = np.random.default_rng(42)
    keys = np.sort(rng.integers(-(2 ** 63), 2 ** 63 - 1, n, dtype=np.int64))
    batch = rng.choice(keys, 1_000_000)
    scalar = batch[:100_000].tolist()
    as_list = keys.tolist()

    index = omendb.LearnedIndex(keys, kind=kind, copy=False)
    stats = index.stats
    print(f"n={n:,} uniform int64 keys; {kind} built {stats.kind}: {stats.size_bytes:,} bytes "
          f"({stats.bytes_per_key:.4f} B/key); medians of {repeats} runs; library {omendb.library_path()}")

    find, lower, bisect_left, searchsorted = index.find, index.lower_bound, bisect.bisect_left, np.searchsorted
    results = {
        "find (scalar)": median_seconds(lambda: [find(k) for k in scalar], repeats) / len(scalar),
        "lower_bound (scalar)": median_seconds(lambda: [lower(k) for k in scalar], repeats) / len(scalar),
        "bisect_left on list": median_seconds(lambda: [bisect_left(as_list, k) for k in scalar], repeats) / len(scalar),
        "np.searchsorted (scalar)": median_seconds(lambda: [searchsorted(keys, k) for k in scalar[:20_000]],
                                                   repeats) / 20_000,
        "find_batch": median_seconds(lambda: index.find_batch(batch), repeats) / batch.size,
        "lower_bound_batch": median_seconds(lambda: index.lower_bound_batch(batch), repeats) / batch.size,
        "np.searchsorted (batch)": median_seconds(lambda: np.searchsorted(keys, batch), repeats) / batch.size,
        "np.searchsorted (batch, sorted queries)": median_seconds(
            lambda: np.searchsorted(keys, np.sort(batch)), repeats) / batch.size,
    }
    for name, seconds in results.items():
        print(f"  {name:42s} {seconds * 1e9:9.1f} ns/lookup")
    print(f"ratios: find / bisect = {results['find (scalar)'] / results['bisect_left on list']:.2f}, "
          f"lower_bound_batch / np.searchsorted = "
          f"{results['lower_bound_batch'] / results['np.searchsorted (batch)']:.2f}, "
          f"find_batch / np.searchsorted = {results['find_batch'] / results['np.searchsorted (batch)']:.2f}")
    index.close()


if __name__ == "__main__":
    main()
