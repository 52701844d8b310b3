"""LearnedIndex answers compared with independent references (bisect over a
Python list, numpy.searchsorted) across every key distribution."""

from __future__ import annotations

import bisect
from typing import List

import numpy as np
import pytest

import omendb
from conftest import INT64_MAX, INT64_MIN

CONFIGURATIONS = [
    dict(kind="pgm"),
    dict(kind="pgm", epsilon=1, recursive_epsilon=1),
    dict(kind="pgm", epsilon=16, search="branchless"),
    dict(kind="pgm", epsilon=1024, recursive_epsilon=64),
    dict(kind="auto"),
    dict(kind="linear"),
    dict(kind="rmi"),
    dict(kind="rmi", rmi_leaves=7, search="branchless"),
    dict(kind="alex"),
]


def probes_for(keys: np.ndarray, seed: int = 5, random_count: int = 300) -> np.ndarray:
    """Present keys, their neighbours (absent between distinct keys), the int64
    extremes and random values over the whole range."""
    rng = np.random.default_rng(seed)
    chosen: List[int] = [INT64_MIN, INT64_MIN + 1, -1, 0, 1, INT64_MAX - 1, INT64_MAX]
    if keys.size:
        sample = keys[rng.integers(0, keys.size, min(keys.size, 400))] if keys.size > 400 else keys
        for key in sample.tolist():
            chosen.extend(k for k in (key - 1, key, key + 1) if INT64_MIN <= k <= INT64_MAX)
        chosen.extend([int(keys[0]), int(keys[-1])])
    chosen.extend(rng.integers(INT64_MIN, INT64_MAX, random_count, dtype=np.int64, endpoint=True).tolist())
    return np.array(chosen, dtype=np.int64)


def reference_find(reference: List[int], key: int):
    position = bisect.bisect_left(reference, key)
    return position if position < len(reference) and reference[position] == key else None


def build_or_skip(keys, **configuration):
    """Builds the index; skips when the loaded library lacks the kind."""
    try:
        return omendb.LearnedIndex(keys, **configuration)
    except omendb.UnsupportedError as error:
        pytest.skip(str(error))


def configuration_id(configuration):
    return "-".join(f"{key}={value}" for key, value in configuration.items())


@pytest.mark.parametrize("configuration", CONFIGURATIONS, ids=configuration_id)
def test_scalar_lookups_match_bisect(distribution, configuration):
    name, keys = distribution
    reference = keys.tolist()
    with build_or_skip(keys, **configuration) as index:
        assert len(index) == len(reference)
        for key in probes_for(keys).tolist():
            expected = bisect.bisect_left(reference, key)
            assert index.lower_bound(key) == expected, (name, key)
            assert index.find(key) == reference_find(reference, key), (name, key)
            assert (key in index) == (reference_find(reference, key) is not None)


@pytest.mark.parametrize("configuration", CONFIGURATIONS, ids=configuration_id)
def test_every_key_is_found_at_its_first_occurrence(distribution, configuration):
    name, keys = distribution
    with build_or_skip(keys, **configuration) as index:
        first_occurrence = np.searchsorted(keys, keys, side="left")
        positions = index.find_batch(keys)
        np.testing.assert_array_equal(positions, first_occurrence, err_msg=name)
        # Scalar calls on a deterministic subset of every key.
        for i in range(0, keys.size, max(1, keys.size // 500)):
            assert index.find(int(keys[i])) == first_occurrence[i]


@pytest.mark.parametrize("configuration", CONFIGURATIONS[::3], ids=configuration_id)
def test_batch_equals_scalar_and_searchsorted(distribution, configuration):
    name, keys = distribution
    probes = probes_for(keys, seed=11)
    with build_or_skip(keys, **configuration) as index:
        lower = index.lower_bound_batch(probes)
        found = index.find_batch(probes)
        assert lower.dtype == np.int64 and found.dtype == np.int64
        np.testing.assert_array_equal(lower, np.searchsorted(keys, probes, side="left"), err_msg=name)
        for probe, lower_position, found_position in zip(probes.tolist(), lower.tolist(), found.tolist()):
            assert index.lower_bound(probe) == lower_position
            single = index.find(probe)
            assert (single if single is not None else -1) == found_position


def test_ranges_and_slices_match_bisect(distribution):
    name, keys = distribution
    reference = keys.tolist()
    rng = np.random.default_rng(3)
    probes = probes_for(keys, seed=17, random_count=50).tolist()
    pairs = [(probes[i], probes[j]) for i, j in rng.integers(0, len(probes), (300, 2))]
    pairs += [(INT64_MIN, INT64_MAX), (INT64_MAX, INT64_MIN), (0, 0), (INT64_MIN, INT64_MIN),
              (INT64_MAX, INT64_MAX)]
    if reference:
        pairs += [(reference[0], reference[-1]), (reference[0], reference[0]),
                  (reference[-1], INT64_MAX), (INT64_MIN, reference[0])]
    with omendb.LearnedIndex(keys) as index:
        for lo, hi in pairs:
            first = bisect.bisect_left(reference, lo)
            count = max(0, bisect.bisect_left(reference, hi) - first) if hi > lo else 0
            assert index.range(lo, hi) == (first, count), (name, lo, hi)
            view = index.slice(lo, hi)
            assert view.tolist() == reference[first:first + count]
            assert all(lo <= key < hi for key in view.tolist())


def test_range_counts_duplicates():
    keys = np.array([1, 2, 2, 2, 3, 3, 9], dtype=np.int64)
    with omendb.LearnedIndex(keys) as index:
        assert index.range(2, 3) == (1, 3)
        assert index.range(2, 4) == (1, 5)
        assert index.range(4, 9) == (6, 0)
        assert index.range(3, 2) == (4, 0)
        assert index.find(3) == 4
        assert index.slice(2, 10).tolist() == [2, 2, 2, 3, 3, 9]


@pytest.mark.parametrize("kind", ["pgm", "rmi", "auto"])
def test_large_index_against_searchsorted(kind):
    rng = np.random.default_rng(99)
    keys = np.sort(rng.integers(INT64_MIN, INT64_MAX, 1_000_000, dtype=np.int64, endpoint=True))
    queries = np.concatenate([keys[::7], rng.integers(INT64_MIN, INT64_MAX, 200_000, dtype=np.int64)])
    with build_or_skip(keys, kind=kind, copy=False) as index:
        expected = np.searchsorted(keys, queries, side="left")
        np.testing.assert_array_equal(index.lower_bound_batch(queries), expected)
        present = (expected < keys.size) & (keys[np.minimum(expected, keys.size - 1)] == queries)
        np.testing.assert_array_equal(index.find_batch(queries), np.where(present, expected, -1))
        stats = index.stats
        assert stats.key_count == keys.size
        assert stats.size_bytes > 0 and stats.bytes_per_key == pytest.approx(stats.size_bytes / keys.size)


def test_stats_fields(distribution):
    name, keys = distribution
    with omendb.LearnedIndex(keys, epsilon=32) as index:
        stats = index.stats
    assert isinstance(stats, omendb.IndexStats)
    assert stats.kind == "pgm"
    assert stats.key_count == keys.size
    assert stats.level_count >= (1 if keys.size else 0)
    assert stats.model_count >= (1 if keys.size else 0)
    # The error bound is epsilon (plus rounding) for distinct keys; a run of equal
    # keys widens it by up to the run's length (one model cannot put them all at
    # their first position).
    longest_run = int(np.max(np.diff(np.flatnonzero(np.diff(np.r_[np.nan, keys, np.nan]) != 0)))) if keys.size else 0
    assert stats.max_error <= 32 + 2 + max(0, longest_run - 1), (name, stats)
    assert stats.size_bytes >= 0
    assert stats.bytes_per_key == (pytest.approx(stats.size_bytes / keys.size) if keys.size else 0.0)
    assert isinstance(stats.note, str) and stats.note
    with pytest.raises(AttributeError):
        stats.kind = "rmi"  # frozen


def test_auto_reports_the_kind_it_built():
    with omendb.LearnedIndex(np.arange(1000), kind="auto") as index:
        assert index.kind == "auto"
        assert index.stats.kind != "auto"
