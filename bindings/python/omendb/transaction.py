"""``Transaction``: reads and writes grouped into one all-or-nothing unit (``omendb_txn_*``).

Usage::

    with db.transaction(isolation="serializable") as txn:   # commits on leaving the block
        balance = int(txn[1])                                # reads see the txn's own writes
        txn[1] = b"%d" % (balance - 10)
        txn[2] = b"%d" % (int(txn.get(2, b"0")) + 10)
    # ConflictError at the commit: nothing was written; run it again (see run_transaction)

    total = db.run_transaction(lambda txn: sum(map(int, (v for _, v in txn.items()))))

Isolation levels (``docs/transactions.md`` has the anomaly table):

* ``"serializable"`` (the default): reads at the begin snapshot; the commit
  validates every key read, every range scanned and every key written against
  the commits made since, and raises :class:`~omendb.errors.ConflictError` if
  any of them changed.
* ``"repeatable_read"``: snapshot isolation: reads at the begin snapshot; the
  first committer of a key wins, a later one conflicts (write skew is possible).
* ``"read_committed"``: each read sees the newest committed state; no validation.
* ``"read_uncommitted"``: the same as read committed (a transaction's writes are
  private until it commits, so there is nothing uncommitted to read).

Lifetimes
---------
A transaction ends at :meth:`Transaction.commit` (successful or not),
:meth:`Transaction.rollback`, when it is garbage collected (rolled back), or when
its database is closed (rolled back). Its native handle, and those of its
iterators, are freed when it ends. Any use after the end raises
:class:`~omendb.errors.MisuseError` naming how it ended; ``rollback()`` alone
may be repeated. A transaction is for one thread at a time; many transactions
(in as many threads) may run at once.
"""

from __future__ import annotations

import ctypes
import random
import time
import weakref
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, Optional, Tuple, TypeVar, Union, overload

from . import _ffi
from . import database as _dbmodule  # the module: database.py imports this one too
from ._ffi import BUFFER_TOO_SMALL, ISOLATION_LEVELS, IteratorHandle, TxnHandle, TxnOptionsHandle
from .errors import ConflictError, InvalidArgumentError, MisuseError, NOT_FOUND, NotFoundError, OK, UnsupportedError

if TYPE_CHECKING:
    from .database import BytesLike, Database, Table

__all__ = ["Transaction", "isolation_code"]

_T = TypeVar("_T")
_D = TypeVar("_D")
_GET_BUFFER_BYTES = 1 << 12  # the first size of the transaction's read buffer (it grows to the largest value)
_FIRST_BACKOFF = 0.001       # seconds: the ceiling of the first retry's random wait
_LARGEST_BACKOFF = 0.1       # seconds: the ceiling stops doubling here
_MISSING = object()
_DONE = object()
_NAMES = {code: name for name, code in ISOLATION_LEVELS.items()}
_SERIALIZABLE = ISOLATION_LEVELS["serializable"]


def isolation_code(isolation: object) -> int:
    """The ``OMENDB_ISOLATION_*`` code of a level name.

    Names are case-insensitive; words may be separated by ``_``, ``-`` or
    spaces (``"READ COMMITTED"``, ``"read_committed"`` and ``"Read-Committed"``
    are the same level).

    Raises:
        TypeError: ``isolation`` is not a str.
        InvalidArgumentError: (a ValueError) no such level.
    """
    if not isinstance(isolation, str):
        raise TypeError(f"isolation must be a str (one of {', '.join(ISOLATION_LEVELS)}), "
                        f"not {type(isolation).__name__}")
    code = ISOLATION_LEVELS.get("_".join(isolation.lower().replace("-", " ").replace("_", " ").split()))
    if code is None:
        raise InvalidArgumentError(f"unknown isolation level {isolation!r}; expected one of "
                                   f"{', '.join(ISOLATION_LEVELS)}")
    return code


class _TxnCore:
    """Owns one C transaction and the C iterators made from it.

    :meth:`end` runs once, through the transaction's ``weakref.finalize``
    (which guarantees a single call, whichever thread or path gets there first:
    commit, rollback, garbage collection, or the database's close). The
    database's ``_txn_lock`` is held while a C transaction or iterator is freed
    and while the database closes, so a free triggered by the garbage collector
    in one thread never runs during ``omendb_close`` in another.
    """

    def __init__(self, ffi: _ffi.Api, handle: Any, database: "Database") -> None:
        self.api = ffi
        self.handle: Optional[Any] = handle
        #: One finalizer per live C iterator of this transaction, by id of its handle.
        self.iterators: Dict[int, Callable[[], Any]] = {}
        self.registry = database._transactions  # live transactions, by id of their core
        self.lock = database._txn_lock
        self.ended = "rolled back"  # how it ended, for the MisuseError of later calls

    def end(self) -> None:
        """Frees the iterators, then the transaction (which rolls it back unless
        it was committed)."""
        with self.lock:
            handle = self.handle
            self.handle = None
            while self.iterators:
                _, free_iterator = self.iterators.popitem()
                free_iterator()
            self.api.txn_free(handle)
            self.registry.pop(id(self), None)


class _TxnKeyspace:
    """The reads and writes of a transaction, shared by :class:`Transaction` (its
    default table) and its table views (:class:`TransactionTable`, from
    :meth:`Transaction.table`): they differ only in the C functions
    (``omendb_txn_get`` or ``omendb_txn_table_get`` with the table bound, ...)."""

    # Set by the subclasses.
    _database: "Database"
    _api: _ffi.Api
    _core: _TxnCore
    _buffer: Any
    _length: Any
    _get: Callable[..., int]
    _put: Callable[..., int]
    _delete: Callable[..., int]
    _delete_range: Callable[..., int]
    _count: Callable[..., int]
    _iterator_create: Callable[..., int]

    def _enter(self) -> Any:
        raise NotImplementedError


    # -- reads -------------------------------------------------------------------

    @overload
    def get(self, key: int) -> Optional[bytes]: ...

    @overload
    def get(self, key: int, default: Union[bytes, _D]) -> Union[bytes, _D]: ...

    def get(self, key: int, default: Any = None) -> Any:
        """The value of ``key`` as bytes in this transaction's view (its own
        writes first), or ``default`` when absent.

        Raises:
            TypeError / OutOfRangeError: ``key`` is not an int64.

        Reads never conflict; under serializable isolation the key joins the
        read set that :meth:`commit` validates.
        """
        key = _dbmodule._key(key)
        handle = self._enter()
        try:
            length = self._length
            status = self._get(handle, key, self._buffer, len(self._buffer), ctypes.byref(length))
            while status == BUFFER_TOO_SMALL:  # read again into a buffer of the size the value has
                self._buffer = ctypes.create_string_buffer(length.value)
                status = self._get(handle, key, self._buffer, length.value, ctypes.byref(length))
        finally:
            self._database._leave()
        if status == OK:
            return ctypes.string_at(self._buffer, length.value)
        if status == NOT_FOUND:
            return default
        raise self._api.error(status)

    def __getitem__(self, key: int) -> bytes:
        """``txn[key]``: the value as bytes; KeyError when absent."""
        value = self.get(key, _MISSING)
        if isinstance(value, bytes):
            return value
        raise NotFoundError.for_key(key)

    def __contains__(self, key: object) -> bool:
        """``key in txn`` (a read, as :meth:`get`)."""
        return self.get(key, _MISSING) is not _MISSING  # type: ignore[call-overload]

    def items(self, lo: Optional[int] = None, hi: Optional[int] = None,
              reverse: bool = False) -> Iterator[Tuple[int, bytes]]:
        """``(key, value)`` pairs with ``lo <= key < hi`` (None: unbounded) in this
        transaction's view with its own writes merged in, ascending (descending
        with ``reverse=True``). Under serializable isolation the range read is
        validated at commit. The iterator is for use while the transaction is
        active: resuming it afterwards raises MisuseError.

        Raises (here, not at the first item):
            InvalidArgumentError: ``lo > hi``.
            TypeError / OutOfRangeError: a bound that is not an int64.
        """
        return self._iterate(lo, hi, reverse, _dbmodule._PAIRS)

    def keys(self, lo: Optional[int] = None, hi: Optional[int] = None, reverse: bool = False) -> Iterator[int]:
        """The keys in ``[lo, hi)``, as :meth:`items`."""
        return self._iterate(lo, hi, reverse, _dbmodule._KEYS)

    def values(self, lo: Optional[int] = None, hi: Optional[int] = None, reverse: bool = False) -> Iterator[bytes]:
        """The values of the keys in ``[lo, hi)``, as :meth:`items`."""
        return self._iterate(lo, hi, reverse, _dbmodule._VALUES)

    def __iter__(self) -> Iterator[Tuple[int, bytes]]:
        """Every ``(key, value)`` pair, as :meth:`items` (pairs, where ``iter(db)``
        yields keys: a transaction is not a mapping)."""
        return self.items()

    def _iterate(self, lo: Optional[int], hi: Optional[int], reverse: bool, mode: int) -> Iterator[Any]:
        lo = None if lo is None else _ffi.int64(lo, "lo")
        hi = None if hi is None else _ffi.int64(hi, "hi")
        ffi = self._api
        database = self._database
        core = self._core
        iterator = IteratorHandle()
        walk = _dbmodule._walk_batched if ffi.has("iterator_read") else _dbmodule._walk_single

        def positioned() -> Iterator[Any]:
            if reverse:
                ffi.check(ffi.iterator_seek_last(iterator))
            elif lo is not None:
                ffi.check(ffi.iterator_seek(iterator, lo))
            else:
                ffi.check(ffi.iterator_seek_first(iterator))
            yield from walk(ffi, iterator, lo, bool(reverse), mode)

        def run() -> Iterator[Any]:
            # Each step runs as a call in flight on the database, after checking
            # that the transaction (and so the C iterator) is still alive.
            steps = positioned()
            try:
                while True:
                    self._enter()
                    try:
                        item = next(steps, _DONE)
                    finally:
                        database._leave()
                    if item is _DONE:
                        return
                    yield item
            finally:
                free()

        handle = self._enter()
        try:
            ffi.check(self._iterator_create(handle, ctypes.byref(iterator)))
            if hi is not None:
                status = ffi.iterator_set_bounds(iterator, _ffi.INT64_MIN if lo is None else lo, hi)
                if status != OK:
                    error = ffi.error(status)
                    ffi.iterator_free(iterator)
                    raise error
            generator = run()
            free = weakref.finalize(generator, _free_iterator, core, ffi, iterator)
            # Registered while still in flight: ending the transaction frees it first.
            core.iterators[id(iterator)] = free
        finally:
            database._leave()
        return generator

    # -- writes ------------------------------------------------------------------

    def put(self, key: int, value: "BytesLike") -> None:
        """Writes ``value`` (bytes-like; copied) under ``key`` in this transaction.

        Raises:
            TypeError: ``key`` is not an integer or ``value`` is not bytes-like.
            OutOfRangeError: ``key`` is outside int64.
            ReadOnlyError: a read-only transaction.
            TooLargeError: ``value`` exceeds the database's ``max_value_size``.

        Writes never conflict; :meth:`commit` validates them.
        """
        key = _dbmodule._key(key)
        pointer, length, keep = _dbmodule._value(value)
        handle = self._enter()
        try:
            status = self._put(handle, key, pointer, length)
        finally:
            self._database._leave()
        del keep
        if status != OK:
            raise self._api.error(status)

    __setitem__ = put

    def delete(self, key: int) -> None:
        """Deletes ``key`` in this transaction (no error when absent). Errors as :meth:`put`."""
        key = _dbmodule._key(key)
        handle = self._enter()
        try:
            status = self._delete(handle, key)
        finally:
            self._database._leave()
        if status != OK:
            raise self._api.error(status)

    def delete_range(self, lo: Optional[int] = None, hi: Optional[int] = None) -> None:
        """Deletes every key in ``[lo, hi)`` in this transaction (None: unbounded;
        ``hi=None`` includes the largest int64): its own reads see them gone at
        once, its later puts in the range stand, and the commit writes one range
        tombstone. Under repeatable read and serializable the commit conflicts
        when a concurrent commit wrote a key in the range.

        Raises:
            InvalidArgumentError: ``lo > hi``.
            ReadOnlyError: a read-only transaction.
        """
        low, high, through_max = _dbmodule._range(lo, hi)
        handle = self._enter()
        try:
            status = self._delete_range(handle, low, high)
            if status == OK and through_max:
                status = self._delete(handle, _dbmodule._INT64_MAX)
        finally:
            self._database._leave()
        if status != OK:
            raise self._api.error(status)

    def count(self, lo: Optional[int] = None, hi: Optional[int] = None) -> int:
        """The exact number of keys in ``[lo, hi)`` as this transaction sees them
        (its own writes applied; None: unbounded). Under serializable isolation the
        range counts as scanned (validated at :meth:`commit`)."""
        low, high, through_max = _dbmodule._range(lo, hi)
        result = ctypes.c_uint64()
        handle = self._enter()
        try:
            status = self._count(handle, low, high, ctypes.byref(result))
        finally:
            self._database._leave()
        if status != OK:
            raise self._api.error(status)
        count = result.value
        if through_max and _dbmodule._INT64_MAX in self:
            count += 1
        return count

    def __delitem__(self, key: int) -> None:
        """``del txn[key]``: KeyError when ``key`` is absent in this transaction's
        view (as ``dict``); :meth:`delete` does not check."""
        if key not in self:
            raise NotFoundError.for_key(key)
        self.delete(key)


class Transaction(_TxnKeyspace):
    """A transaction of a :class:`~omendb.Database` (make one with
    :meth:`Database.transaction <omendb.Database.transaction>`).

    Reads see the transaction's own writes; its writes are private until
    :meth:`commit`, which applies them as one atomic, durable log record. As a
    context manager it commits on leaving the block normally and rolls back when
    the block raises (the exception propagates); leaving the block after the
    transaction already ended (an explicit ``commit()`` or ``rollback()`` inside
    it) does nothing more.

    Not thread-safe: one thread at a time. Errors of every method after the
    transaction ended: :class:`~omendb.errors.MisuseError` (``rollback()``
    excepted); after its database was closed: :class:`~omendb.errors.ClosedError`.
    """

    def __init__(self, database: "Database", isolation: str = "serializable", read_only: bool = False) -> None:
        code = isolation_code(isolation)
        if not isinstance(read_only, bool):
            raise TypeError(f"read_only must be a bool, not {type(read_only).__name__}")
        ffi = database._api
        if not ffi.has("txn_begin"):
            raise UnsupportedError(f"the loaded library {ffi.path} has no transactions (an older build?)")
        options = None  # NULL: the library's defaults, serializable and read-write
        if code != _SERIALIZABLE or read_only:
            options = TxnOptionsHandle()
            ffi.check(ffi.txn_options_create(ctypes.byref(options)))
        try:
            if options is not None:
                ffi.check(ffi.txn_options_set_isolation(options, code))
                ffi.check(ffi.txn_options_set_read_only(options, 1 if read_only else 0))
            handle = TxnHandle()
            db = database._enter()
            try:
                ffi.check(ffi.txn_begin(db, options, ctypes.byref(handle)))
                core = _TxnCore(ffi, handle, database)
                self._finalizer = weakref.finalize(self, core.end)
                # Registered while still in flight: the database's close ends it first.
                database._transactions[id(core)] = self._finalizer
            finally:
                database._leave()
        finally:
            if options is not None:
                ffi.txn_options_free(options)
        self._database = database
        self._api = ffi
        self._core = core
        self._isolation = _NAMES[code]
        self._read_only = read_only
        self._buffer = ctypes.create_string_buffer(_GET_BUFFER_BYTES)
        self._length = ctypes.c_size_t()
        self._get = ffi.txn_get
        self._put = ffi.txn_put
        self._delete = ffi.txn_delete
        self._delete_range = ffi.txn_delete_range
        self._count = ffi.txn_count
        self._iterator_create = ffi.txn_iterator_create

    # -- state -------------------------------------------------------------------

    @property
    def isolation(self) -> str:
        """The isolation level's canonical name, e.g. ``"serializable"``."""
        return self._isolation

    @property
    def read_only(self) -> bool:
        """True for a read-only transaction (its writes raise ReadOnlyError)."""
        return self._read_only

    @property
    def active(self) -> bool:
        """False once the transaction ended (commit, rollback, database closed)."""
        return self._core.handle is not None

    def __repr__(self) -> str:
        state = "active" if self.active else "ended"
        kind = " read-only" if self._read_only else ""
        return f"<omendb.Transaction {self._isolation}{kind} {state}>"

    def _enter(self) -> Any:
        """Registers a call in flight on the database and returns the C handle.
        ClosedError when the database is closed, MisuseError when this ended."""
        self._database._enter()
        handle = self._core.handle
        if handle is None:
            self._database._leave()
            raise MisuseError(f"this transaction has ended ({self._core.ended})")
        return handle

    # -- ending ------------------------------------------------------------------

    def commit(self) -> None:
        """Applies every write as one atomic log record and ends the transaction
        (also when it fails). Durable as the database's ``sync`` mode says.

        Raises:
            ConflictError: a commit made after this transaction began changed what
                it read, scanned or wrote (as its isolation level checks); nothing
                was written. The message names the key or range. Read-only
                transactions and transactions that wrote nothing never conflict.
            OmenIOError: the log could not be written.
            MisuseError: the transaction had already ended.
        """
        handle = self._enter()
        try:
            status = self._api.txn_commit(handle)
            self._core.ended = "committed" if status == OK else "its commit failed"
            self._finalizer()
        finally:
            self._database._leave()
        if status != OK:
            raise self._api.error(status)

    def rollback(self) -> None:
        """Discards every write and ends the transaction. Does nothing when it
        has already ended."""
        try:
            self._enter()
        except MisuseError:  # ended, or its database is closed (whose close rolls it back)
            return
        try:
            self._finalizer()  # omendb_txn_free rolls back an active transaction
        finally:
            self._database._leave()

    def __enter__(self) -> "Transaction":
        self._enter()
        self._database._leave()
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None:
            if self.active:
                self.commit()
        else:
            self.rollback()


    def table(self, table: "Table") -> "TransactionTable":
        """A view of this transaction on ``table`` (a :class:`~omendb.Table` of the
        same database): its ``get`` / ``put`` / ``delete`` / ``delete_range`` /
        ``count`` / ``items`` ... read and write that table inside this
        transaction, with the same isolation; the commit writes every table
        atomically, validated per (table, key). The view has no commit or
        rollback: end the transaction itself.

        Raises:
            TypeError: ``table`` is not a Table.
            MisuseError: ``table`` belongs to another database.
            ClosedError: the table was dropped.
        """
        return TransactionTable(self, table)



class TransactionTable(_TxnKeyspace):
    """A view of a :class:`Transaction` on one :class:`~omendb.Table`
    (:meth:`Transaction.table`): the transaction's reads and writes, on the table.
    Ends with its transaction (later calls raise MisuseError); one thread at a
    time, as the transaction."""

    def __init__(self, transaction: Transaction, table: "Table") -> None:
        if not isinstance(table, _dbmodule.Table):
            raise TypeError(f"table must be an omendb.Table, not {type(table).__name__}")
        if table._database is not transaction._database:
            raise MisuseError(f"table {table.name!r} belongs to another database than this transaction")
        if table._dropped:
            raise table._closed_error()
        ffi = transaction._api
        handle = table._handle
        self.transaction = transaction
        self.table = table
        self._database = transaction._database
        self._api = ffi
        self._core = transaction._core
        self._buffer = ctypes.create_string_buffer(_GET_BUFFER_BYTES)
        self._length = ctypes.c_size_t()
        self._get = lambda txn, *rest: ffi.txn_table_get(txn, handle, *rest)
        self._put = lambda txn, *rest: ffi.txn_table_put(txn, handle, *rest)
        self._delete = lambda txn, *rest: ffi.txn_table_delete(txn, handle, *rest)
        self._delete_range = lambda txn, *rest: ffi.txn_table_delete_range(txn, handle, *rest)
        self._count = lambda txn, *rest: ffi.txn_table_count(txn, handle, *rest)
        self._iterator_create = lambda txn, iterator: ffi.txn_table_iterator_create(txn, handle, iterator)

    def __repr__(self) -> str:
        return f"<omendb.TransactionTable {self.table.name!r} of {self.transaction!r}>"

    def _enter(self) -> Any:
        """The transaction's C handle, as :meth:`Transaction._enter`; ClosedError
        once the table was dropped."""
        handle = self.transaction._enter()
        if self.table._dropped:
            self._database._leave()
            raise self.table._closed_error()
        return handle


def _free_iterator(core: _TxnCore, ffi: _ffi.Api, iterator: Any) -> None:
    with core.lock:
        core.iterators.pop(id(iterator), None)
        ffi.iterator_free(iterator)


def run_transaction(database: "Database", fn: Callable[[Transaction], _T], retries: int,
                    isolation: str, read_only: bool) -> _T:
    """:meth:`Database.run_transaction <omendb.Database.run_transaction>`."""
    if not callable(fn):
        raise TypeError(f"fn must be callable, not {type(fn).__name__}")
    if isinstance(retries, bool) or not isinstance(retries, int):
        raise TypeError(f"retries must be an int, not {type(retries).__name__}")
    if retries < 0:
        raise InvalidArgumentError(f"retries must be >= 0, not {retries}")
    isolation_code(isolation)  # a bad level fails before fn runs
    ceiling = _FIRST_BACKOFF
    attempt = 0
    while True:
        txn = Transaction(database, isolation, read_only)
        try:
            result = fn(txn)
            if txn.active:
                txn.commit()
            return result
        except ConflictError:
            txn.rollback()
            if attempt == retries:
                raise
        except BaseException:
            txn.rollback()
            raise
        attempt += 1
        time.sleep(random.uniform(0.0, ceiling))  # full jitter: colliding retries spread out
        ceiling = min(2 * ceiling, _LARGEST_BACKOFF)
