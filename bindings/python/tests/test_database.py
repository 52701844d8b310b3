"""omendb.Database: the mapping protocol, types, options, batches, bulk load,
statistics and maintenance, each checked against what was written."""

from __future__ import annotations

import array
import os
from pathlib import Path

import numpy as np
import pytest

import omendb
from omendb import _ffi

INT64_MIN = -(2 ** 63)
INT64_MAX = 2 ** 63 - 1


@pytest.fixture
def db(tmp_path: Path):
    with omendb.open(tmp_path / "db", sync="off") as database:
        yield database


def test_put_get_delete_roundtrip(db: omendb.Database) -> None:
    db[1] = b"one"
    db.put(2, b"two")
    assert db[1] == b"one" and db.get(2) == b"two"
    assert db.get(3) is None and db.get(3, b"dflt") == b"dflt"
    assert 1 in db and 3 not in db
    with pytest.raises(KeyError) as info:
        db[3]
    assert info.value.args == (3,)
    db[1] = b"uno"  # overwrite
    assert db[1] == b"uno"
    del db[1]
    assert 1 not in db and db.get(1) is None
    with pytest.raises(KeyError):
        del db[1]
    db.delete(1)  # no error when absent
    db.delete(12345)
    assert dict(db.items()) == {2: b"two"}


def test_bytes_like_values(db: omendb.Database) -> None:
    matrix = np.arange(12, dtype=np.float64).reshape(3, 4)
    cases = {
        1: (b"bytes", b"bytes"),
        2: (bytearray(b"bytearray"), b"bytearray"),
        3: (memoryview(b"0123456789")[2:5], b"234"),
        4: (np.arange(5, dtype=np.int32), np.arange(5, dtype=np.int32).tobytes()),
        5: (matrix, matrix.tobytes()),
        6: (matrix[:, 1], matrix[:, 1].tobytes()),  # not contiguous: copied
        7: (array.array("H", [1, 2, 3]), array.array("H", [1, 2, 3]).tobytes()),
        8: (memoryview(bytearray(b"xyz")).toreadonly(), b"xyz"),
        9: (np.frombuffer(b"readonly", dtype=np.uint8), b"readonly"),
    }
    for key, (value, _) in cases.items():
        db[key] = value
    for key, (_, expected) in cases.items():
        got = db[key]
        assert type(got) is bytes and got == expected, key
    source = bytearray(b"mutable")
    db[10] = source
    source[0:1] = b"M"  # the value was copied at put time
    assert db[10] == b"mutable"


def test_empty_and_big_values(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    big = rng.integers(0, 256, 3 << 20, dtype=np.uint8).tobytes()  # 3 MiB, > the per-thread buffer
    medium = rng.integers(0, 256, 70_000, dtype=np.uint8).tobytes()
    with omendb.open(tmp_path / "db", sync="off") as db:
        db[0] = b""
        db[1] = big
        db[2] = medium
        db[3] = bytearray()
        assert db[0] == b"" and db[3] == b"" and 0 in db
        assert db[1] == big and db[2] == medium
        assert db.multi_get([0, 1, 2, 3, 4]) == [b"", big, medium, b"", None]
        with db.snapshot() as snapshot:
            assert bytes(snapshot[1]) == big and snapshot[0].nbytes == 0
        db.flush()
        assert db[1] == big and db[0] == b""
    with omendb.open(tmp_path / "db") as db:  # after reopen, from the run file
        assert db[1] == big and db[0] == b"" and db[2] == medium
        assert [(k, len(v)) for k, v in db.items()] == [(0, 0), (1, len(big)), (2, len(medium)), (3, 0)]


def test_max_value_size(tmp_path: Path) -> None:
    with omendb.open(tmp_path / "db", max_value_size=100) as db:
        db[1] = b"x" * 100
        with pytest.raises(omendb.TooLargeError):
            db[2] = b"x" * 101
        with pytest.raises(omendb.TooLargeError):
            with db.write_batch() as batch:
                batch[3] = b"y" * 101
        assert 2 not in db and 3 not in db and db[1] == b"x" * 100


@pytest.mark.parametrize("key", [INT64_MIN, INT64_MIN + 1, -1, 0, 1, INT64_MAX - 1, INT64_MAX])
def test_extreme_keys(db: omendb.Database, key: int) -> None:
    db[key] = key.to_bytes(8, "little", signed=True)
    assert db[key] == key.to_bytes(8, "little", signed=True)
    assert list(db.keys()) == [key]
    assert list(db.keys(reverse=True)) == [key]
    assert list(db.keys(lo=key)) == [key]
    assert list(db.keys(hi=key)) == []
    assert list(db.keys(lo=key, hi=key)) == []


def test_min_and_max_keys_together(tmp_path: Path) -> None:
    with omendb.open(tmp_path / "db") as db:
        for key in (INT64_MAX, 0, INT64_MIN):
            db[key] = str(key).encode()
        assert list(db.keys()) == [INT64_MIN, 0, INT64_MAX]
        assert list(db.keys(reverse=True)) == [INT64_MAX, 0, INT64_MIN]
        assert list(db.keys(hi=INT64_MAX)) == [INT64_MIN, 0]
        assert list(db.keys(lo=INT64_MIN + 1, reverse=True)) == [INT64_MAX, 0]
        db.flush()
        db.compact()
    with omendb.open(tmp_path / "db") as db:
        assert db[INT64_MIN] == str(INT64_MIN).encode() and db[INT64_MAX] == str(INT64_MAX).encode()


def test_key_types(db: omendb.Database) -> None:
    db[np.int64(5)] = b"numpy key"
    assert db[5] == b"numpy key" and db[np.uint8(5)] == b"numpy key"
    for bad in (1.0, "1", b"1", None, True, np.float64(2.0), [1]):
        with pytest.raises(TypeError):
            db[bad] = b"x"  # type: ignore[index]
        with pytest.raises(TypeError):
            db.get(bad)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            db.delete(bad)  # type: ignore[arg-type]
    for out in (INT64_MAX + 1, INT64_MIN - 1, 2 ** 100, np.uint64(2 ** 63)):
        with pytest.raises(omendb.OutOfRangeError):
            db[out] = b"x"
        with pytest.raises(omendb.OutOfRangeError):
            db.get(out)
        with pytest.raises(OverflowError):
            out in db
    with pytest.raises(omendb.OutOfRangeError):
        list(db.items(lo=2 ** 64))
    assert dict(db.items()) == {5: b"numpy key"}


def test_value_types(db: omendb.Database) -> None:
    for bad in ("text", 5, 1.5, None, object(), [1, 2], {1: 2}):
        with pytest.raises(TypeError):
            db[1] = bad  # type: ignore[assignment]
        with pytest.raises(TypeError):
            with db.write_batch() as batch:
                batch[1] = bad  # type: ignore[assignment]
        with pytest.raises(TypeError):
            db.bulk_load([1], [bad])
    assert list(db.items()) == []


def test_write_batch_commits_atomically(db: omendb.Database) -> None:
    db[1], db[2] = b"a", b"b"
    with db.write_batch() as batch:
        batch[3] = b"c"
        batch.put(4, b"d")
        del batch[1]
        batch.delete(99)
        batch[3] = b"c2"  # later operation on the same key wins
        assert len(batch) == 5
        assert 3 not in db  # nothing applied before the commit
    assert dict(db.items()) == {2: b"b", 3: b"c2", 4: b"d"}


def test_write_batch_discarded_on_exception(db: omendb.Database) -> None:
    db[1] = b"a"
    with pytest.raises(RuntimeError):
        with db.write_batch() as batch:
            batch[2] = b"b"
            del batch[1]
            raise RuntimeError("abort")
    assert dict(db.items()) == {1: b"a"}
    with pytest.raises(omendb.ClosedError):
        batch[3] = b"c"


def test_write_batch_reuse_and_clear(db: omendb.Database) -> None:
    batch = db.write_batch()
    batch[1] = b"x"
    batch.commit()
    assert len(batch) == 0 and db[1] == b"x"
    batch[2] = b"y"
    batch.clear()
    batch[3] = b"z"
    batch.commit()
    assert dict(db.items()) == {1: b"x", 3: b"z"}
    batch.close()
    batch.close()
    with pytest.raises(omendb.ClosedError):
        batch.commit()


def test_bulk_load(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    keys = np.unique(rng.integers(INT64_MIN, INT64_MAX, 5000, dtype=np.int64, endpoint=True))
    values = [int(k).to_bytes(8, "little", signed=True) * int(k % 3) for k in keys]
    with omendb.open(tmp_path / "db") as db:
        db[int(keys[10])] = b"older"  # bulk load is newer than all earlier writes
        db[1] = b"kept"
        db.bulk_load(keys, values)
        reference = dict(zip(keys.tolist(), values))
        reference.setdefault(1, b"kept")
        assert list(db.items()) == sorted(reference.items())
        db.verify()
        with pytest.raises(omendb.InvalidArgumentError, match="1"):
            db.bulk_load([5, 5], [b"a", b"b"])  # duplicates
        with pytest.raises(omendb.InvalidArgumentError):
            db.bulk_load([6, 5], [b"a", b"b"])  # unsorted
        with pytest.raises(omendb.InvalidArgumentError):
            db.bulk_load([1, 2], [b"a"])  # lengths differ
        db.bulk_load(np.empty(0, dtype=np.int64), [])
        db.bulk_load([INT64_MIN, INT64_MAX], [bytearray(b"lo"), memoryview(b"hi")])
        assert db[INT64_MIN] == b"lo" and db[INT64_MAX] == b"hi"
    with omendb.open(tmp_path / "db") as db:
        assert db[1] == b"kept" and db[int(keys[10])] == values[10]


@pytest.fixture(params=["copy", "each"])
def multi_get_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """multi_get through omendb_snapshot_multi_get_copy, and through the per-value
    fallback used with libraries that lack it."""
    if request.param == "each":
        api = _ffi.api()
        original = api.has
        monkeypatch.setattr(api, "has", lambda name: name != "snapshot_multi_get_copy" and original(name))
    return str(request.param)


def test_multi_get_across_buffer_refills(db: omendb.Database, multi_get_path: str) -> None:
    rng = np.random.default_rng(4)
    reference = {}
    for key in range(0, 3000, 2):  # ~1.5 MB of values: many 64 KiB buffer refills
        reference[key] = rng.integers(0, 256, int(rng.integers(0, 2000)), dtype=np.uint8).tobytes()
        db[key] = reference[key]
    db[5000] = bytes(200_000)  # alone larger than the buffer
    reference[5000] = bytes(200_000)
    keys = rng.integers(-10, 3010, 4000).astype(np.int64)
    keys[1000] = keys[3999] = 5000
    assert db.multi_get(keys) == [reference.get(k) for k in keys.tolist()]
    assert db.multi_get([5000]) == [bytes(200_000)]
    with db.snapshot() as snapshot:
        assert snapshot.multi_get_bytes(keys[:100]) == [reference.get(k) for k in keys[:100].tolist()]


def test_multi_get(db: omendb.Database, multi_get_path: str) -> None:
    for key in range(0, 100, 3):
        db[key] = str(key).encode()
    keys = np.arange(-5, 105, dtype=np.int64)
    expected = [str(k).encode() if 0 <= k < 100 and k % 3 == 0 else None for k in keys.tolist()]
    assert db.multi_get(keys) == expected
    assert db.get_many(keys.tolist()) == expected
    assert db.multi_get(keys[::2]) == expected[::2]  # strided input is copied
    assert db.multi_get(np.empty(0, dtype=np.int64)) == []
    assert db.multi_get(np.array([3, 3, 3])) == [b"3", b"3", b"3"]
    with pytest.raises(TypeError):
        db.multi_get(np.array([1.5]))
    with pytest.raises(omendb.InvalidArgumentError):
        db.multi_get(np.zeros((2, 2), dtype=np.int64))


def test_stats_and_len(tmp_path: Path) -> None:
    with omendb.open(tmp_path / "db", hot_tier_bytes=1 << 16) as db:
        assert len(db) == 0
        for key in range(2000):
            db[key] = b"v" * 50
        db.flush()
        for key in range(1000):
            del db[key]
        stats = db.stats()
        assert isinstance(stats, omendb.DatabaseStats)
        with pytest.raises(AttributeError):
            stats.hot_keys = 5  # type: ignore[misc]
        assert stats.run_count >= 1 and stats.cold_keys >= 1000 and stats.cold_bytes > 0
        assert stats.last_sequence >= 3000
        assert len(db) == 1000
        assert db.approximate_count >= 1000
        db.flush()  # the deletions go to a run; compaction merges runs only
        db.compact()
        stats = db.stats()
        assert stats.run_count <= 1 and stats.approximate_count == 1000 == len(db)
        db.verify()


def test_options_validated(tmp_path: Path) -> None:
    with pytest.raises(omendb.InvalidArgumentError):
        omendb.open(tmp_path / "a", sync="sometimes")
    with pytest.raises(TypeError):
        omendb.open(tmp_path / "a", sync=1)  # type: ignore[arg-type]
    with pytest.raises(omendb.InvalidArgumentError):
        omendb.open(tmp_path / "a", hot_tier_bytes=10)
    with pytest.raises(omendb.OutOfRangeError):
        omendb.open(tmp_path / "a", hot_tier_bytes=-1)
    with pytest.raises(omendb.InvalidArgumentError):
        omendb.open(tmp_path / "a", max_value_size=(1 << 30) + 1)
    with pytest.raises(omendb.UnsupportedError):
        omendb.open(tmp_path / "a", index_kind="alex")
    with pytest.raises(ValueError):
        omendb.open(str(tmp_path / "a") + "\0x")
    with pytest.raises(TypeError):
        omendb.open(tmp_path / "a", bogus=1)
    with pytest.raises(omendb.OmenIOError):
        omendb.open(tmp_path / "missing", create_if_missing=False)
    for sync in ("off", "normal", "full"):
        with omendb.open(tmp_path / sync, sync=sync, index_kind="auto") as db:
            db[1] = sync.encode()
        with omendb.Database(str(tmp_path / sync)) as db:
            assert db[1] == sync.encode()
    with pytest.raises(omendb.InvalidArgumentError):
        omendb.open(tmp_path / "full", error_if_exists=True)
    assert not (tmp_path / "a").exists()


def test_close_twice_and_use_after_close(tmp_path: Path) -> None:
    db = omendb.open(tmp_path / "db")
    db[1] = b"x"
    batch = db.write_batch()
    batch[2] = b"y"
    snapshot = db.snapshot()
    generator = db.items()
    db.close()
    db.close()
    assert db.closed and "closed" in repr(db)
    calls = [lambda: db[1], lambda: db.get(1), lambda: db.put(1, b"x"), lambda: db.delete(1),
             lambda: 1 in db, lambda: len(db), lambda: list(db.items()), lambda: db.stats(),
             lambda: db.flush(), lambda: db.compact(), lambda: db.verify(), lambda: db.snapshot(),
             lambda: db.write_batch(), lambda: db.multi_get([1]), lambda: db.bulk_load([1], [b"x"]),
             lambda: batch.commit(), lambda: db.__enter__()]
    for call in calls:
        with pytest.raises(omendb.ClosedError):
            call()
    # Snapshots and iterators taken before the close stay readable.
    assert bytes(snapshot[1]) == b"x" and list(generator) == [(1, b"x")]
    snapshot.close()
    batch.close()
    with omendb.open(tmp_path / "db") as again:  # the lock was released
        assert dict(again.items()) == {1: b"x"}


def test_pathlike_and_repr(tmp_path: Path) -> None:
    with omendb.Database(tmp_path / "p") as db:
        assert db.path == str(tmp_path / "p") and "open" in repr(db)
        assert os.path.isdir(db.path)


def test_multi_get_copy_rejects_bad_arguments(db: omendb.Database) -> None:
    api = _ffi.api()
    if not api.has("snapshot_multi_get_copy"):
        pytest.skip("library without omendb_snapshot_multi_get_copy")
    import ctypes
    db[1] = b"abc"
    with db.snapshot() as snapshot:
        handle = snapshot._handle()
        keys = np.array([1, 2, 1], dtype=np.int64)
        lengths = np.zeros(3, dtype=np.uintp)
        done = ctypes.c_size_t(99)
        buffer = ctypes.create_string_buffer(5)
        call = api.snapshot_multi_get_copy
        assert call(handle, keys.ctypes.data, 3, lengths.ctypes.data, buffer, 5, ctypes.byref(done)) == 0
        assert done.value == 2 and lengths[0] == 3 and lengths[1] == 2 ** 64 - 1  # the second b"abc" does not fit
        assert buffer.raw[:3] == b"abc"
        assert call(handle, keys.ctypes.data, 3, lengths.ctypes.data, buffer, 2, ctypes.byref(done)) \
            == _ffi.BUFFER_TOO_SMALL and done.value == 0 and lengths[0] == 3
        assert "needs 3 bytes" in api.last_error_message()
        assert call(handle, keys.ctypes.data + 8, 1, lengths.ctypes.data, None, 0, ctypes.byref(done)) == 0
        assert done.value == 1 and lengths[0] == 2 ** 64 - 1  # absent: no buffer needed
        assert call(handle, None, 3, lengths.ctypes.data, buffer, 5, ctypes.byref(done)) \
            == omendb.errors.INVALID_ARGUMENT
        assert call(handle, keys.ctypes.data, 3, None, buffer, 5, ctypes.byref(done)) \
            == omendb.errors.INVALID_ARGUMENT
        assert call(handle, keys.ctypes.data, 3, lengths.ctypes.data, None, 5, ctypes.byref(done)) \
            == omendb.errors.INVALID_ARGUMENT
        assert call(handle, keys.ctypes.data, 3, lengths.ctypes.data, buffer, 5, None) \
            == omendb.errors.INVALID_ARGUMENT
        assert call(handle, keys.ctypes.data, 2 ** 61, lengths.ctypes.data, buffer, 5, ctypes.byref(done)) \
            == omendb.errors.TOO_LARGE
        assert call(None, keys.ctypes.data, 3, lengths.ctypes.data, buffer, 5, ctypes.byref(done)) \
            == omendb.errors.INVALID_ARGUMENT
        assert call(handle, None, 0, None, None, 0, ctypes.byref(done)) == 0 and done.value == 0
