"""Database as a collections.abc.MutableMapping, NotFoundError/KeyError, numpy
batch results (multi_get_arrays, items_arrays) and the argument checks of the
fast paths (issue 12)."""

from __future__ import annotations

import collections.abc
import gc
from pathlib import Path
from typing import Dict

import numpy as np
import pytest

import omendb

SEED = 1212


@pytest.fixture
def db(tmp_path: Path):
    with omendb.open(tmp_path / "db", sync="off") as database:
        yield database


def test_database_is_a_mutable_mapping(db: omendb.Database) -> None:
    assert isinstance(db, collections.abc.MutableMapping)
    db.update({3: b"c", 1: b"a"}, **{})
    db.update([(2, b"b")])
    assert list(db) == [1, 2, 3] and len(db) == 3  # iteration yields the keys, in order
    assert db.setdefault(2, b"x") == b"b" and db.setdefault(4, b"d") == b"d" and db[4] == b"d"
    assert db.pop(4) == b"d" and 4 not in db and db.pop(4, None) is None
    assert db.popitem() == (1, b"a") and list(db.keys()) == [2, 3]
    assert dict(db.items()) == {2: b"b", 3: b"c"} and list(db.values()) == [b"b", b"c"]
    db.clear()
    assert len(db) == 0 and list(db) == []
    # A resource, not a value: identity equality, hashable.
    assert db == db and db != {} and len({db, db}) == 1


def test_missing_keys_raise_not_found_error_which_is_a_key_error(db: omendb.Database) -> None:
    db[1] = b"one"
    for access in (lambda: db[5], lambda: db.__delitem__(5), lambda: db.pop(5)):
        with pytest.raises(omendb.NotFoundError) as caught:
            access()
        assert isinstance(caught.value, KeyError) and caught.value.args == (5,) and caught.value.key == 5
    with db.snapshot() as snapshot, pytest.raises(omendb.NotFoundError):
        snapshot[5]
    with db.transaction() as txn:
        with pytest.raises(omendb.NotFoundError):
            txn[5]
        with pytest.raises(KeyError):
            del txn[5]
    with pytest.raises(KeyError):  # what dict users write
        db[6]


@pytest.mark.parametrize("bad, error", [(True, TypeError), ("1", TypeError), (1.0, TypeError), (None, TypeError),
                                        (2 ** 63, omendb.OutOfRangeError), (-2 ** 63 - 1, omendb.OutOfRangeError)])
def test_fast_paths_check_keys(db: omendb.Database, bad: object, error: type) -> None:
    """The hot paths pass keys to C as plain ints: every other type is refused first."""
    for call in (lambda: db.get(bad), lambda: db.put(bad, b"v"), lambda: db.delete(bad),  # type: ignore[arg-type]
                 lambda: db[bad]):  # type: ignore[index]
        with pytest.raises(error):
            call()
    assert len(db) == 0


@pytest.mark.parametrize("bad", ["text", 5, None, 1.5, [1, 2]])
def test_fast_put_checks_values(db: omendb.Database, bad: object) -> None:
    with pytest.raises(TypeError):
        db.put(1, bad)  # type: ignore[arg-type]
    assert 1 not in db


def test_closed_database_raises_on_every_fast_path(tmp_path: Path) -> None:
    db = omendb.open(tmp_path / "db")
    db[1] = b"x"
    get, put = db.get, db.put  # bound methods kept past the close
    db.close()
    for call in (lambda: get(1), lambda: put(2, b"y"), lambda: db.delete(1), lambda: db.multi_get([1]),
                 lambda: db.multi_get_arrays([1]), lambda: db.items_arrays()):
        with pytest.raises(omendb.ClosedError):
            call()


def _reference(db: omendb.Database, count: int, rng: np.random.Generator, sizes: np.ndarray) -> Dict[int, bytes]:
    keys = np.unique(rng.integers(-2 ** 40, 2 ** 40, count))
    reference = {}
    with db.write_batch() as batch:
        for key, size in zip(keys.tolist(), rng.choice(sizes, len(keys)).tolist()):
            value = rng.integers(0, 256, size, dtype=np.uint8).tobytes()
            batch[key] = reference[key] = value
    return reference


@pytest.mark.parametrize("sizes", [[16], [0], [0, 1, 100, 3000], [70_000, 10]], ids=["fixed", "empty", "mixed", "large"])
def test_multi_get_arrays_and_lists_against_a_dict(db: omendb.Database, sizes: list) -> None:
    print(f"seed {SEED}")
    rng = np.random.default_rng(SEED)
    reference = _reference(db, 300, rng, np.array(sizes))
    present = np.array(sorted(reference), dtype=np.int64)
    probe = np.concatenate([rng.choice(present, 200), rng.integers(-2 ** 40, 2 ** 40, 50)])
    rng.shuffle(probe)
    expected = [reference.get(k) for k in probe.tolist()]
    result = db.multi_get_arrays(probe)
    assert result.keys.dtype == np.int64 and result.values.dtype == np.uint8 and result.offsets.dtype == np.int64
    assert (result.keys == probe).all() and result.offsets[0] == 0 and len(result.offsets) == len(probe) + 1
    assert result.found.tolist() == [value is not None for value in expected]
    assert [result.value(i) for i in range(len(probe))] == expected
    assert result.values.tobytes() == b"".join(value for value in expected if value is not None)
    assert db.multi_get(probe) == expected
    with db.snapshot() as snapshot:
        assert snapshot.multi_get_bytes(probe) == expected
        assert [None if v is None else v.tobytes() for v in snapshot.multi_get(probe)] == expected
        assert [snapshot.multi_get_arrays(probe).value(i) for i in range(len(probe))] == expected


def test_fixed_size_values_keep_trailing_zero_bytes(db: omendb.Database) -> None:
    """Equal-size values are split through a numpy void dtype: no NUL stripping."""
    values = {k: bytes([k, 0, 0]) for k in range(50)}
    db.update(values)
    assert db.multi_get(list(range(50))) == [values[k] for k in range(50)]
    assert list(db.values()) == [values[k] for k in range(50)]
    assert dict(db.items()) == values


def test_items_arrays_against_a_dict(db: omendb.Database) -> None:
    print(f"seed {SEED}")
    rng = np.random.default_rng(SEED)
    reference = _reference(db, 3000, rng, np.array([0, 5, 200, 100_000]))
    keys = sorted(reference)
    for lo, hi, reverse, limit in [(None, None, False, None), (keys[10], keys[2000], False, None),
                                   (keys[10], keys[2000], True, None), (None, None, True, 7), (keys[5], None, False, 0),
                                   (keys[-1] + 1, None, False, None), (keys[100], None, True, 2500)]:
        chosen = [k for k in keys if (lo is None or k >= lo) and (hi is None or k < hi)]
        chosen = chosen[::-1] if reverse else chosen
        chosen = chosen if limit is None else chosen[:limit]
        result = db.items_arrays(lo, hi, reverse=reverse, limit=limit)
        assert result.keys.tolist() == chosen, (lo, hi, reverse, limit)
        assert result.found.all() and len(result.offsets) == len(chosen) + 1
        assert [result.value(i) for i in range(len(chosen))] == [reference[k] for k in chosen]
    with pytest.raises(omendb.InvalidArgumentError):
        db.items_arrays(5, 4)


def test_closing_a_scan_mid_batch_stops_it_and_frees_the_iterator(db: omendb.Database) -> None:
    db.update({k: b"v" for k in range(5000)})
    scan = db.items()
    assert [next(scan) for _ in range(3)] == [(0, b"v"), (1, b"v"), (2, b"v")]
    scan.close()  # type: ignore[attr-defined]
    assert list(scan) == []
    keys = db.keys()
    assert next(keys) == 0
    del keys
    gc.collect()
    unstarted = db.values()
    assert unstarted._release.alive  # type: ignore[attr-defined]
    unstarted.close()  # type: ignore[attr-defined]
    assert not unstarted._release.alive and list(unstarted) == []  # type: ignore[attr-defined]
    db.close()  # nothing left open that the close would wait for


def test_zero_copy_batch_views_share_one_lifetime(db: omendb.Database) -> None:
    db.update({k: b"v%d" % k for k in range(100)})
    snapshot = db.snapshot()
    views = snapshot.multi_get([1, 500, 2, 3])
    assert views[1] is None and [bytes(v) for v in views if v is not None] == [b"v1", b"v2", b"v3"]
    kept, derived = views[2], np.frombuffer(views[3], dtype=np.uint8)  # type: ignore[arg-type]
    del views
    assert snapshot._core.live == 1  # one exporter for the whole batch
    with pytest.raises(BufferError, match="still referenced"):
        snapshot.close()  # `derived` still reads engine memory
    assert derived.tobytes() == b"v3"
    del derived
    snapshot.close()  # releases `kept`, then frees the C snapshot
    with pytest.raises(ValueError, match="released"):
        bytes(kept)  # type: ignore[arg-type]
    assert snapshot.closed and snapshot._core.handle is None
