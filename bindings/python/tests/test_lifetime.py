"""Ownership, zero-copy and lifetime: who holds which array, and what happens
on close, deletion, garbage collection and concurrent use."""

from __future__ import annotations

import gc
import pickle
import threading
import weakref

import numpy as np
import pytest

import omendb
from omendb import _ffi


def test_default_takes_a_private_read_only_copy():
    keys = np.arange(0, 1000, 2, dtype=np.int64)
    index = omendb.LearnedIndex(keys)
    assert not np.shares_memory(index.keys, keys)
    assert not index.keys.flags.writeable
    with pytest.raises(ValueError):
        index.keys[0] = 5
    with pytest.raises(ValueError):
        index.keys.flags.writeable = True  # a view of a read-only array cannot be made writable
    keys[:] = -1  # the caller's array is theirs to change; the index is unaffected
    assert index.find(4) == 2
    assert keys.flags.writeable
    index.close()


def test_copy_false_reads_the_callers_array_in_place():
    keys = np.arange(0, 1000, 2, dtype=np.int64)
    with omendb.LearnedIndex(keys, copy=False) as index:
        assert np.shares_memory(index.keys, keys)
        assert index.keys.__array_interface__["data"][0] == keys.__array_interface__["data"][0]
        assert keys.flags.writeable  # the caller's flags are left alone
        view = index.slice(10, 20)
        assert np.shares_memory(view, keys)
        assert view.tolist() == [10, 12, 14, 16, 18]


@pytest.mark.parametrize("make", [
    lambda: np.arange(0, 2000, 2, dtype=np.int64)[::2],          # not contiguous
    lambda: np.arange(0, 1000, dtype=np.int32),                   # another dtype
    lambda: np.arange(0, 1000, dtype=np.int64).astype(">i8"),    # non-native byte order
], ids=["strided", "int32", "big_endian"])
def test_copy_false_still_copies_what_c_cannot_read(make):
    keys = make()
    with omendb.LearnedIndex(keys, copy=False) as index:
        assert not np.shares_memory(index.keys, keys)
        assert index.keys.dtype == np.dtype(np.int64) and index.keys.flags.c_contiguous
        assert not index.keys.flags.writeable  # the copy is private, hence frozen
        assert index.keys.tolist() == keys.tolist()


def test_the_array_passed_to_c_is_the_array_kept():
    keys = np.arange(100, dtype=np.int64)
    index = omendb.LearnedIndex(keys, copy=False)
    assert index._keys is keys
    # The finalizer holds the same array, so it outlives the C index whatever happens to `index`.
    assert any(argument is keys for argument in index._finalizer.peek()[2])
    index.close()


class RecordingCall:
    """Wraps a ctypes function and records the Python objects it was called with."""

    def __init__(self, function):
        self.function = function
        self.calls = []

    def __call__(self, *arguments):
        self.calls.append(arguments)
        return self.function(*arguments)


@pytest.mark.parametrize("method, c_function", [
    ("find_batch", "index_find_batch"),
    ("lower_bound_batch", "index_lower_bound_batch"),
])
def test_batch_lookups_pass_the_callers_array_and_return_the_c_output(monkeypatch, method, c_function):
    keys = np.arange(0, 10_000, 3, dtype=np.int64)
    queries = np.arange(0, 1000, dtype=np.int64)
    with omendb.LearnedIndex(keys) as index:
        recorder = RecordingCall(getattr(index._api, c_function))
        monkeypatch.setattr(index._api, c_function, recorder)
        result = getattr(index, method)(queries)
    (call,) = recorder.calls
    assert call[1] is queries  # no copy of the input
    assert call[3] is result   # the array C wrote into is the one returned
    assert result.flags.owndata and result.dtype == np.int64


def test_slice_view_outlives_the_index():
    keys = np.arange(0, 100_000, 5, dtype=np.int64)
    index = omendb.LearnedIndex(keys)
    view = index.slice(500, 1000)
    reference = index.slice(500, 1000).copy()
    probe = weakref.ref(index)
    finalizer = index._finalizer
    assert finalizer.alive
    del index
    gc.collect()
    assert probe() is None
    assert not finalizer.alive  # the C index was freed
    # The view's base chain ends at the key array, which the view alone keeps alive.
    np.testing.assert_array_equal(view, reference)
    garbage = [np.full(1000, -1, dtype=np.int64) for _ in range(100)]  # reuse freed memory, if any
    np.testing.assert_array_equal(view, reference)
    del garbage
    assert view.base is not None


def test_keys_view_outlives_close():
    index = omendb.LearnedIndex(range(0, 50, 5))
    keys = index.keys
    index.close()
    assert keys.tolist() == list(range(0, 50, 5))


def test_index_is_freed_on_garbage_collection_even_in_a_cycle():
    index = omendb.LearnedIndex(np.arange(10))
    index.self_reference = index  # a reference cycle: only the cycle collector frees it
    finalizer = index._finalizer
    del index
    gc.collect()
    assert not finalizer.alive


def test_close_twice_and_context_manager():
    index = omendb.LearnedIndex([1, 2, 3])
    assert not index.closed
    index.close()
    index.close()
    assert index.closed
    with omendb.LearnedIndex([1, 2, 3]) as managed:
        assert managed.find(2) == 1
    assert managed.closed
    managed.close()


USES_AFTER_CLOSE = {
    "find": lambda index: index.find(1),
    "contains": lambda index: 1 in index,
    "lower_bound": lambda index: index.lower_bound(1),
    "range": lambda index: index.range(0, 5),
    "slice": lambda index: index.slice(0, 5),
    "find_batch": lambda index: index.find_batch(np.array([1, 2], dtype=np.int64)),
    "lower_bound_batch": lambda index: index.lower_bound_batch([1, 2]),
    "stats": lambda index: index.stats,
    "keys": lambda index: index.keys,
    "len": lambda index: len(index),
    "enter": lambda index: index.__enter__(),
    "pickle": lambda index: pickle.dumps(index),
}


@pytest.mark.parametrize("use", sorted(USES_AFTER_CLOSE))
def test_use_after_close_raises_closed_error(use):
    index = omendb.LearnedIndex([1, 2, 3])
    index.close()
    with pytest.raises(omendb.ClosedError) as caught:
        USES_AFTER_CLOSE[use](index)
    assert isinstance(caught.value, omendb.MisuseError)
    assert isinstance(caught.value, ValueError)
    assert caught.value.code == omendb.errors.MISUSE
    assert "closed" in str(caught.value)
    assert "closed" in repr(index)


def test_a_freed_c_handle_is_refused_by_the_library_not_a_crash():
    """The C layer itself reports OMENDB_MISUSE for a stale handle (checked
    through ctypes, below the Python wrapper)."""
    ffi = _ffi.api()
    index = omendb.LearnedIndex([1, 2, 3])
    handle = index._handle
    index.close()
    out = _ffi.c_uint64()
    status = ffi.index_find(handle, 2, _ffi.POINTER(_ffi.c_uint64)(out))
    assert status == omendb.errors.MISUSE
    assert "omendb_index_find" in ffi.last_error_message()


def test_pickle_round_trip():
    keys = np.array([-5, 0, 0, 7, 2 ** 62], dtype=np.int64)
    with omendb.LearnedIndex(keys, epsilon=8, search="branchless") as index:
        clone = pickle.loads(pickle.dumps(index))
    with clone:
        assert clone.keys.tolist() == keys.tolist()
        assert (clone.epsilon, clone.search, clone.kind) == (8, "branchless", "pgm")
        assert clone.find(0) == 1 and clone.find(2 ** 62) == 4


def test_concurrent_batches_and_close_never_crash():
    keys = np.arange(0, 2_000_000, 2, dtype=np.int64)
    queries = np.arange(0, 2_000_000, 3, dtype=np.int64)
    expected = np.where(queries % 2 == 0, queries // 2, -1)
    index = omendb.LearnedIndex(keys, copy=False)
    outcomes = []
    failures = []
    start = threading.Barrier(5)

    def worker():
        start.wait()
        for _ in range(20):
            try:
                result = index.find_batch(queries)
            except omendb.ClosedError:
                outcomes.append("closed")
                return
            if not np.array_equal(result, expected):
                failures.append("wrong answer")
            outcomes.append("ok")

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    start.wait()
    while not outcomes:  # let at least one batch finish first
        threading.Event().wait(0.001)
    index.close()
    for thread in threads:
        thread.join()
    assert not failures
    assert "ok" in outcomes
    assert not index._finalizer.alive
    with pytest.raises(omendb.ClosedError):
        index.find_batch(queries)


def test_scalar_lookups_from_many_threads():
    keys = np.arange(0, 30_000, 3, dtype=np.int64)
    errors = []
    with omendb.LearnedIndex(keys) as index:
        def worker(offset):
            for key in range(offset, 30_000, 97):
                expected = key // 3 if key % 3 == 0 else None
                if index.find(key) != expected or index.lower_bound(key) != -(-key // 3):
                    errors.append(key)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert not errors
