"""Transactions through the Python binding (``omendb/transaction.py``): reading
your own writes, commit and rollback, the context manager, conflicts as
ConflictError, what each isolation level lets through (write skew through keys
and through a scanned range), ``items()`` merged with the transaction's writes
against a dict (seeded; the seed is printed), ``run_transaction`` retrying in
real threads, bad arguments, use after the end, closing the database under
live transactions, and native handles freed on every path.

Runs in about 5 s on 2 cores (the threaded counter is the longest part).
"""

from __future__ import annotations

import ctypes
import gc
import random
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Tuple

import numpy as np
import pytest

import omendb
from omendb import _ffi

from conftest import INT64_MAX, INT64_MIN, REPO_ROOT

LEVELS = ["read_uncommitted", "read_committed", "repeatable_read", "serializable"]
SNAPSHOT_LEVELS = ["repeatable_read", "serializable"]


@pytest.fixture
def db(tmp_path: Path) -> Iterator[omendb.Database]:
    with omendb.open(tmp_path / "db", sync="off", hot_tier_bytes=1 << 16) as database:
        yield database


class FreeCounter:
    """Wraps a C free function and counts the calls."""

    def __init__(self, free: Callable[[Any], None]) -> None:
        self.free = free
        self.count = 0

    def __call__(self, handle: Any) -> None:
        self.count += 1
        self.free(handle)


@pytest.fixture
def txn_frees(monkeypatch: pytest.MonkeyPatch) -> FreeCounter:
    ffi = _ffi.api()
    counter = FreeCounter(ffi.txn_free)
    monkeypatch.setattr(ffi, "txn_free", counter)
    return counter


@pytest.fixture
def iterator_frees(monkeypatch: pytest.MonkeyPatch) -> FreeCounter:
    ffi = _ffi.api()
    counter = FreeCounter(ffi.iterator_free)
    monkeypatch.setattr(ffi, "iterator_free", counter)
    return counter


# -- reads, writes, commit, rollback ---------------------------------------------


def test_reads_see_own_writes_and_others_see_them_only_after_commit(db: omendb.Database) -> None:
    db[1] = b"one"
    db[3] = b"three"
    txn = db.transaction()
    assert txn.active and txn.isolation == "serializable" and not txn.read_only
    assert txn[1] == b"one" and txn.get(2) is None and txn.get(2, b"?") == b"?"
    txn[1] = b"uno"
    txn[2] = bytearray(b"dos")
    txn[4] = memoryview(b"xxcuatroxx")[2:8]
    txn.put(5, np.frombuffer(b"cinco", dtype=np.uint8))
    txn[6] = b""
    del txn[3]
    assert txn[1] == b"uno" and txn[2] == b"dos" and txn[4] == b"cuatro" and txn[5] == b"cinco"
    assert txn[6] == b"" and 6 in txn and 3 not in txn and txn.get(3) is None
    with pytest.raises(KeyError):
        txn[3]
    with pytest.raises(KeyError):
        del txn[3]
    txn.delete(3)  # absent: no error
    txn.delete(7)
    assert list(txn.items()) == [(1, b"uno"), (2, b"dos"), (4, b"cuatro"), (5, b"cinco"), (6, b"")]
    # Nothing is visible outside before the commit.
    assert db[1] == b"one" and 2 not in db and db[3] == b"three"
    txn.commit()
    assert not txn.active
    assert list(db.items()) == [(1, b"uno"), (2, b"dos"), (4, b"cuatro"), (5, b"cinco"), (6, b"")]


def test_rollback_discards_everything(db: omendb.Database) -> None:
    db[1] = b"one"
    txn = db.transaction()
    txn[1] = b"changed"
    txn[2] = b"new"
    del txn[1]
    txn.rollback()
    assert not txn.active
    txn.rollback()  # again: nothing happens
    assert list(db.items()) == [(1, b"one")]
    with pytest.raises(omendb.MisuseError, match="rolled back"):
        txn.commit()


def test_commit_is_durable_and_atomic_across_reopen(tmp_path: Path) -> None:
    path = tmp_path / "db"
    with omendb.open(path, sync="full") as database:
        with database.transaction() as txn:
            for key in range(200):
                txn[key] = b"v%d" % key
            txn[7] = b"last write wins"
        with database.transaction() as txn:
            for key in range(0, 200, 2):
                del txn[key]
    with omendb.open(path) as database:
        expected = [(key, b"v%d" % key) for key in range(1, 200, 2)]
        expected[3] = (7, b"last write wins")
        assert list(database.items()) == expected


def test_values_larger_than_the_read_buffer(db: omendb.Database) -> None:
    rng = np.random.default_rng(5)
    big = rng.integers(0, 256, 100_000, dtype=np.uint8).tobytes()
    bigger = big * 3
    db[1] = big
    with db.transaction() as txn:
        assert txn[1] == big  # grows the transaction's buffer
        txn[2] = bigger
        assert txn[2] == bigger and txn[1] == big
        assert [len(value) for _, value in txn.items()] == [len(big), len(bigger)]
    assert db[2] == bigger


# -- the context manager ---------------------------------------------------------


def test_context_manager_commits_on_success(db: omendb.Database) -> None:
    with db.transaction() as txn:
        assert isinstance(txn, omendb.Transaction)
        txn[1] = b"a"
    assert not txn.active and db[1] == b"a"


def test_context_manager_rolls_back_on_exception_and_propagates_it(db: omendb.Database) -> None:
    db[1] = b"a"
    with pytest.raises(RuntimeError, match="boom"):
        with db.transaction() as txn:
            txn[1] = b"b"
            txn[2] = b"c"
            raise RuntimeError("boom")
    assert not txn.active and list(db.items()) == [(1, b"a")]
    with pytest.raises(KeyboardInterrupt):  # not only Exception subclasses
        with db.transaction() as txn:
            txn[3] = b"d"
            raise KeyboardInterrupt
    assert list(db.items()) == [(1, b"a")]


def test_context_manager_after_an_explicit_end(db: omendb.Database) -> None:
    with db.transaction() as txn:
        txn[1] = b"a"
        txn.commit()
    assert db[1] == b"a"
    with db.transaction() as txn:
        txn[1] = b"b"
        txn.rollback()
    assert db[1] == b"a"


def test_context_manager_commit_conflict_propagates(db: omendb.Database) -> None:
    db[1] = b"0"
    with pytest.raises(omendb.ConflictError):
        with db.transaction() as txn:
            txn[1] = txn[1] + b"!"
            db[1] = b"changed outside"  # a commit after the txn's snapshot
    assert not txn.active and db[1] == b"changed outside"


# -- conflicts and isolation levels ----------------------------------------------


def test_conflict_is_a_conflict_error_and_writes_nothing(db: omendb.Database) -> None:
    key = 424242
    db[key] = b"0"
    first = db.transaction()
    second = db.transaction()
    first[key] = b"%d" % (int(first[key]) + 1)
    second[key] = b"%d" % (int(second[key]) + 1)
    second[key + 1] = b"side effect"
    before = db.stats().conflicts
    first.commit()
    with pytest.raises(omendb.ConflictError) as caught:
        second.commit()
    error = caught.value
    assert isinstance(error, omendb.Error) and error.code == omendb.errors.CONFLICT
    assert str(key) in error.message  # the message names the key
    assert not second.active
    assert db[key] == b"1" and key + 1 not in db
    assert db.stats().conflicts == before + 1


@pytest.mark.parametrize("isolation", SNAPSHOT_LEVELS)
def test_blind_writes_first_committer_wins(db: omendb.Database, isolation: str) -> None:
    first = db.transaction(isolation)
    second = db.transaction(isolation)
    first[9] = b"first"
    second[9] = b"second"
    first.commit()
    with pytest.raises(omendb.ConflictError):
        second.commit()
    assert db[9] == b"first"


@pytest.mark.parametrize("isolation", ["read_uncommitted", "read_committed"])
def test_read_committed_levels_do_not_validate(db: omendb.Database, isolation: str) -> None:
    db[9] = b"0"
    first = db.transaction(isolation)
    second = db.transaction(isolation)
    first[9] = first[9] + b"a"
    second[9] = second[9] + b"b"
    first.commit()
    second.commit()  # lost update: allowed at this level
    assert db[9] == b"0b"


@pytest.mark.parametrize("isolation", LEVELS)
def test_each_level_reads_what_it_should(db: omendb.Database, isolation: str) -> None:
    """Snapshot levels keep reading the begin state; read-committed levels see
    each newer commit (this also shows each name reaches the engine as its own level)."""
    db[1] = b"old"
    db[2] = b"old"
    with db.transaction(isolation, read_only=True) as txn:
        assert txn[1] == b"old"
        db[1] = b"new"
        db[2] = b"new"
        db[3] = b"new"
        expected = b"old" if isolation in SNAPSHOT_LEVELS else b"new"
        assert txn[1] == expected and txn[2] == expected
        assert (3 in txn) == (isolation not in SNAPSHOT_LEVELS)


def write_skew(db: omendb.Database, isolation: str) -> Tuple[bool, bool]:
    """Two on-call doctors: each transaction checks that both are on call, then
    takes itself off. Returns whether each commit succeeded."""
    db[1] = b"on"
    db[2] = b"on"
    first = db.transaction(isolation)
    second = db.transaction(isolation)
    for txn, me in ((first, 1), (second, 2)):
        on_call = [key for key in (1, 2) if txn[key] == b"on"]
        assert on_call == [1, 2]
        txn[me] = b"off"
    results = []
    for txn in (first, second):
        try:
            txn.commit()
            results.append(True)
        except omendb.ConflictError:
            results.append(False)
    return results[0], results[1]


def test_write_skew_prevented_under_serializable(db: omendb.Database) -> None:
    assert write_skew(db, "serializable") == (True, False)
    assert (db[1], db[2]) == (b"off", b"on")


def test_write_skew_allowed_under_repeatable_read(db: omendb.Database) -> None:
    assert write_skew(db, "repeatable_read") == (True, True)
    assert (db[1], db[2]) == (b"off", b"off")  # the anomaly: nobody is on call


def range_skew(db: omendb.Database, isolation: str) -> Tuple[bool, bool]:
    """Each transaction counts the keys in [100, 200) and inserts one more if
    fewer than 3 exist (a predicate read, G2 through a range)."""
    db[100] = b"x"
    db[150] = b"x"
    first = db.transaction(isolation)
    second = db.transaction(isolation)
    for txn, new in ((first, 110), (second, 190)):
        assert len(list(txn.keys(100, 200))) == 2
        txn[new] = b"x"
    results = []
    for txn in (first, second):
        try:
            txn.commit()
            results.append(True)
        except omendb.ConflictError:
            results.append(False)
    return results[0], results[1]


def test_range_write_skew_prevented_under_serializable(db: omendb.Database) -> None:
    assert range_skew(db, "serializable") == (True, False)
    assert list(db.keys(100, 200)) == [100, 110, 150]


def test_range_write_skew_allowed_under_repeatable_read(db: omendb.Database) -> None:
    assert range_skew(db, "repeatable_read") == (True, True)
    assert list(db.keys(100, 200)) == [100, 110, 150, 190]


def test_read_only_transactions(db: omendb.Database, tmp_path: Path) -> None:
    db[1] = b"a"
    with db.transaction(read_only=True) as txn:
        assert txn.read_only and txn[1] == b"a"
        with pytest.raises(omendb.ReadOnlyError):
            txn[2] = b"b"
        with pytest.raises(omendb.ReadOnlyError):
            txn.delete(1)
        db[1] = b"changed"
    db.close()
    with omendb.open(tmp_path / "db", read_only=True) as reader:
        with pytest.raises(omendb.ReadOnlyError):
            reader.transaction()
        with reader.transaction(read_only=True) as txn:
            assert txn[1] == b"changed"


# -- items() against a dict ------------------------------------------------------


def test_items_merges_own_writes_like_a_dict(tmp_path: Path) -> None:
    seed = random.randrange(1 << 32)
    print(f"seed {seed}")
    rng = random.Random(seed)
    space = [INT64_MIN, INT64_MIN + 1, -1, 0, 1, INT64_MAX - 1, INT64_MAX] + list(range(-300, 300, 3))
    committed: Dict[int, bytes] = {}
    with omendb.open(tmp_path / "db", sync="off", hot_tier_bytes=1 << 16) as database:
        for key in rng.sample(space, 120):
            committed[key] = b"c%d" % rng.randrange(1000)
            database[key] = committed[key]
        database.flush()  # some state in a run file, some in the hot tier
        for key in rng.sample(space, 40):
            committed[key] = b"h%d" % rng.randrange(1000)
            database[key] = committed[key]
        for round_number in range(30):
            isolation = rng.choice(LEVELS)
            model = dict(committed)
            with database.transaction(isolation) as txn:
                for _ in range(rng.randrange(1, 60)):
                    key = rng.choice(space)
                    operation = rng.random()
                    if operation < 0.45:
                        model[key] = b"t%d.%d" % (round_number, rng.randrange(1 << 20)) * rng.randrange(0, 4)
                        txn[key] = model[key]
                    elif operation < 0.7:
                        model.pop(key, None)
                        txn.delete(key)
                    elif operation < 0.85:
                        assert txn.get(key) == model.get(key), (seed, key)
                    else:
                        lo = rng.choice([None, rng.choice(space)])
                        hi = rng.choice([None, rng.choice(space)])
                        if lo is not None and hi is not None and lo > hi:
                            lo, hi = hi, lo
                        reverse = rng.random() < 0.3
                        expected = sorted((k, v) for k, v in model.items()
                                          if (lo is None or k >= lo) and (hi is None or k < hi))
                        if reverse:
                            expected.reverse()
                        assert list(txn.items(lo, hi, reverse=reverse)) == expected, (seed, lo, hi, reverse)
                assert list(txn.items()) == sorted(model.items()), seed
                assert list(txn.keys(reverse=True)) == sorted(model, reverse=True), seed
                keep = rng.random() < 0.7
                if not keep:
                    txn.rollback()
            if keep:
                committed = model
            assert list(database.items()) == sorted(committed.items()), (seed, round_number)


def test_items_bounds_and_types(db: omendb.Database) -> None:
    for key in range(10):
        db[key] = b"%d" % key
    with db.transaction() as txn:
        txn[5] = b"five"
        assert list(txn.keys(3, 7)) == [3, 4, 5, 6]
        assert list(txn.items(4, 6)) == [(4, b"4"), (5, b"five")]
        assert list(txn.keys(8)) == [8, 9] and list(txn.keys(hi=2)) == [0, 1]
        assert list(txn.keys(3, 7, reverse=True)) == [6, 5, 4, 3]
        assert list(txn.values(4, 6, reverse=True)) == [b"five", b"4"]
        assert list(txn.keys(5, 5)) == []
        assert list(txn) == list(txn.items())
        with pytest.raises(ValueError):
            txn.items(7, 3)  # raised at the call, as Database.items
        with pytest.raises(TypeError):
            txn.items(lo="1")  # type: ignore[arg-type]
        with pytest.raises(omendb.OutOfRangeError):
            txn.items(hi=INT64_MAX + 1)


# -- run_transaction -------------------------------------------------------------


def test_run_transaction_returns_the_result_and_commits(db: omendb.Database) -> None:
    db[1] = b"10"

    def withdraw(txn: omendb.Transaction) -> int:
        balance = int(txn[1]) - 3
        txn[1] = b"%d" % balance
        return balance

    assert db.run_transaction(withdraw) == 7
    assert db[1] == b"7"
    assert db.run_transaction(lambda txn: txn[1], isolation="read committed", read_only=True) == b"7"


def test_run_transaction_retries_a_conflict(db: omendb.Database) -> None:
    db[1] = b"0"
    attempts: List[str] = []

    def increment(txn: omendb.Transaction) -> None:
        attempts.append(txn.isolation)
        value = int(txn[1])
        if len(attempts) == 1:
            db[1] = b"100"  # a concurrent commit: this attempt must conflict
        txn[1] = b"%d" % (value + 1)

    db.run_transaction(increment, isolation="repeatable_read")
    assert attempts == ["repeatable_read", "repeatable_read"] and db[1] == b"101"


def test_run_transaction_gives_up_after_the_retries(db: omendb.Database) -> None:
    db[1] = b"0"
    calls = 0

    def always_conflicts(txn: omendb.Transaction) -> None:
        nonlocal calls
        calls += 1
        txn[1] = txn[1] + b"x"
        db[1] = b"%d" % calls

    with pytest.raises(omendb.ConflictError):
        db.run_transaction(always_conflicts, retries=3)
    assert calls == 4 and db[1] == b"4"
    calls = 0
    with pytest.raises(omendb.ConflictError):
        db.run_transaction(always_conflicts, retries=0)
    assert calls == 1
    assert db.stats().active_transactions == 0


def test_run_transaction_other_errors_roll_back_without_retry(db: omendb.Database) -> None:
    calls = 0
    seen: List[omendb.Transaction] = []

    def fails(txn: omendb.Transaction) -> None:
        nonlocal calls
        calls += 1
        seen.append(txn)
        txn[1] = b"written"
        raise LookupError("no such account")

    with pytest.raises(LookupError, match="no such account"):
        db.run_transaction(fails)
    assert calls == 1 and not seen[0].active and 1 not in db


def test_run_transaction_when_fn_ends_the_transaction(db: omendb.Database) -> None:
    def commits(txn: omendb.Transaction) -> str:
        txn[1] = b"a"
        txn.commit()
        return "done"

    def rolls_back(txn: omendb.Transaction) -> str:
        txn[2] = b"b"
        txn.rollback()
        return "undone"

    assert db.run_transaction(commits) == "done" and db.run_transaction(rolls_back) == "undone"
    assert list(db.items()) == [(1, b"a")]


def test_run_transaction_counter_with_threads(tmp_path: Path) -> None:
    """4 threads x N increments of one counter under serializable: every
    increment lands exactly once, whatever the conflicts."""
    threads, increments = 4, 150
    attempts = [0] * threads
    errors: List[BaseException] = []
    with omendb.open(tmp_path / "db", sync="off") as database:
        database[0] = b"0"
        start = threading.Barrier(threads)

        def work(index: int) -> None:
            def increment(txn: omendb.Transaction) -> None:
                attempts[index] += 1
                value = int(txn[0])
                time.sleep(0)  # lets another thread run between the read and the write
                txn[0] = b"%d" % (value + 1)

            try:
                start.wait()
                for _ in range(increments):
                    database.run_transaction(increment, retries=1000)
            except BaseException as error:  # reported below, in the test's thread
                errors.append(error)

        workers = [threading.Thread(target=work, args=(index,)) for index in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert not errors, errors
        assert database[0] == b"%d" % (threads * increments)
        stats = database.stats()
        assert stats.active_transactions == 0
        # Every failed attempt was a refused commit, counted by the engine.
        assert stats.conflicts == sum(attempts) - threads * increments
        assert stats.conflicts > 0  # the retries were exercised
        print(f"{threads} threads x {increments} increments: {sum(attempts)} attempts, {stats.conflicts} conflicts")


# -- arguments -------------------------------------------------------------------


@pytest.mark.parametrize("name, canonical", [
    ("serializable", "serializable"), ("SERIALIZABLE", "serializable"),
    ("repeatable read", "repeatable_read"), ("Repeatable_Read", "repeatable_read"),
    ("read committed", "read_committed"), ("READ-COMMITTED", "read_committed"),
    ("read uncommitted", "read_uncommitted"), ("read_uncommitted", "read_uncommitted"),
    ("  read   committed ", "read_committed"),
])
def test_isolation_names(db: omendb.Database, name: str, canonical: str) -> None:
    with db.transaction(name) as txn:
        assert txn.isolation == canonical
    assert db.transaction(isolation=name).isolation == canonical


def test_bad_arguments(db: omendb.Database) -> None:
    for level in ("snapshot", "", "readcommitted", "serializable!", "read committed uncommitted"):
        with pytest.raises(ValueError, match="isolation"):
            db.transaction(level)
        with pytest.raises(omendb.InvalidArgumentError):
            db.transaction(level)
    wrong_levels: List[Any] = [3, None, b"serializable", 3.0]
    for wrong_level in wrong_levels:
        with pytest.raises(TypeError, match="isolation"):
            db.transaction(wrong_level)
    wrong_flags: List[Any] = [1, "yes", None]
    for flag in wrong_flags:
        with pytest.raises(TypeError, match="read_only"):
            db.transaction(read_only=flag)
    assert db.stats().active_transactions == 0  # nothing was begun
    with db.transaction() as txn:
        wrong_keys: List[Any] = ["1", 1.0, None, True]
        for wrong_key in wrong_keys:
            with pytest.raises(TypeError):
                txn.get(wrong_key)
            with pytest.raises(TypeError):
                txn[wrong_key] = b"v"
            with pytest.raises(TypeError):
                txn.delete(wrong_key)
        for key in (INT64_MAX + 1, INT64_MIN - 1):
            with pytest.raises(omendb.OutOfRangeError):
                txn[key]
            with pytest.raises(OverflowError):
                txn[key] = b"v"
        wrong_values: List[Any] = ["text", 5, None, [1, 2]]
        for value in wrong_values:
            with pytest.raises(TypeError):
                txn[1] = value
        assert list(txn.items()) == []  # the failed calls wrote nothing
    with pytest.raises(TypeError, match="callable"):
        db.run_transaction(42)  # type: ignore[arg-type]
    for retries in (1.5, "3", None, True):
        with pytest.raises(TypeError, match="retries"):
            db.run_transaction(lambda txn: None, retries=retries)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="retries"):
        db.run_transaction(lambda txn: None, retries=-1)
    calls: List[int] = []
    with pytest.raises(ValueError, match="isolation"):
        db.run_transaction(lambda txn: calls.append(1), isolation="chaos")
    assert calls == []  # rejected before fn ran


def test_value_too_large(tmp_path: Path) -> None:
    with omendb.open(tmp_path / "db", sync="off", max_value_size=100) as database:
        with database.transaction() as txn:
            txn[1] = bytes(100)
            with pytest.raises(omendb.TooLargeError):
                txn[2] = bytes(101)
        assert list(database.keys()) == [1]


# -- use after the end, closing the database -------------------------------------


@pytest.mark.parametrize("end", ["commit", "rollback", "conflict"])
def test_ended_transaction_raises_misuse(db: omendb.Database, end: str) -> None:
    db[1] = b"a"
    txn = db.transaction()
    txn[2] = b"b"
    iterator = txn.items()
    assert next(iterator) == (1, b"a")
    if end == "commit":
        txn.commit()
    elif end == "rollback":
        txn.rollback()
    else:
        txn[1] = txn[1] + b"!"
        db[1] = b"outside"
        with pytest.raises(omendb.ConflictError):
            txn.commit()
    assert not txn.active and "ended" in repr(txn)
    calls: List[Callable[[], Any]] = [
        lambda: txn[1], lambda: txn.get(1), lambda: 1 in txn, lambda: txn.put(1, b"x"),
        lambda: txn.__setitem__(1, b"x"), lambda: txn.delete(1), lambda: txn.__delitem__(1),
        lambda: txn.items(), lambda: txn.keys(), lambda: txn.values(), lambda: next(iterator), txn.commit,
        txn.__enter__,
    ]
    for call in calls:
        with pytest.raises(omendb.MisuseError, match="ended"):
            call()
    txn.rollback()  # does nothing
    with pytest.raises(omendb.MisuseError):
        with txn:
            pass


def test_close_with_live_transactions(tmp_path: Path, txn_frees: FreeCounter,
                                      iterator_frees: FreeCounter) -> None:
    """Closing the database rolls back its live transactions and stops their
    iterators; afterwards they raise ClosedError and rollback() does nothing."""
    path = tmp_path / "db"
    database = omendb.open(path, sync="off")
    database[1] = b"kept"
    writer = database.transaction()
    writer[2] = b"never committed"
    reader = database.transaction(read_only=True)
    iterator = reader.items()
    assert next(iterator) == (1, b"kept")
    database.close()
    assert txn_frees.count == 2 and iterator_frees.count == 1
    for txn in (writer, reader):
        assert not txn.active
        with pytest.raises(omendb.ClosedError):
            txn.get(1)
        with pytest.raises(omendb.ClosedError):
            txn.commit()
        txn.rollback()
    with pytest.raises(omendb.ClosedError):
        next(iterator)
    with pytest.raises(omendb.ClosedError):
        database.transaction()
    del writer, reader, iterator
    gc.collect()
    assert txn_frees.count == 2 and iterator_frees.count == 1  # nothing freed twice
    with omendb.open(path) as database:
        assert list(database.items()) == [(1, b"kept")]


def test_close_from_another_thread_while_transactions_run(tmp_path: Path) -> None:
    """Threads run transactions while the database closes under them: each call
    succeeds, conflicts, or raises ClosedError / MisuseError; nothing crashes."""
    seed = random.randrange(1 << 32)
    print(f"seed {seed}")
    unexpected: List[BaseException] = []
    for round_number in range(5):
        rng = random.Random(seed + round_number)
        database = omendb.open(tmp_path / f"db{round_number}", sync="off")
        go = threading.Event()

        def work(worker: int) -> None:
            go.wait()
            try:
                for step in range(10_000):
                    try:
                        with database.transaction(rng.choice(LEVELS)) as txn:
                            txn[worker] = b"%d" % step
                            txn.get(worker + 1)
                            sum(1 for _ in txn.items(0, 10))
                    except omendb.ConflictError:
                        pass  # the other workers commit too
            except omendb.MisuseError:
                pass  # ClosedError, or an ended transaction: the close won
            except BaseException as error:
                unexpected.append(error)

        workers = [threading.Thread(target=work, args=(index,)) for index in range(3)]
        for worker in workers:
            worker.start()
        go.set()
        threading.Event().wait(rng.uniform(0.0, 0.05))
        database.close()
        for worker in workers:
            worker.join()
        assert not unexpected, (seed, unexpected)
        with omendb.open(tmp_path / f"db{round_number}") as reopened:
            assert set(reopened.keys()) <= {0, 1, 2}


def test_database_collected_with_live_transaction(tmp_path: Path, txn_frees: FreeCounter) -> None:
    database = omendb.open(tmp_path / "db", sync="off")
    txn = database.transaction()
    txn[1] = b"x"
    cycle: List[Any] = [database, txn]
    cycle.append(cycle)
    del database, txn, cycle
    gc.collect()  # the transaction ends before the database closes
    assert txn_frees.count == 1
    with omendb.open(tmp_path / "db") as reopened:  # the directory lock was released
        assert list(reopened.items()) == []


# -- native handles --------------------------------------------------------------


def test_every_path_frees_the_transaction_once(db: omendb.Database, txn_frees: FreeCounter) -> None:
    db.transaction().commit()
    assert txn_frees.count == 1
    db.transaction().rollback()
    assert txn_frees.count == 2
    txn = db.transaction()
    txn[1] = b"dropped"
    del txn  # collected: rolled back
    assert txn_frees.count == 3
    with db.transaction() as txn:
        txn[1] = b"a"
    assert txn_frees.count == 4
    with pytest.raises(ZeroDivisionError):
        with db.transaction():
            1 / 0
    assert txn_frees.count == 5
    first, second = db.transaction(), db.transaction()
    first[1] = second[1] + b"1"
    second[1] = b"2"
    first.commit()
    with pytest.raises(omendb.ConflictError):
        second.commit()
    assert txn_frees.count == 7
    cycle: List[Any] = [db.transaction()]
    cycle.append(cycle)
    del cycle
    gc.collect()
    assert txn_frees.count == 8
    assert db[1] == b"a1" and db.stats().active_transactions == 0


def test_iterators_are_freed_by_the_end_of_their_transaction(db: omendb.Database,
                                                             iterator_frees: FreeCounter) -> None:
    for key in range(10):
        db[key] = b"v"
    txn = db.transaction()
    assert len(list(txn.items())) == 10  # exhausted
    assert iterator_frees.count == 1
    started = txn.keys()
    next(started)
    unstarted = txn.keys(reverse=True)
    txn.commit()  # frees both before the transaction
    assert iterator_frees.count == 3
    for iterator in (started, unstarted):
        with pytest.raises(omendb.MisuseError):
            next(iterator)
    del started, unstarted
    gc.collect()
    assert iterator_frees.count == 3
    with db.transaction() as txn:
        dropped = txn.items(2)
        next(dropped)
        del dropped
        assert iterator_frees.count == 4


def test_many_transactions_leave_nothing_behind(db: omendb.Database) -> None:
    import tracemalloc
    db[1] = b"x" * 100
    for _ in range(200):  # warm up caches and free lists
        with db.transaction() as txn:
            txn[2] = txn[1]
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        for number in range(1500):
            txn = db.transaction("repeatable_read")
            txn[2] = txn[1]
            list(txn.items())
            if number % 2:
                txn.commit()
            else:
                txn.rollback()
        gc.collect()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    growth = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    assert growth < 64 * 1024, growth  # Python objects: none kept per transaction
    assert db.stats().active_transactions == 0
    assert db._transactions == {}


# -- statistics and declarations -------------------------------------------------


def test_stats_report_transactions(db: omendb.Database) -> None:
    db[1] = b"a"
    stats = db.stats()
    assert stats.active_transactions == 0 and stats.oldest_pinned_sequence == 0
    first = db.transaction("repeatable_read")
    second = db.transaction("read_committed")
    first[1]
    assert db.stats().active_transactions == 2
    pinned_at = db.stats().last_sequence
    assert 0 < db.stats().oldest_pinned_sequence <= pinned_at
    for _ in range(5):
        db[1] = b"newer"  # versions the snapshot transaction may still read
    stats = db.stats()
    assert stats.oldest_pinned_sequence <= pinned_at and stats.retained_versions >= 1
    assert first[1] == b"a"
    first.rollback()
    second.rollback()
    stats = db.stats()
    assert stats.active_transactions == 0 and stats.oldest_pinned_sequence == 0


def test_db_stats_struct_matches_the_c_header(tmp_path: Path) -> None:
    """Compiles a C program against include/omendb.h and compares the layout of
    omendb_db_stats with the ctypes declaration."""
    header = REPO_ROOT / "include" / "omendb.h"
    compiler = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if not header.exists() or compiler is None:
        pytest.skip("needs include/omendb.h and a C compiler")
    names = [field[0] for field in _ffi.DbStatsStruct._fields_]
    source = tmp_path / "layout.c"
    source.write_text(
        '#include <stdio.h>\n#include <stddef.h>\n#include "omendb.h"\n'
        "#define F(f) printf(#f \" %zu %zu\\n\", offsetof(omendb_db_stats, f), "
        "sizeof(((omendb_db_stats *)0)->f));\n"
        'int main(void) { printf("size %zu\\n", sizeof(omendb_db_stats));\n'
        + "".join(f"F({name}) " for name in names) + "return 0; }\n")
    binary = tmp_path / "layout"
    subprocess.run([compiler, "-std=c99", "-I", str(header.parent), str(source), "-o", str(binary)], check=True)
    lines = subprocess.run([str(binary)], check=True, capture_output=True, text=True).stdout.split("\n")
    c_layout = {line.split()[0]: tuple(int(v) for v in line.split()[1:]) for line in lines if line}
    assert c_layout.pop("size") == (ctypes.sizeof(_ffi.DbStatsStruct),)
    for name, (offset, size) in c_layout.items():
        field = getattr(_ffi.DbStatsStruct, name)
        assert (field.offset, field.size) == (offset, size), name


def test_isolation_codes_match_the_c_header() -> None:
    import re
    text = (REPO_ROOT / "include" / "omendb.h").read_text()
    for name, code in _ffi.ISOLATION_LEVELS.items():
        match = re.search(rf"#define OMENDB_ISOLATION_{name.upper()}\s+(\d+)", text)
        assert match is not None and int(match.group(1)) == code, name


def test_commit_releases_the_gil_and_reads_keep_it() -> None:
    ffi = _ffi.api()
    python_api_flag = ctypes._FUNCFLAG_PYTHONAPI  # type: ignore[attr-defined]
    for name in ("txn_begin", "txn_commit", "txn_rollback", "txn_free"):
        assert not getattr(ffi, name)._flags_ & python_api_flag, name
    for name in ("txn_get", "txn_put", "txn_delete", "txn_iterator_create"):
        assert getattr(ffi, name)._flags_ & python_api_flag, name
