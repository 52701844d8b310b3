"""Named tables: ``db.table(name)``, ``db.drop_table``, ``db.tables()``, the
``Table`` mapping interface against a dict per table (random operations, batches
and transactions spanning tables, some rolled back, across a flush, compaction and
reopens), atomicity across tables, and the refusals of bad input (names, dropped
tables, closed databases, tables of another database, read-only handles)."""

from __future__ import annotations

import os
import random
import threading
from pathlib import Path
from typing import Dict, List

import numpy as np
import pytest

import omendb

INT64_MIN = -(2 ** 63)
INT64_MAX = 2 ** 63 - 1


def test_table_basics(tmp_path: Path) -> None:
    with omendb.open(tmp_path / "db") as db:
        assert db.tables() == []
        with pytest.raises(omendb.NotFoundError):
            db.table("users", create=False)
        users = db.table("users")
        assert isinstance(users, omendb.Table) and users.name == "users" and users.database is db
        assert db.table("users") is users and db.table("users", create=False) is users
        users[1] = b"ada"
        users.put(2, bytearray(b"bob"))
        db[1] = b"default"
        assert users[1] == b"ada" and db[1] == b"default" and 2 not in db
        assert len(users) == 2 and list(users) == [1, 2] and dict(users.items()) == {1: b"ada", 2: b"bob"}
        assert users.get(3, b"?") == b"?" and users.count(0, 2) == 1
        assert list(users.values(reverse=True)) == [b"bob", b"ada"]
        assert users.multi_get([2, 3, 1]) == [b"bob", None, b"ada"]
        arrays = users.multi_get_arrays(np.array([1, 5], dtype=np.int64))
        assert arrays.value(0) == b"ada" and arrays.value(1) is None
        del users[1]
        with pytest.raises(KeyError):
            del users[1]
        users.delete_range()  # through INT64_MAX: the batch path, on the table
        assert len(users) == 0 and db[1] == b"default"
        users[INT64_MAX] = b"max"
        assert users.count() == 1 and users.count(0, INT64_MAX) == 0
        users.clear()
        assert len(users) == 0
        users.bulk_load(np.arange(10, 20, dtype=np.int64), [b"v%d" % i for i in range(10)])
        assert users[15] == b"v5" and len(users) == 10 and len(db) == 1
        assert users.stats().approximate_count >= 10
        db.table("orders")
        db.table("\u03c4")
        assert db.tables() == ["orders", "users", "\u03c4"]
        assert repr(users).startswith("<omendb.Table 'users'")


def test_names_refused(tmp_path: Path) -> None:
    with omendb.open(tmp_path / "db") as db:
        for bad in ("", "x" * 256, "a\0b", "\udc80", "\u00e9" * 128):
            with pytest.raises(omendb.InvalidArgumentError):
                db.table(bad)
            with pytest.raises(omendb.InvalidArgumentError):
                db.drop_table(bad)
        for wrong in (None, 1, b"bytes"):
            with pytest.raises(TypeError):
                db.table(wrong)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            db.table("ok", create=1)  # type: ignore[arg-type]
        assert db.table("x" * 255).name == "x" * 255
        assert db.table("\u00e9" * 127).name == "\u00e9" * 127  # 254 bytes
        with pytest.raises(omendb.NotFoundError):
            db.drop_table("missing")
        t = db.table("t")
        for bad_key in (1.5, "1", True, 2 ** 63):
            with pytest.raises((TypeError, omendb.OutOfRangeError)):
                t[bad_key]  # type: ignore[index]
        with pytest.raises(TypeError):
            t[1] = "text"  # type: ignore[assignment]


def test_drop_and_close(tmp_path: Path) -> None:
    db = omendb.open(tmp_path / "db")
    t = db.table("t")
    t[1] = b"one"
    scan = t.items()
    batch = db.write_batch()
    batch[2] = b"default"
    batch.table(t)[2] = b"two"
    txn = db.transaction()
    txn.table(t)[3] = b"three"
    db.drop_table("t")
    with pytest.raises(omendb.MisuseError, match="dropped"):
        batch.commit()  # nothing written: not even the default table's put
    with pytest.raises(omendb.MisuseError):
        txn.commit()
    assert 2 not in db
    assert t.closed and db.tables() == []
    with pytest.raises(omendb.ClosedError, match="dropped"):
        t[1]
    with pytest.raises(omendb.ClosedError):
        t[2] = b"x"
    with pytest.raises(omendb.ClosedError):
        t.count()
    with pytest.raises(omendb.ClosedError):
        db.write_batch().table(t)
    assert list(scan) == [(1, b"one")]  # an iterator made before the drop reads what it saw
    fresh = db.table("t")
    assert fresh is not t and len(fresh) == 0
    fresh[5] = b"five"
    db.close()
    assert fresh.closed
    with pytest.raises(omendb.ClosedError):
        fresh[5]
    with omendb.open(tmp_path / "db") as db:
        assert db.tables() == ["t"] and db.table("t")[5] == b"five"
    with omendb.open(tmp_path / "db", read_only=True) as db:
        t = db.table("t", create=True)  # exists: opens
        assert t[5] == b"five"
        with pytest.raises(omendb.ReadOnlyError):
            t[6] = b"x"
        with pytest.raises(omendb.ReadOnlyError):
            db.table("new")
        with pytest.raises(omendb.ReadOnlyError):
            db.drop_table("t")


def test_batches_and_transactions_span_tables(tmp_path: Path) -> None:
    with omendb.open(tmp_path / "db") as db, omendb.open(tmp_path / "other") as other:
        a, b = db.table("a"), db.table("b")
        foreign = other.table("a")
        with db.write_batch() as batch:
            batch[1] = b"d1"
            batch.table(a)[1] = b"a1"
            batch.table(b).put(1, b"b1")
            batch.table(b).delete_range(5, 10)
            assert len(batch) == 4
        assert (db[1], a[1], b[1]) == (b"d1", b"a1", b"b1")
        with pytest.raises(omendb.MisuseError):
            db.write_batch().table(foreign)
        with pytest.raises(TypeError):
            db.write_batch().table(db)  # type: ignore[arg-type]

        with db.transaction() as txn:
            ta, tb = txn.table(a), txn.table(b)
            ta[2] = tb[1] + b"!"
            del tb[1]
            assert ta.get(2) == b"b1!" and 1 not in tb and ta.count() == 2
            assert list(ta.keys()) == [1, 2]
        assert a[2] == b"b1!" and 1 not in b
        with pytest.raises(omendb.MisuseError):
            with db.transaction() as txn:
                txn.table(foreign)

        # Validation is per (table, key): the same key in another table does not conflict.
        txn = db.transaction()
        assert txn.table(a)[1] == b"a1"
        b[1] = b"concurrent"
        txn.table(b)[3] = b"t"
        txn.commit()
        txn = db.transaction()
        assert txn.table(a)[1] == b"a1"
        a[1] = b"concurrent"
        txn.table(b)[4] = b"t"
        with pytest.raises(omendb.ConflictError):
            txn.commit()
        assert 4 not in b
        view = txn.table(a)
        with pytest.raises(omendb.MisuseError):
            view[9] = b"after the end"


def test_reference_across_tables(tmp_path: Path) -> None:
    seed = int(os.environ.get("OMENDB_TEST_SEED", random.randrange(1 << 30)))
    print(f"seed {seed} (OMENDB_TEST_SEED)")
    rng = random.Random(seed)
    names = ["alpha", "beta", "gamma"]
    path = tmp_path / "db"
    truth: Dict[str, Dict[int, bytes]] = {name: {} for name in ["", *names]}

    def keyspaces(db: omendb.Database) -> Dict[str, omendb.database._Keyspace]:
        spaces: Dict[str, omendb.database._Keyspace] = {"": db}
        spaces.update({name: db.table(name) for name in names})
        return spaces

    def verify(db: omendb.Database, when: str) -> None:
        for name, space in keyspaces(db).items():
            expected = sorted(truth[name].items())
            assert list(space.items()) == expected, (when, name)
            assert list(space.keys(reverse=True)) == [k for k, _ in reversed(expected)], (when, name)
            assert len(space) == len(expected), (when, name)
            lo, hi = sorted(rng.randrange(-50, 350) for _ in range(2))
            assert space.count(lo, hi) == sum(1 for k in truth[name] if lo <= k < hi), (when, name)

    for cycle in range(3):
        with omendb.open(path) as db:
            spaces = keyspaces(db)
            verify(db, f"reopen {cycle}")
            for step in range(400):
                name = rng.choice(list(truth))
                key = rng.randrange(300)
                choice = rng.random()
                if choice < 0.45:
                    value = rng.randbytes(rng.randrange(20))
                    spaces[name][key] = value
                    truth[name][key] = value
                elif choice < 0.6:
                    spaces[name].delete(key)
                    truth[name].pop(key, None)
                elif choice < 0.65:
                    hi = key + rng.randrange(30)
                    spaces[name].delete_range(key, hi)
                    truth[name] = {k: v for k, v in truth[name].items() if not key <= k < hi}
                elif choice < 0.8:
                    with db.write_batch() as batch:
                        for _ in range(rng.randrange(1, 6)):
                            name = rng.choice(list(truth))
                            key = rng.randrange(300)
                            writer = batch if name == "" else batch.table(db.table(name))
                            if rng.random() < 0.7:
                                value = rng.randbytes(rng.randrange(20))
                                writer.put(key, value)
                                truth[name][key] = value
                            else:
                                writer.delete(key)
                                truth[name].pop(key, None)
                else:
                    pending = {n: dict(v) for n, v in truth.items()}
                    txn = db.transaction()
                    for _ in range(rng.randrange(1, 6)):
                        name = rng.choice(list(truth))
                        key = rng.randrange(300)
                        view = txn if name == "" else txn.table(db.table(name))
                        if rng.random() < 0.7:
                            value = rng.randbytes(rng.randrange(20))
                            view.put(key, value)
                            pending[name][key] = value
                        else:
                            view.delete(key)
                            pending[name].pop(key, None)
                        assert view.get(key) == pending[name].get(key)
                    if choice < 0.95:
                        txn.commit()
                        truth = pending
                    else:
                        txn.rollback()
                if step == 200 and cycle == 1:
                    db.flush()
                if step == 300 and cycle == 2:
                    db.compact()
            verify(db, f"end of cycle {cycle}")


def test_threads_share_tables(tmp_path: Path) -> None:
    with omendb.open(tmp_path / "db") as db:
        found: List[omendb.Table] = []
        errors: List[BaseException] = []

        def work(worker: int) -> None:
            try:
                table = db.table("shared")
                found.append(table)
                for i in range(200):
                    table[worker * 1000 + i] = b"%d" % i
            except BaseException as error:  # reported below
                errors.append(error)

        threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors and len({id(t) for t in found}) == 1
        assert len(found[0]) == 800 and db.tables() == ["shared"]
