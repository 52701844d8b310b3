"""A short tour of omendb.LearnedIndex.

Run from the repository root after `swift build -c release`:

    OMENDB_LIBRARY=$PWD/.build/release/libomendb.so python examples/python/index_demo.py

(or `pip install ./bindings/python` first; without the install, this script
falls back to the source tree in bindings/python).
"""

from __future__ import annotations

import os
import sys

import numpy as np

try:
    import omendb
except ImportError:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bindings", "python"))
    import omendb


def main() -> None:
    print(f"omendb {omendb.__version__}, library {omendb.library_version()} at {omendb.library_path()}")

    # One million sorted keys from a skewed (lognormal) distribution, with duplicates.
    rng = np.random.default_rng(2026)
    keys = np.sort((rng.lognormal(mean=0.0, sigma=2.0, size=1_000_000) * 1e6).astype(np.int64))

    with omendb.LearnedIndex(keys, kind="pgm", epsilon=64) as index:
        stats = index.stats
        print(f"{len(index):,} keys -> {stats.model_count:,} models in {stats.level_count} levels, "
              f"{stats.size_bytes:,} bytes ({stats.bytes_per_key:.3f} bytes/key), max error {stats.max_error}")
        print(f"note: {stats.note}")

        key = int(keys[123_456])
        print(f"find({key}) -> {index.find(key)}  (first occurrence; keys[123456] == {key})")
        print(f"find({key} + 1) present? {key + 1 in index}")
        print(f"lower_bound(10**6) -> {index.lower_bound(10**6)}")

        first, count = index.range(10**6, 2 * 10**6)
        window = index.slice(10**6, 2 * 10**6)  # a zero-copy numpy view
        print(f"keys in [1e6, 2e6): {count:,} starting at position {first:,}; "
              f"view {window[:3]}..., shares memory with the index: {np.shares_memory(window, index.keys)}")

        # Batch lookups: the query array is read in place, the GIL is released.
        queries = np.concatenate([keys[::1000], rng.integers(0, keys[-1], 1000)])
        positions = index.find_batch(queries)
        print(f"find_batch over {queries.size:,} queries: {(positions >= 0).sum():,} found")
        assert np.array_equal(index.lower_bound_batch(queries), np.searchsorted(keys, queries))

        # The models (not the keys) serialize to a few KB and load back without refitting.
        models = index.serialize()
        with omendb.LearnedIndex.load(keys, models) as loaded:
            print(f"serialized models: {len(models):,} bytes; loaded index finds the same: "
                  f"{np.array_equal(loaded.find_batch(queries), positions)}")

    # Errors carry the status code and the library's message.
    try:
        omendb.LearnedIndex([3, 1, 2])
    except omendb.InvalidArgumentError as error:
        print(f"unsorted input -> {type(error).__name__} (code {error.code}): {error}")
    try:
        index.find(1)
    except omendb.ClosedError as error:
        print(f"after close -> {type(error).__name__}: {error}")
    print(f"the view outlives the index: {window[:3]}")


if __name__ == "__main__":
    main()
