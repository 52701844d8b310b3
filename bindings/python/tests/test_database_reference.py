"""omendb.Database against a Python dict: random operations across reopen cycles,
flushes and compactions, and ordered iteration (both directions, every kind of
bound) against the sorted reference, over several key distributions."""

from __future__ import annotations

import bisect
import ctypes
import zlib
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np
import pytest

import omendb
from omendb import _ffi

INT64_MIN = -(2 ** 63)
INT64_MAX = 2 ** 63 - 1


def key_pool(name: str, rng: np.random.Generator, n: int) -> np.ndarray:
    """Distinct candidate keys of one distribution."""
    if name == "sequential":
        keys = np.arange(n, dtype=np.int64)
    elif name == "gaps":
        keys = np.cumsum(rng.integers(1, 1000, n, dtype=np.int64))
    elif name == "uniform_full":
        keys = rng.integers(INT64_MIN, INT64_MAX, n, dtype=np.int64, endpoint=True)
    elif name == "lognormal":
        keys = (rng.lognormal(0.0, 2.0, n) * 1e6).astype(np.int64)
    elif name == "clustered":
        centers = rng.integers(INT64_MIN // 2, INT64_MAX // 2, 8, dtype=np.int64)
        keys = np.concatenate([c + np.arange(n // 8, dtype=np.int64) * 3 for c in centers])
    else:
        raise ValueError(name)
    edges = np.array([INT64_MIN, INT64_MIN + 1, -1, 0, 1, INT64_MAX - 1, INT64_MAX], dtype=np.int64)
    return np.unique(np.concatenate([keys, edges]))


def value_of(rng: np.random.Generator, key: int, generation: int) -> bytes:
    size = int(rng.choice([0, 1, 8, 100, 1000, 5000], p=[0.05, 0.1, 0.35, 0.35, 0.1, 0.05]))
    head = key.to_bytes(8, "little", signed=True) + generation.to_bytes(4, "little")
    return (head * (size // 12 + 1))[:size]


def check_equal(db: omendb.Database, reference: Dict[int, bytes], rng: np.random.Generator,
                pool: np.ndarray) -> None:
    expected = sorted(reference.items())
    assert list(db.items()) == expected
    assert list(db) == [key for key, _ in expected]  # a mapping: iteration yields the keys
    assert list(db.items(reverse=True)) == expected[::-1]
    assert len(db) == len(reference)
    probe = pool[rng.integers(0, len(pool), 300)]
    assert db.multi_get(probe) == [reference.get(k) for k in probe.tolist()]
    for key in probe[:100].tolist():
        assert db.get(key) == reference.get(key)
        assert (key in db) == (key in reference)


@pytest.mark.parametrize("distribution", ["sequential", "gaps", "uniform_full", "lognormal", "clustered"])
def test_random_operations_with_reopen(tmp_path: Path, distribution: str) -> None:
    rng = np.random.default_rng(zlib.crc32(distribution.encode()))
    pool = key_pool(distribution, rng, 1500)
    reference: Dict[int, bytes] = {}
    path = tmp_path / "db"
    generation = 0
    for cycle in range(3):
        with omendb.open(path, sync="off", hot_tier_bytes=1 << 18) as db:
            check_equal(db, reference, rng, pool)  # what the previous cycle left
            for _ in range(400):
                generation += 1
                op = rng.random()
                key = int(pool[rng.integers(0, len(pool))])
                if op < 0.55:
                    value = value_of(rng, key, generation)
                    db[key] = value
                    reference[key] = value
                elif op < 0.7:
                    db.delete(key)
                    reference.pop(key, None)
                elif op < 0.85:
                    keys = pool[rng.integers(0, len(pool), int(rng.integers(1, 20)))].tolist()
                    with db.write_batch() as batch:
                        staged = dict(reference)
                        for k in keys:
                            if rng.random() < 0.7:
                                batch[k] = staged[k] = value_of(rng, k, generation)
                            else:
                                del batch[k]
                                staged.pop(k, None)
                    reference = staged
                elif op < 0.9:
                    assert db.get(key) == reference.get(key)
                elif op < 0.91:
                    db.flush()
                elif op < 0.913:
                    db.compact()
                else:
                    with pytest.raises(ZeroDivisionError):  # a failed batch leaves no trace
                        with db.write_batch() as batch:
                            batch[key] = b"never"
                            del batch[int(pool[0])]
                            1 / 0
            check_equal(db, reference, rng, pool)
            if cycle == 1:
                db.flush()
                db.compact()
                db.verify()
    with omendb.open(path, read_only=True) as db:
        check_equal(db, reference, rng, pool)
        db.verify()


def reference_range(keys: List[int], lo: Optional[int], hi: Optional[int]) -> List[int]:
    start = 0 if lo is None else bisect.bisect_left(keys, lo)
    stop = len(keys) if hi is None else bisect.bisect_left(keys, hi)
    return keys[start:stop] if start < stop else []


@pytest.fixture(params=["batched", "single"])
def walker(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Iteration through omendb_iterator_read (batched) and through the per-entry
    fallback used with libraries that lack it."""
    if request.param == "single":
        api = _ffi.api()
        original = api.has
        monkeypatch.setattr(api, "has", lambda name: name != "iterator_read" and original(name))
    return str(request.param)


@pytest.mark.parametrize("distribution", ["gaps", "uniform_full", "clustered"])
def test_bounded_iteration_both_directions(tmp_path: Path, distribution: str, walker: str) -> None:
    rng = np.random.default_rng(11)
    pool = key_pool(distribution, rng, 3000)
    chosen = np.sort(rng.choice(pool, 1200, replace=False))
    with omendb.open(tmp_path / "db", sync="off", hot_tier_bytes=1 << 16) as db:
        # Spread the keys over a bulk-loaded run, a flushed run and the hot tier,
        # with some deletions, so that iteration merges tiers.
        db.bulk_load(chosen[:600], [int(k).to_bytes(8, "little", signed=True) for k in chosen[:600]])
        for key in chosen[600:900].tolist():
            db[key] = key.to_bytes(8, "little", signed=True)
        db.flush()
        for key in chosen[900:].tolist():
            db[key] = key.to_bytes(8, "little", signed=True)
        for key in chosen[::7].tolist():
            del db[key]
        keys = sorted(set(chosen.tolist()) - set(chosen[::7].tolist()))
        bounds: List[Optional[int]] = [None, INT64_MIN, INT64_MAX, 0, keys[0], keys[-1], keys[len(keys) // 2],
                                       keys[len(keys) // 2] + 1, keys[3] - 1]
        bounds += rng.choice(pool, 6).tolist()
        for lo in bounds:
            for hi in bounds:
                if lo is not None and hi is not None and lo > hi:  # refused by the C API
                    with pytest.raises(omendb.InvalidArgumentError):
                        db.keys(lo, hi)
                    continue
                expected = reference_range(keys, lo, hi)
                assert list(db.keys(lo, hi)) == expected, (lo, hi)
                assert list(db.keys(lo=lo, hi=hi, reverse=True)) == expected[::-1], (lo, hi)
        lo, hi = keys[100], keys[200]
        pairs = list(db.items(lo, hi))
        assert pairs == [(k, k.to_bytes(8, "little", signed=True)) for k in keys[100:200]]
        assert list(db.values(lo, hi, reverse=True)) == [v for _, v in pairs][::-1]
        # Partial consumption, then a new scan: generators are independent.
        generator = db.keys()
        assert [next(generator) for _ in range(5)] == keys[:5]
        assert list(db.keys(hi=keys[2])) == keys[:2]
        assert next(generator) == keys[5]
        generator.close()
        assert list(generator) == []


def test_iteration_is_a_snapshot(tmp_path: Path, walker: str) -> None:
    with omendb.open(tmp_path / "db") as db:
        for key in range(10):
            db[key] = b"old"
        generator = db.items()
        assert next(generator) == (0, b"old")
        db[5] = b"new"
        del db[6]
        db[100] = b"added"
        rest = list(generator)
        assert rest == [(k, b"old") for k in range(1, 10)]
        assert dict(db.items())[5] == b"new" and 6 not in db


def test_values_of_every_size_in_batches(tmp_path: Path, walker: str) -> None:
    """Values around and above the batch buffer (64 KiB), empty values, in both
    directions: batches split before a value that does not fit, and grow for one
    that alone exceeds the buffer."""
    rng = np.random.default_rng(2)
    sizes = [0, 1, 65535, 65536, 65537, 200_000, 0, 30_000, 40_000, 3, 1 << 20, 0]
    reference = {key * 10: rng.integers(0, 256, size, dtype=np.uint8).tobytes() for key, size in enumerate(sizes)}
    with omendb.open(tmp_path / "db") as db:
        for key, value in reference.items():
            db[key] = value
        expected = sorted(reference.items())
        assert list(db.items()) == expected
        assert list(db.items(reverse=True)) == expected[::-1]
        assert list(db.values(lo=15, hi=95)) == [v for k, v in expected if 15 <= k < 95]
        assert list(db.keys(lo=15, reverse=True)) == [k for k, _ in expected if k >= 15][::-1]


def test_iterator_read_rejects_bad_arguments(tmp_path: Path) -> None:
    api = _ffi.api()
    if not api.has("iterator_read"):
        pytest.skip("library without omendb_iterator_read")
    with omendb.open(tmp_path / "db") as db:
        db[1] = b"x"
        iterator = _ffi.IteratorHandle()
        api.check(api.iterator_create(db._handle, None, ctypes.byref(iterator)))
        try:
            api.check(api.iterator_seek_first(iterator))
            keys = np.zeros(4, dtype=np.int64)
            lengths = np.zeros(4, dtype=np.uintp)
            count = ctypes.c_size_t(99)
            for direction in (0, 2, -2):
                assert api.iterator_read(iterator, direction, 4, keys.ctypes.data, lengths.ctypes.data, None, 0,
                                         ctypes.byref(count)) == omendb.errors.INVALID_ARGUMENT
                assert "direction" in api.last_error_message()
            assert api.iterator_read(iterator, 1, 4, None, None, None, 0, ctypes.byref(count)) \
                == omendb.errors.INVALID_ARGUMENT
            assert api.iterator_read(iterator, 1, 4, None, lengths.ctypes.data, None, 0, None) \
                == omendb.errors.INVALID_ARGUMENT
            buffer = ctypes.create_string_buffer(1)
            # The value (1 byte) fits; with capacity 0 it does not: BUFFER_TOO_SMALL, nothing moves.
            assert api.iterator_read(iterator, 1, 4, keys.ctypes.data, lengths.ctypes.data, buffer, 0,
                                     ctypes.byref(count)) == _ffi.BUFFER_TOO_SMALL
            assert count.value == 0 and lengths[0] == 1 and api.iterator_valid(iterator) == 1
            assert api.iterator_read(iterator, 1, 0, keys.ctypes.data, lengths.ctypes.data, buffer, 1,
                                     ctypes.byref(count)) == 0 and count.value == 0
            assert api.iterator_read(iterator, 1, 4, keys.ctypes.data, lengths.ctypes.data, buffer, 1,
                                     ctypes.byref(count)) == 0
            assert count.value == 1 and keys[0] == 1 and buffer.raw == b"x" and api.iterator_valid(iterator) == 0
            assert api.iterator_read(iterator, 1, 4, keys.ctypes.data, lengths.ctypes.data, buffer, 1,
                                     ctypes.byref(count)) == 0 and count.value == 0  # at the end
            assert api.iterator_read(None, 1, 4, None, lengths.ctypes.data, None, 0, ctypes.byref(count)) \
                == omendb.errors.INVALID_ARGUMENT
        finally:
            api.iterator_free(iterator)


def test_empty_database_iteration(tmp_path: Path) -> None:
    with omendb.open(tmp_path / "db") as db:
        assert list(db) == [] and list(db.items(reverse=True)) == [] and len(db) == 0
        assert list(db.keys(lo=0, hi=10)) == []
        db[1] = b"x"
        del db[1]
        assert list(db) == [] and len(db) == 0
