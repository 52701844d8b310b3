"""Lifetimes: snapshots (isolation, zero-copy memoryviews that never outlive the
engine memory, in every del / gc / close order), generators that free their C
iterator, and closing while other threads work."""

from __future__ import annotations

import gc
import threading
from pathlib import Path
from typing import Any, List

import numpy as np
import pytest

import omendb
from omendb import _ffi


@pytest.fixture
def db(tmp_path: Path):
    with omendb.open(tmp_path / "db", sync="off", hot_tier_bytes=1 << 16) as database:
        for key in range(100):
            database[key] = b"v%03d" % key
        yield database


def churn(db: omendb.Database) -> None:
    """Overwrites, deletes, flushes and compacts, so that memory a dangling view
    pointed to would be reused."""
    for key in range(100):
        db[key] = b"X" * 200
    for key in range(0, 100, 2):
        del db[key]
    db.flush()
    db.compact()
    junk = [bytes(300) for _ in range(2000)]
    del junk


def test_snapshot_isolated_from_later_writes(db: omendb.Database) -> None:
    with db.snapshot() as snapshot:
        churn(db)
        db[1000] = b"new"
        assert bytes(snapshot[1]) == b"v001" and bytes(snapshot.get(2)) == b"v002"
        assert 1000 not in snapshot and snapshot.get(1000) is None and 2 in snapshot
        with pytest.raises(KeyError):
            snapshot[1000]
        assert [(k, v) for k, v in snapshot.items()] == [(k, b"v%03d" % k) for k in range(100)]
        assert list(snapshot.keys(10, 13, reverse=True)) == [12, 11, 10]
        assert list(snapshot.values(98)) == [b"v098", b"v099"]
        assert snapshot.multi_get_bytes([5, 1000]) == [b"v005", None]
        assert db[3] == b"X" * 200 and 0 not in db and 2 not in db


def test_zero_copy_views_are_read_only_and_released_on_close(db: omendb.Database) -> None:
    snapshot = db.snapshot()
    view = snapshot.get(7)
    assert isinstance(view, memoryview) and view.readonly and view.format == "B"
    assert view.tobytes() == b"v007" and view == b"v007"
    with pytest.raises(TypeError):
        view[0] = 1  # type: ignore[index]
    many = snapshot.multi_get(np.array([1, 500, 2], dtype=np.int64))
    assert many[1] is None and bytes(many[0]) == b"v001" and bytes(many[2]) == b"v002"
    snapshot.close()
    assert snapshot.closed
    for released in (view, many[0], many[2]):
        with pytest.raises(ValueError, match="released"):
            released.tobytes()
        with pytest.raises(ValueError):
            bytes(released)
    with pytest.raises(omendb.ClosedError):
        snapshot.get(1)
    with pytest.raises(omendb.ClosedError):
        snapshot.multi_get([1])
    with pytest.raises(omendb.ClosedError):
        snapshot.items()
    snapshot.close()  # twice is fine


@pytest.mark.parametrize("derive", ["slice", "numpy", "memoryview", "cast"])
def test_close_refused_while_derived_views_exist(db: omendb.Database, derive: str) -> None:
    snapshot = db.snapshot()
    view = snapshot.get(42)
    derived: Any = {"slice": lambda: view[1:], "numpy": lambda: np.frombuffer(view, dtype=np.uint8),
                    "memoryview": lambda: memoryview(view), "cast": lambda: view.cast("c")}[derive]()
    with pytest.raises(BufferError, match="still referenced"):
        snapshot.close()
    assert not snapshot.closed
    assert bytes(snapshot.get(42)) == b"v042"  # still open and usable
    churn(db)
    assert bytes(derived)[-3:] == b"042"  # the engine memory is still the snapshot's
    del derived
    snapshot.close()
    assert snapshot.closed


def test_views_outliving_a_dropped_snapshot_keep_memory_alive(db: omendb.Database) -> None:
    snapshot = db.snapshot()
    core = snapshot._core
    views = [snapshot.get(k) for k in range(10)]
    part = views[3][1:]
    del snapshot
    gc.collect()
    churn(db)
    assert [bytes(v) for v in views] == [b"v%03d" % k for k in range(10)]
    assert core.handle is not None  # not freed: views reference it
    del views
    gc.collect()
    assert bytes(part) == b"003" and core.handle is not None
    del part
    assert core.handle is None  # the last view is gone: the C snapshot was freed


def test_views_dropped_before_snapshot(db: omendb.Database) -> None:
    snapshot = db.snapshot()
    core = snapshot._core
    views = snapshot.multi_get(list(range(50)))
    del views
    assert core.live == 0 and core.handle is not None
    del snapshot
    gc.collect()
    assert core.handle is None


def test_views_in_reference_cycles_are_collected_on_close(db: omendb.Database) -> None:
    snapshot = db.snapshot()
    cycle: List[Any] = [snapshot.get(5)[1:]]
    cycle.append(cycle)  # only the garbage collector can free it
    del cycle
    snapshot.close()  # collects the cycle first, then succeeds
    assert snapshot.closed and snapshot._core.handle is None


def test_exception_in_with_block_is_not_masked(db: omendb.Database) -> None:
    kept = None
    with pytest.raises(KeyError, match="boom"):
        with db.snapshot() as snapshot:
            kept = snapshot.get(9)[2:]
            raise KeyError("boom")
    assert snapshot.closed  # closed for new reads ...
    core = snapshot._core
    assert core.handle is not None and bytes(kept) == b"09"  # ... the memory lives on for `kept`
    del kept
    assert core.handle is None


def test_with_block_exit_with_derived_views_raises(db: omendb.Database) -> None:
    with pytest.raises(BufferError):
        with db.snapshot() as snapshot:
            kept = np.frombuffer(snapshot.get(9), dtype=np.uint8)
    assert not snapshot.closed and kept.tobytes() == b"v009"
    del kept
    snapshot.close()


def test_snapshot_outlives_database_close(tmp_path: Path) -> None:
    db = omendb.open(tmp_path / "db")
    db[1] = b"one"
    snapshot = db.snapshot()
    view = snapshot.get(1)
    generator = snapshot.items()
    db.close()
    assert bytes(view) == b"one" and bytes(snapshot[1]) == b"one" and list(generator) == [(1, b"one")]
    snapshot.close()
    with pytest.raises(ValueError):
        bytes(view)


def test_many_views_of_a_long_lived_snapshot(db: omendb.Database) -> None:
    with db.snapshot() as snapshot:
        for round_ in range(30):
            views = snapshot.multi_get(np.arange(100, dtype=np.int64))
            assert bytes(views[round_]) == b"v%03d" % round_
        del views
        assert snapshot._core.live == 0 and len(snapshot._core.views) < 5000


class FreeCounter:
    def __init__(self, free: Any) -> None:
        self.free = free
        self.count = 0

    def __call__(self, handle: Any) -> None:
        self.count += 1
        self.free(handle)


@pytest.fixture
def iterator_frees(monkeypatch: pytest.MonkeyPatch) -> FreeCounter:
    ffi = _ffi.api()
    counter = FreeCounter(ffi.iterator_free)
    monkeypatch.setattr(ffi, "iterator_free", counter)
    return counter


def test_generators_free_their_iterator(db: omendb.Database, iterator_frees: FreeCounter) -> None:
    assert len(list(db.items())) == 100  # exhausted
    assert iterator_frees.count == 1
    generator = db.keys()
    next(generator)
    generator.close()  # closed early
    assert iterator_frees.count == 2
    generator = db.values(reverse=True)
    next(generator)
    del generator  # dropped mid-way
    assert iterator_frees.count == 3
    generator = db.items(lo=5)
    del generator  # never started
    gc.collect()
    assert iterator_frees.count == 4
    for key, _ in db.items():
        if key == 10:
            break  # the loop drops the generator
    assert iterator_frees.count == 5
    cycle: List[Any] = [db.items()]
    next(cycle[0])
    cycle.append(cycle)
    del cycle
    gc.collect()  # a generator in a reference cycle
    assert iterator_frees.count == 6
    assert len(db) == 100  # omendb_count: no iterator
    assert iterator_frees.count == 6


def test_concurrent_reads_writes_and_close(tmp_path: Path) -> None:
    db = omendb.open(tmp_path / "db", sync="off")
    for key in range(1000):
        db[key] = key.to_bytes(8, "little")
    errors: List[BaseException] = []
    closed = threading.Event()
    snapshot = db.snapshot()

    def work(seed: int) -> None:
        rng = np.random.default_rng(seed)
        try:
            while True:
                key = int(rng.integers(0, 1000))
                if seed % 2:
                    db[key + 1000 * seed] = b"w"
                got = db.get(key)
                assert got == key.to_bytes(8, "little")
                assert bytes(snapshot.get(key)) == key.to_bytes(8, "little")
                assert db.multi_get([key])[0] == got
        except omendb.ClosedError:
            closed.set()
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    threading.Event().wait(0.3)
    db.close()
    for thread in threads:
        thread.join(10)
    assert not errors, errors
    assert closed.is_set()
    snapshot.close()
    with omendb.open(tmp_path / "db") as again:  # the lock was released
        assert again[5] == (5).to_bytes(8, "little")


def test_close_races_with_every_kind_of_call(tmp_path: Path) -> None:
    """Closes at varied moments while threads get, put, batch, scan, snapshot and
    read stats: every call either completes correctly or raises ClosedError."""
    rng = np.random.default_rng(5)
    for round_ in range(8):
        db = omendb.open(tmp_path / f"db{round_}", sync="off")
        db.bulk_load(np.arange(200, dtype=np.int64), [b"%d" % k for k in range(200)])
        errors: List[BaseException] = []

        def work(kind: int) -> None:
            local = np.random.default_rng(kind)
            try:
                while True:
                    key = int(local.integers(0, 200))
                    if kind == 0:
                        assert db.get(key) == b"%d" % key
                    elif kind == 1:
                        db[1000 + key] = b"x"
                    elif kind == 2:
                        with db.write_batch() as batch:
                            batch[2000 + key] = b"y"
                    elif kind == 3:
                        assert next(db.items(lo=key)) == (key, b"%d" % key)
                    elif kind == 4:
                        with db.snapshot() as snapshot:
                            assert bytes(snapshot[key]) == b"%d" % key
                    else:
                        db.stats()
                        assert db.multi_get([key]) == [b"%d" % key]
            except omendb.ClosedError:
                pass
            except BaseException as error:  # noqa: BLE001
                errors.append(error)

        threads = [threading.Thread(target=work, args=(kind,)) for kind in range(6)]
        for thread in threads:
            thread.start()
        threading.Event().wait(float(rng.uniform(0.0, 0.05)))
        db.close()
        for thread in threads:
            thread.join(10)
        assert not errors, errors
        assert db._released and db._handle is not None
        with omendb.open(tmp_path / f"db{round_}") as again:  # closed for real: the lock is free
            assert again[7] == b"7"
