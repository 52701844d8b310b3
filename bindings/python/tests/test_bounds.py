"""Range bounds and integer arguments at the Python boundary.

* ``lo > hi`` on every range call raises what the C API gives for it
  (``omendb_iterator_set_bounds``: InvalidArgumentError, its message), at the
  call, instead of yielding nothing; ``lo == hi`` is an empty range.
* Every entry point taking an integer rejects non-integers (TypeError, bools
  included) and integers outside its C type (OutOfRangeError, which is both a
  ValueError and an OverflowError), never wrapping them silently through ctypes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator, List, Tuple

import numpy as np
import pytest

import omendb
from omendb import _ffi

INT64_MIN, INT64_MAX = -(2 ** 63), 2 ** 63 - 1


@pytest.fixture
def db(tmp_path: Path) -> Iterator[omendb.Database]:
    with omendb.open(tmp_path / "db") as database:
        for key in (-5, 0, 5, 10, 15):
            database[key] = b"v%d" % key
        yield database


def _range_calls(db: omendb.Database, snapshot: omendb.Snapshot) -> List[Tuple[str, Callable[..., Any]]]:
    calls = []
    for owner, source in (("db", db), ("snapshot", snapshot)):
        for method in ("items", "keys", "values"):
            calls.append((f"{owner}.{method}", getattr(source, method)))
    return calls


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("lo, hi", [(10, 5), (1, 0), (INT64_MAX, INT64_MIN), (0, -1)])
def test_inverted_bounds_raise_the_c_api_error(db: omendb.Database, lo: int, hi: int, reverse: bool) -> None:
    with db.snapshot() as snapshot:
        for name, call in _range_calls(db, snapshot):
            with pytest.raises(omendb.InvalidArgumentError, match=rf"lower {lo} > upper {hi}") as raised:
                call(lo=lo, hi=hi, reverse=reverse)  # raised here, not at the first next()
            assert "omendb_iterator_set_bounds" in str(raised.value), name
            assert isinstance(raised.value, ValueError), name
    # Positional bounds too; the database stays usable afterwards.
    with pytest.raises(omendb.InvalidArgumentError):
        db.items(lo, hi)
    assert list(db.keys()) == [-5, 0, 5, 10, 15]


@pytest.mark.parametrize("reverse", [False, True])
def test_equal_and_ordered_bounds(db: omendb.Database, reverse: bool) -> None:
    with db.snapshot() as snapshot:
        for name, call in _range_calls(db, snapshot):
            for bound in (INT64_MIN, 0, 5, INT64_MAX):
                assert list(call(lo=bound, hi=bound, reverse=reverse)) == [], (name, bound)
            expected = [0, 5, 10] if not reverse else [10, 5, 0]
            result = list(call(lo=0, hi=15, reverse=reverse))
            if name.endswith("keys"):
                assert result == expected, name
            elif name.endswith("values"):
                assert result == [b"v%d" % k for k in expected], name
            else:
                assert result == [(k, b"v%d" % k) for k in expected], name


def test_inverted_bounds_free_the_c_iterator(db: omendb.Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """The C iterator made for a refused call is freed right away (counted through
    the real omendb_iterator_free)."""
    api = _ffi.api()
    real_free = api.iterator_free
    freed: List[Any] = []
    monkeypatch.setattr(api, "iterator_free", lambda handle: (freed.append(handle), real_free(handle))[1])
    for _ in range(100):
        with pytest.raises(omendb.InvalidArgumentError):
            db.keys(lo=1, hi=0)
    assert len(freed) == 100
    assert list(db.keys(lo=0, hi=6)) == [0, 5]


NOT_INTEGERS: List[Any] = [1.5, "1", b"1", True, np.float64(2.0), [1]]

# (name, call with one integer, smallest valid, largest valid, whether None is valid)
EntryPoint = Tuple[str, Callable[[Any], Any], int, int, bool]


def _integer_entry_points(db: omendb.Database, index: omendb.LearnedIndex, snapshot: omendb.Snapshot,
                          batch: omendb.WriteBatch, tmp_path: Path) -> List[EntryPoint]:
    return [
        ("db.get", lambda v: db.get(v), INT64_MIN, INT64_MAX, False),
        ("db.put", lambda v: db.put(v, b"x"), INT64_MIN, INT64_MAX, False),
        ("db.delete", lambda v: db.delete(v), INT64_MIN, INT64_MAX, False),
        ("db.items(lo)", lambda v: db.items(lo=v), INT64_MIN, INT64_MAX, True),
        ("db.keys(hi)", lambda v: db.keys(hi=v), INT64_MIN, INT64_MAX, True),
        ("snapshot.get", lambda v: snapshot.get(v), INT64_MIN, INT64_MAX, False),
        ("snapshot.values(lo)", lambda v: snapshot.values(lo=v), INT64_MIN, INT64_MAX, True),
        ("batch.put", lambda v: batch.put(v, b"x"), INT64_MIN, INT64_MAX, False),
        ("batch.delete", lambda v: batch.delete(v), INT64_MIN, INT64_MAX, False),
        ("index.find", lambda v: index.find(v), INT64_MIN, INT64_MAX, False),
        ("index.lower_bound", lambda v: index.lower_bound(v), INT64_MIN, INT64_MAX, False),
        ("index.range(lo)", lambda v: index.range(v, 0), INT64_MIN, INT64_MAX, False),
        ("index.range(hi)", lambda v: index.range(0, v), INT64_MIN, INT64_MAX, False),
        ("LearnedIndex(epsilon)", lambda v: omendb.LearnedIndex([1, 2], epsilon=v), 0, 2 ** 32 - 1, False),
        ("LearnedIndex(rmi_leaves)", lambda v: omendb.LearnedIndex([1, 2], rmi_leaves=v), 0, 2 ** 32 - 1, False),
        ("open(hot_tier_bytes)", lambda v: omendb.open(tmp_path / "other", hot_tier_bytes=v), 0, 2 ** 64 - 1, True),
        ("open(max_value_size)", lambda v: omendb.open(tmp_path / "other", max_value_size=v), 0, 2 ** 64 - 1, True),
    ]


def test_integer_arguments_are_checked(db: omendb.Database, tmp_path: Path) -> None:
    with omendb.LearnedIndex(np.arange(0, 100, dtype=np.int64)) as index, db.snapshot() as snapshot, \
            db.write_batch() as batch:
        _check_integer_arguments(_integer_entry_points(db, index, snapshot, batch, tmp_path))
        assert len(batch) == 0  # nothing was added by the refused calls (leaving commits an empty batch)
    assert list(db.keys()) == [-5, 0, 5, 10, 15]  # nothing was written either
    assert not (tmp_path / "other").exists()  # no refused open created its directory


def _check_integer_arguments(entry_points: List[EntryPoint]) -> None:
    for name, call, smallest, largest, none_ok in entry_points:
        for bad in NOT_INTEGERS + ([] if none_ok else [None]):
            with pytest.raises(TypeError):
                call(bad)
                pytest.fail(f"{name} accepted {bad!r}")
        for outside in (smallest - 1, largest + 1, 2 ** 64, -(2 ** 64), 2 ** 200):
            if smallest <= outside <= largest:
                continue
            with pytest.raises(omendb.OutOfRangeError) as raised:
                call(outside)
            assert isinstance(raised.value, ValueError) and isinstance(raised.value, OverflowError), name
            assert str(outside) in str(raised.value), (name, str(raised.value))
        # numpy integers are integers, checked the same way.
        with pytest.raises(omendb.OutOfRangeError):
            call(np.uint64(2 ** 64 - 1)) if largest < 2 ** 64 - 1 else call(np.int64(-1))
