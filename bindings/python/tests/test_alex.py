"""The "alex" kind: this library provides it, so it must build (no skipping) and
answer like bisect, and its models must round-trip through serialize()/load()."""

from __future__ import annotations

import bisect

import numpy as np
import pytest

import omendb
from conftest import DISTRIBUTIONS
from test_reference import probes_for

NAMES = ["empty", "one_min", "min_max", "two_equal", "sequential", "gaps", "uniform_full_int64",
         "lognormal", "clustered", "extremes", "duplicates_runs", "all_equal"]


@pytest.mark.parametrize("name", NAMES)
def test_alex_answers_like_bisect(name):
    keys = DISTRIBUTIONS[name]
    reference = keys.tolist()
    probes = probes_for(keys, seed=11)
    with omendb.LearnedIndex(keys, kind="alex") as index:
        assert index.stats.kind == "alex"
        expected = [bisect.bisect_left(reference, key) for key in probes.tolist()]
        np.testing.assert_array_equal(index.lower_bound_batch(probes), expected, err_msg=name)
        for key, position in zip(probes.tolist()[:300], expected):
            assert index.lower_bound(key) == position, (name, key)
        np.testing.assert_array_equal(index.find_batch(keys), np.searchsorted(keys, keys, side="left"))
        if keys.size:
            assert index.stats.size_bytes > 0 and index.stats.model_count >= 1


@pytest.mark.parametrize("name", ["sequential", "lognormal", "clustered", "duplicates_runs", "empty"])
def test_alex_round_trips_without_refitting(name):
    keys = DISTRIBUTIONS[name]
    probes = probes_for(keys, seed=3, random_count=200)
    with omendb.LearnedIndex(keys, kind="alex") as original:
        models = original.serialize()
        with omendb.LearnedIndex.load(keys, models) as loaded:
            assert loaded.stats == original.stats
            assert loaded.serialize() == models
            np.testing.assert_array_equal(loaded.lower_bound_batch(probes), original.lower_bound_batch(probes))
        damaged = bytearray(models)
        damaged[len(damaged) // 2] ^= 0x01
        with pytest.raises(omendb.CorruptionError):
            omendb.LearnedIndex.load(keys, damaged)
        if keys.size > 1:
            with pytest.raises(omendb.InvalidArgumentError):
                omendb.LearnedIndex.load(keys[1:], models)
