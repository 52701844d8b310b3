"""Range deletes, exact counts, checkpoints and progress callbacks through the
binding (issue 12), each checked against a reference dict."""

from __future__ import annotations

import random
import threading
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np
import pytest

import omendb

SEED = 1207
INT64_MIN = -(2 ** 63)
INT64_MAX = 2 ** 63 - 1


def _in(key: int, lo: Optional[int], hi: Optional[int]) -> bool:
    return (lo is None or key >= lo) and (hi is None or key < hi)


def _reference_count(reference: Dict[int, bytes], lo: Optional[int], hi: Optional[int]) -> int:
    return sum(1 for key in reference if _in(key, lo, hi))


def _bounds(rng: random.Random, keys: List[int]) -> Tuple[Optional[int], Optional[int]]:
    """A random [lo, hi): None bounds, bounds on stored keys, the int64 ends, empty ranges."""
    def pick() -> Optional[int]:
        roll = rng.random()
        if roll < 0.15:
            return None
        if roll < 0.25:
            return rng.choice([INT64_MIN, INT64_MAX, 0])
        if keys and roll < 0.7:
            return min(max(rng.choice(keys) + rng.choice([-1, 0, 1]), INT64_MIN), INT64_MAX)
        return rng.randint(-5000, 5000)
    lo, hi = pick(), pick()
    if lo is not None and hi is not None and lo > hi:
        lo, hi = hi, lo
    return lo, hi


def test_range_delete_and_count_against_a_reference(tmp_path: Path) -> None:
    seed = SEED
    print(f"seed {seed}")
    rng = random.Random(seed)
    reference: Dict[int, bytes] = {}
    path = tmp_path / "db"
    db = omendb.open(path, sync="off")
    try:
        for step in range(1500):
            op = rng.random()
            if op < 0.45:
                key = rng.choice([rng.randint(-5000, 5000), INT64_MIN, INT64_MAX])
                value = rng.randbytes(rng.randint(0, 20))
                db[key] = value
                reference[key] = value
            elif op < 0.55:
                key = rng.randint(-5000, 5000)
                db.delete(key)
                reference.pop(key, None)
            elif op < 0.65:
                lo, hi = _bounds(rng, list(reference))
                db.delete_range(lo, hi)
                for key in [k for k in reference if _in(k, lo, hi)]:
                    del reference[key]
            elif op < 0.7:
                lo, hi = _bounds(rng, list(reference))
                before, after = rng.randint(-5000, 5000), rng.randint(-5000, 5000)
                with db.write_batch() as batch:  # operations apply in order
                    batch[before] = b"before"
                    batch.delete_range(lo, hi)
                    batch[after] = b"after"
                reference[before] = b"before"
                for key in [k for k in reference if _in(k, lo, hi)]:
                    del reference[key]
                reference[after] = b"after"
            elif op < 0.9:
                lo, hi = _bounds(rng, list(reference))
                assert db.count(lo, hi) == _reference_count(reference, lo, hi), (step, lo, hi)
            elif op < 0.93:
                db.flush()
            elif op < 0.95:
                db.compact()
            elif op < 0.96:
                db.close()
                db = omendb.open(path, sync="off")
            else:
                assert dict(db.items()) == reference, step
        assert dict(db.items()) == reference
        assert len(db) == len(reference)
    finally:
        db.close()


def test_range_delete_argument_checks(tmp_path: Path) -> None:
    with omendb.open(tmp_path / "db", sync="off") as db:
        db.update({1: b"a", 2: b"b", INT64_MAX: b"max"})
        with pytest.raises(omendb.InvalidArgumentError):
            db.delete_range(5, 1)
        with pytest.raises(omendb.InvalidArgumentError):
            db.count(5, 1)
        with pytest.raises(TypeError):
            db.delete_range("1", 2)  # type: ignore[arg-type]
        with pytest.raises(omendb.OutOfRangeError):
            db.count(0, 2 ** 63)
        db.delete_range(2, 2)  # empty: nothing deleted
        assert db.count() == 3 and db.count(1, 2) == 1 and db.count(None, INT64_MAX) == 2
        db.delete_range(2)  # hi=None reaches INT64_MAX
        assert dict(db.items()) == {1: b"a"}
        db.clear()
        assert len(db) == 0
    with omendb.open(tmp_path / "db", read_only=True) as db:
        with pytest.raises(omendb.ReadOnlyError):
            db.delete_range(0, 1)


def test_snapshot_and_transaction_ranges(tmp_path: Path) -> None:
    with omendb.open(tmp_path / "db", sync="off") as db:
        db.update({k: b"v" for k in range(100)})
        db[INT64_MAX] = b"m"
        with db.snapshot() as snapshot:
            db.delete_range(10, 20)
            assert snapshot.count() == 101 and snapshot.count(10, 20) == 10  # taken before
            assert db.count() == 91
        with db.transaction() as txn:
            txn.delete_range(50)  # through INT64_MAX
            txn[60] = b"again"
            assert txn.count() == 41 and txn.count(50, None) == 1
            assert db.count() == 91  # not committed yet
        assert sorted(db.keys(40)) == list(range(40, 50)) + [60]
        # A range delete conflicts with a concurrent write of a key in the range.
        txn = db.transaction()
        txn.delete_range(0, 5)
        db[3] = b"concurrent"
        with pytest.raises(omendb.ConflictError):
            txn.commit()
        assert db[3] == b"concurrent"


def test_checkpoint_while_writing(tmp_path: Path) -> None:
    print(f"seed {SEED}")
    rng = np.random.default_rng(SEED)
    keys = np.unique(rng.integers(-10 ** 12, 10 ** 12, 20_000))
    with omendb.open(tmp_path / "db", sync="off") as db:
        db.bulk_load(keys, [int(k).to_bytes(8, "little", signed=True) for k in keys])
        db.update({int(k): b"hot" for k in keys[:500]})
        stop = threading.Event()

        def writer() -> None:
            i = 0
            while not stop.is_set():
                db[int(keys[i % len(keys)])] = b"during"
                i += 1

        thread = threading.Thread(target=writer)
        thread.start()
        try:
            reports: List[Tuple[int, int]] = []
            sequence = db.checkpoint(tmp_path / "copy", progress=lambda done, total: reports.append((done, total)))
        finally:
            stop.set()
            thread.join()
        assert reports and reports[0][0] == 0 and reports[-1][0] == reports[-1][1]
        assert all(a[0] <= b[0] for a, b in zip(reports, reports[1:]))
        with omendb.open(tmp_path / "copy", read_only=True) as copy:
            assert copy.stats().last_sequence == sequence
            copied = dict(copy.items())
        assert len(copied) == len(keys)
        assert all(value in (b"hot", b"during") or len(value) == 8 for value in copied.values())
        with pytest.raises(omendb.InvalidArgumentError):
            db.checkpoint(tmp_path / "copy")  # exists
        with pytest.raises(omendb.OmenIOError):
            db.checkpoint(tmp_path / "missing" / "copy")
        db.checkpoint(str(tmp_path / "copied"), copy=True)
        with omendb.open(tmp_path / "copied") as copy:
            copy[1] = b"independent"
        assert 1 not in db or db[1] != b"independent"


class _Stop(Exception):
    pass


def test_progress_cancels_and_reraises(tmp_path: Path) -> None:
    with omendb.open(tmp_path / "db", sync="off") as db:
        keys = np.arange(0, 300_000, 3, dtype=np.int64)
        values = [b"x"] * len(keys)

        def cancel_midway(done: int, total: int) -> None:
            if done > 0:
                raise _Stop()

        with pytest.raises(_Stop) as raised:
            db.bulk_load(keys, values, progress=cancel_midway)
        assert isinstance(raised.value.__context__, omendb.CancelledError)
        assert len(db) == 0  # nothing loaded
        db.bulk_load(keys, values, progress=lambda done, total: None)
        db.update({k: b"y" for k in range(1, 3000, 3)})
        db.flush()
        runs = db.stats().run_count
        with pytest.raises(_Stop):
            db.compact(progress=cancel_midway)
        assert db.stats().run_count == runs and len(db) == len(keys) + 1000
        with pytest.raises(_Stop):
            db.checkpoint(tmp_path / "copy", progress=cancel_midway)
        assert not (tmp_path / "copy").exists()
        with pytest.raises(_Stop):
            db.verify(progress=cancel_midway)
        with pytest.raises(TypeError):
            db.compact(progress=42)  # type: ignore[arg-type]
        totals: List[int] = []
        db.verify(progress=lambda done, total: totals.append(total))
        assert totals and totals[0] > 0


def test_progress_bar(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("tqdm")
    with omendb.open(tmp_path / "db", sync="off") as db:
        db.update({k: b"v" for k in range(1000)})
        db.flush()
        db.update({k: b"w" for k in range(500)})
        db.flush()
        db.compact(progress=True)
        assert "compact" in capsys.readouterr().err
        assert db.count() == 1000
