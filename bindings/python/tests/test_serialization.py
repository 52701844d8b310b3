"""serialize()/load() and pickling: a loaded index answers exactly like the one
that was saved; damaged bytes and wrong keys are refused with clear errors."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import omendb
from omendb import _ffi
from test_reference import probes_for

KINDS = ["pgm", "rmi", "linear", "alex", "auto"]


@pytest.fixture(autouse=True)
def need_serialization():
    if not _ffi.api().has("index_serialize"):
        pytest.skip("the loaded library has no serialization")


def build(keys, kind, **options):
    try:
        return omendb.LearnedIndex(keys, kind=kind, **options)
    except omendb.UnsupportedError as error:
        pytest.skip(str(error))


@pytest.mark.parametrize("kind", KINDS)
def test_loaded_index_answers_like_the_saved_one(distribution, kind):
    name, keys = distribution
    probes = probes_for(keys, seed=23, random_count=100)
    with build(keys, kind) as original:
        models = original.serialize()
        assert isinstance(models, bytes) and len(models) > 0
        with omendb.LearnedIndex.load(keys, models) as loaded:
            assert loaded.stats == original.stats
            assert loaded.kind == original.stats.kind
            assert loaded.epsilon is None and loaded.search is None
            np.testing.assert_array_equal(loaded.lower_bound_batch(probes), original.lower_bound_batch(probes))
            np.testing.assert_array_equal(loaded.find_batch(keys), original.find_batch(keys))
            assert loaded.serialize() == models  # the format is deterministic


def test_load_reads_keys_in_place_with_copy_false():
    keys = np.arange(0, 10_000, 7, dtype=np.int64)
    models = omendb.LearnedIndex(keys).serialize()
    with omendb.LearnedIndex.load(keys, models, copy=False) as loaded:
        assert np.shares_memory(loaded.keys, keys)
    with omendb.LearnedIndex.load(keys, models) as loaded:
        assert not np.shares_memory(loaded.keys, keys) and not loaded.keys.flags.writeable


@pytest.mark.parametrize("wrap", [bytes, bytearray, memoryview, lambda b: np.frombuffer(b, dtype=np.uint8)],
                         ids=["bytes", "bytearray", "memoryview", "uint8_array"])
def test_models_may_be_any_bytes_like(wrap):
    keys = np.arange(1000, dtype=np.int64) * 3
    models = omendb.LearnedIndex(keys).serialize()
    with omendb.LearnedIndex.load(keys, wrap(models)) as loaded:
        assert loaded.find(2997) == 999


def test_non_contiguous_models_are_copied_then_read():
    keys = np.arange(1000, dtype=np.int64)
    models = omendb.LearnedIndex(keys).serialize()
    spread = np.zeros(2 * len(models), dtype=np.uint8)
    spread[::2] = np.frombuffer(models, dtype=np.uint8)
    with omendb.LearnedIndex.load(keys, spread[::2]) as loaded:
        assert loaded.find(500) == 500


@pytest.mark.parametrize("models", ["text", 5, None, [1, 2, 3]])
def test_models_of_the_wrong_type(models):
    with pytest.raises(TypeError, match="bytes-like"):
        omendb.LearnedIndex.load([1, 2, 3], models)


def test_every_damaged_byte_is_detected():
    keys = np.sort(np.random.default_rng(8).integers(-10 ** 15, 10 ** 15, 5000, dtype=np.int64))
    models = bytearray(omendb.LearnedIndex(keys, epsilon=8).serialize())
    for position in range(len(models)):
        damaged = bytearray(models)
        damaged[position] ^= 0x20
        with pytest.raises((omendb.CorruptionError, omendb.UnsupportedError)) as caught:
            omendb.LearnedIndex.load(keys, damaged)
        assert caught.value.message.startswith("omendb_index_load"), position


@pytest.mark.parametrize("length", [0, 1, 8, -1])
def test_truncated_models_are_corruption(length):
    keys = np.arange(100, dtype=np.int64)
    models = omendb.LearnedIndex(keys).serialize()
    with pytest.raises(omendb.CorruptionError):
        omendb.LearnedIndex.load(keys, models[:length])


def test_models_over_other_keys_are_refused():
    keys = np.arange(0, 20_000, 2, dtype=np.int64)
    models = omendb.LearnedIndex(keys).serialize()
    other_count = keys[:-1]
    other_last = keys.copy()
    other_last[-1] += 1
    for other in (other_count, other_last, keys + 1):
        with pytest.raises(omendb.InvalidArgumentError, match="omendb_index_load"):
            omendb.LearnedIndex.load(other, models)
    with pytest.raises(omendb.InvalidArgumentError):
        omendb.LearnedIndex.load(keys[::-1].copy(), models)


def test_serialize_after_close():
    index = omendb.LearnedIndex([1, 2, 3])
    index.close()
    with pytest.raises(omendb.ClosedError):
        index.serialize()


@pytest.mark.parametrize("kind", KINDS)
def test_pickle_keeps_models_and_options(kind):
    keys = np.sort(np.random.default_rng(4).lognormal(0, 2, 20_000) * 1e6).astype(np.int64)
    with build(keys, kind, epsilon=16, search="branchless") as index:
        data = pickle.dumps(index)
        clone = pickle.loads(data)
        with clone:
            assert clone.stats == index.stats
            assert (clone.kind, clone.epsilon, clone.search) == (kind, 16, "branchless")
            np.testing.assert_array_equal(clone.find_batch(keys[::3]), index.find_batch(keys[::3]))
