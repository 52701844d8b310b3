"""``Database``: a durable key-value store (int64 keys, byte values), ``omendb_open``.

Usage::

    import omendb

    with omendb.open("./my.db") as db:          # a directory; created when missing
        db[1] = b"one"                           # put (bytes, bytearray, memoryview, numpy buffers)
        db[1]                                    # -> b"one"; KeyError when absent
        db.get(2, b"?")                          # -> b"?"
        with db.write_batch() as batch:          # atomic: all or nothing
            batch[2] = b"two"
            del batch[1]
        for key, value in db.items(lo=0, hi=100, reverse=True):
            ...
        with db.snapshot() as snap:              # a consistent read view
            view = snap.get(2)                   # zero-copy memoryview, valid while snap is open
        with db.transaction() as txn:            # serializable; commits on success
            txn[3] = txn[2] + b"!"               # ConflictError at the commit if a concurrent one interfered

Lifetimes
---------
* :meth:`Database.close` (or leaving a ``with`` block) closes the C handle and
  releases the directory lock; calling it again does nothing; any later call
  raises :class:`~omendb.errors.ClosedError`. A database that is garbage
  collected unclosed is closed by a ``weakref.finalize`` hook.
* Iterators (:meth:`Database.items`, ``keys``, ``values``) are generators over a
  C iterator with its own snapshot. The C iterator is freed when the generator
  is exhausted, closed (``gen.close()``) or garbage collected. An iterator keeps
  reading its snapshot even after the database is closed.
* Zero-copy values: :meth:`Snapshot.get` and :meth:`Snapshot.multi_get` return
  read-only ``memoryview`` objects over engine memory that the snapshot keeps
  alive. :meth:`Snapshot.close` first *releases* every memoryview it handed out
  (using one afterwards raises ``ValueError: operation forbidden on released
  memoryview object``). If values are still referenced through objects derived
  from them (slices, ``np.frombuffer(view)``, ``memoryview(view)``), the engine
  memory cannot be freed: ``close()`` then raises ``BufferError`` and the
  snapshot stays open. Whatever the order in which the snapshot object and the
  views are dropped or collected, the C snapshot is freed only after the last
  view is gone, so no view ever reads freed memory.
* Transactions (:meth:`Database.transaction`, :mod:`omendb.transaction`) end at
  commit, rollback or garbage collection; :meth:`Database.close` rolls back those
  still active before it closes the C handle.

Threads
-------
A :class:`Database` may be used from any number of threads at once: the C
database is thread-safe, and every call that may wait (writes, flush,
compaction, verification, multi-gets, reads of values over 4 KiB) releases the
GIL. Reads of small values keep it: they are a short memory copy, and a
GIL round trip would cost more than the read. ``close()`` is safe
while other threads are inside calls: the C handle is closed when the last of
them returns, and new calls raise ``ClosedError``. A :class:`WriteBatch` and a
generator are for one thread at a time; a :class:`Snapshot` may be shared.
"""

from __future__ import annotations

import collections
import ctypes
import gc
import os
import threading
import weakref
from dataclasses import dataclass
from typing import Any, Callable, Deque, Dict, Iterator, List, Optional, Tuple, TypeVar, Union

import numpy as np

from . import _ffi
from ._convert import int64_array
from ._ffi import (BUFFER_TOO_SMALL, INDEX_KINDS, SYNC_MODES, BatchHandle, DbHandle, DbStatsStruct,
                   IteratorHandle, OptionsHandle, SnapshotHandle)
from .errors import ClosedError, InvalidArgumentError, NOT_FOUND, OK, OutOfRangeError, UnsupportedError
from .transaction import Transaction, run_transaction

__all__ = ["Database", "DatabaseStats", "WriteBatch", "Snapshot", "open"]

_INT64_MIN = _ffi.INT64_MIN
_INT64_MAX = _ffi.INT64_MAX
_GET_BUFFER_BYTES = 1 << 12  # values up to this size are read into the database's buffer

BytesLike = Union[bytes, bytearray, memoryview, Any]
_T = TypeVar("_T")


def _key(key: object) -> int:
    """``key`` as an int64 (TypeError for non-integers and bools, OutOfRangeError outside int64)."""
    if type(key) is int and _INT64_MIN <= key <= _INT64_MAX:
        return key
    return _ffi.int64(key, "key")


def _value(value: object) -> Tuple[Any, int, Any]:
    """``(pointer argument, length, keep-alive)`` for a bytes-like ``value``.

    bytes pass straight through; other contiguous buffers are passed by address
    (the keep-alive object holds them during the call); non-contiguous buffers
    are copied. TypeError for anything that is not bytes-like (str included).
    """
    if type(value) is bytes:
        return value, len(value), None
    if isinstance(value, str):
        raise TypeError("value must be bytes-like (bytes, bytearray, memoryview, a numpy array), not str; "
                        "encode it first")
    try:
        view = memoryview(value)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError("value must be bytes-like (bytes, bytearray, memoryview, a numpy array), "
                        f"not {type(value).__name__}") from None
    if view.nbytes == 0:
        return None, 0, None
    if not view.c_contiguous:
        data = view.tobytes()
        return data, len(data), None
    array = np.frombuffer(view.cast("B"), dtype=np.uint8)
    return array.__array_interface__["data"][0], view.nbytes, array


@dataclass(frozen=True)
class DatabaseStats:
    """Statistics of an open database (``omendb_db_stats``).

    Attributes:
        hot_keys, hot_bytes: keys and memory in the in-memory hot tier(s).
        cold_keys, cold_bytes, run_count: entries and file bytes in run files.
        wal_bytes: bytes in the current log file.
        model_count: learned-model segments over all runs.
        bytes_per_key_index: index memory per key, over all tiers.
        approximate_count: keys over all tiers (a key in several tiers counts
            more than once, deletions count too): an upper-bound estimate.
        last_sequence: sequence number of the newest visible commit.
        active_transactions: transactions begun and not yet ended.
        oldest_pinned_sequence: the oldest sequence a live snapshot or
            transaction still reads at (0 when nothing is pinned).
        retained_versions: older versions of keys kept for such readers.
        conflicts: commits refused with ConflictError since the database opened.
        (These four are 0 with a library that predates transactions.)
    """

    hot_keys: int
    hot_bytes: int
    cold_keys: int
    cold_bytes: int
    run_count: int
    wal_bytes: int
    model_count: int
    bytes_per_key_index: float
    approximate_count: int
    last_sequence: int
    active_transactions: int
    oldest_pinned_sequence: int
    retained_versions: int
    conflicts: int


def _end_transactions(transactions: Dict[int, Callable[[], Any]]) -> None:
    """Ends (rolls back and frees) every transaction still open on a database."""
    while transactions:
        _, end = transactions.popitem()
        end()


def _close_db(close: Callable[[Any], int], handle: Any, transactions: Dict[int, Callable[[], Any]],
              txn_lock: "threading.RLock") -> None:
    with txn_lock:
        _end_transactions(transactions)
        close(handle)


class Database:
    """An open OmenDB database directory.

    Args:
        path: the database directory (str or os.PathLike).
        create_if_missing: create the directory and an empty database when missing.
        error_if_exists: fail (InvalidArgumentError) when a database already exists.
        create_in_nonempty_directory: create a database in a directory that holds
            other files (left alone); otherwise such a directory raises
            InvalidArgumentError and is not written to.
        read_only: open read-only: writes raise ReadOnlyError; several read-only
            handles (also in other processes) may share a directory.
        sync: "off" (the OS writes back; a machine crash may lose recent commits),
            "normal" (fsync every ~100 ms / 8 MiB, the default) or "full" (fsync
            before each commit returns).
        index_kind: the learned index of run files: "auto" (default: each run gets
            the kind picked for its own keys), "linear", "rmi" or "pgm"; "alex" is
            refused (UnsupportedError).
        hot_tier_bytes: memory of the in-memory tier before it is written to a
            run file (65536 .. 2**40; None: the library's default, 64 MiB).
        max_value_size: largest value accepted in bytes (0 .. 2**30; None: 64 MiB).

    Raises:
        BusyError: another handle (in any process) holds the directory (any
            handle, for a read-write open; a read-write one, for a read-only open);
            the message names the holding processes.
        CorruptionError: damaged files (the message names the file and offset).
        OmenIOError: the directory is missing (create_if_missing off or read-only),
            or the OS refused an operation.
        InvalidArgumentError: an existing database with error_if_exists, a non-empty
            directory without a database (unless create_in_nonempty_directory), a
            bad option.
        UnsupportedError: an index kind this build lacks, or a library without the
            database API.
    """

    def __init__(self, path: Union[str, "os.PathLike[str]"], *, create_if_missing: bool = True,
                 error_if_exists: bool = False, create_in_nonempty_directory: bool = False,
                 read_only: bool = False, sync: str = "normal",
                 index_kind: str = "auto", hot_tier_bytes: Optional[int] = None,
                 max_value_size: Optional[int] = None) -> None:
        self._handle: Optional[Any] = None
        self._closed = True
        raw_path = os.fsencode(os.fspath(path))
        if b"\0" in raw_path:
            raise ValueError("path contains a NUL byte")
        sync_code = _ffi.choice(sync, SYNC_MODES, "sync mode")
        kind_code = _ffi.choice(index_kind, INDEX_KINDS, "index kind")
        ffi = _ffi.api()
        if not ffi.has("open"):
            raise UnsupportedError(f"the loaded library {ffi.path} has no database API (an older build?)")
        options = OptionsHandle()
        ffi.check(ffi.options_create(ctypes.byref(options)))
        try:
            ffi.check(ffi.options_set_create_if_missing(options, 1 if create_if_missing else 0))
            ffi.check(ffi.options_set_error_if_exists(options, 1 if error_if_exists else 0))
            ffi.check(ffi.options_set_create_in_nonempty_directory(
                options, 1 if create_in_nonempty_directory else 0))
            ffi.check(ffi.options_set_read_only(options, 1 if read_only else 0))
            ffi.check(ffi.options_set_sync(options, sync_code))
            ffi.check(ffi.options_set_index_kind(options, kind_code))
            if hot_tier_bytes is not None:
                ffi.check(ffi.options_set_hot_tier_bytes(options, _unsigned(hot_tier_bytes, "hot_tier_bytes")))
            if max_value_size is not None:
                ffi.check(ffi.options_set_max_value_size(options, _unsigned(max_value_size, "max_value_size")))
            handle = DbHandle()
            ffi.check(ffi.open(raw_path, options, ctypes.byref(handle)))
        finally:
            ffi.options_free(options)
        self._api = ffi
        self.path = os.fsdecode(raw_path)
        self.read_only = bool(read_only)
        # Calls in flight: one entry per running call (deque append/pop are atomic
        # under the GIL, far cheaper than a lock here). close() defers the C close
        # to the last of them. self._lock serializes only the closing itself.
        self._inflight: Deque[None] = collections.deque()
        self._lock = threading.Lock()
        self._released = False
        # get(): values up to _GET_BUFFER_BYTES are copied into a buffer taken
        # from this pool (one per concurrent reader), then into bytes.
        self._buffers: Deque[_ReadBuffer] = collections.deque()
        self._c_get = ffi.get
        self._c_put = ffi.put
        self._c_delete = ffi.delete
        # Live transactions (their finalizers, which end them), ended before the C close;
        # the lock keeps every C free of a transaction or its iterators out of the close.
        self._transactions: Dict[int, Callable[[], Any]] = {}
        self._txn_lock = threading.RLock()
        self._handle = handle
        self._closed = False
        self._finalizer = weakref.finalize(self, _close_db, ffi.close, handle, self._transactions,
                                           self._txn_lock)

    # -- lifetime ----------------------------------------------------------------

    def close(self) -> None:
        """Closes the database (syncs the log, releases the directory lock).

        Safe to call more than once. Calls running in other threads finish first
        (the C handle is closed when the last returns). Iterators and snapshots
        taken earlier stay readable. Transactions still active are rolled back
        (and their iterators stop): using one afterwards raises ClosedError,
        except ``rollback()``, which does nothing.

        Raises:
            OmenIOError: the final log sync failed (the handle is closed anyway).
        """
        if self._handle is None:
            return
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._inflight or self._released:
                return  # the last running call closes it (and drops its error)
            self._released = True
            self._finalizer.detach()
        with self._txn_lock:
            _end_transactions(self._transactions)
            status = self._api.close(self._handle)
        self._api.check(status)

    def _finish_close(self) -> None:
        """Closes the C handle once closed and no call is in flight (any thread)."""
        with self._lock:
            if self._released or self._inflight:
                return
            self._released = True
        self._finalizer()

    @property
    def closed(self) -> bool:
        """True after :meth:`close`."""
        return self._closed

    def __enter__(self) -> "Database":
        if self._closed:
            raise ClosedError("this Database is closed")
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("read-only" if self.read_only else "open")
        return f"<omendb.Database {self.path!r} {state}>"

    def _enter(self) -> Any:
        """Registers a call in flight and returns the C handle (ClosedError if closed).
        Announce first, then check: a close() that ran before the check is seen by
        it; one that runs after sees the entry and leaves the closing to _leave."""
        self._inflight.append(None)
        if self._closed:
            self._leave()
            raise ClosedError("this Database is closed")
        return self._handle

    def _leave(self) -> None:
        inflight = self._inflight
        inflight.pop()
        if self._closed and not inflight:
            self._finish_close()

    # -- single keys -------------------------------------------------------------

    def get(self, key: int, default: Any = None) -> Any:
        """The value of ``key`` as bytes, or ``default`` when absent."""
        if type(key) is not int or not _INT64_MIN <= key <= _INT64_MAX:
            key = _key(key)
        buffers = self._buffers
        try:
            buffer = buffers.pop()
        except IndexError:
            buffer = _ReadBuffer()
        inflight = self._inflight
        inflight.append(None)
        try:
            if self._closed:
                raise ClosedError("this Database is closed")
            status = self._c_get(self._handle, key, buffer.address, _GET_BUFFER_BYTES, buffer.length_ref)
            if status == OK:
                return buffer.view[:buffer.length.value].tobytes()
            if status == NOT_FOUND:
                return default
            if status != BUFFER_TOO_SMALL:
                raise self._api.error(status)
            needed = buffer.length.value
        finally:
            buffers.append(buffer)
            inflight.pop()
            if self._closed and not inflight:
                self._finish_close()
        return self._get_large(key, needed, default)

    def _get_large(self, key: int, needed: int, default: Any) -> Any:
        """get() of a value larger than the shared buffer: into its own buffer,
        with the GIL released (the value may change in between, hence the loop)."""
        length = ctypes.c_size_t()
        handle = self._enter()
        try:
            while True:
                buffer = ctypes.create_string_buffer(needed)
                status = self._api.get_releasing_gil(handle, key, buffer, needed, ctypes.byref(length))
                if status == OK:
                    return buffer.raw[:length.value] if length.value != needed else buffer.raw
                if status == NOT_FOUND:
                    return default
                if status != BUFFER_TOO_SMALL:
                    raise self._api.error(status)
                needed = length.value
        finally:
            self._leave()

    def __getitem__(self, key: int) -> bytes:
        """``db[key]``: the value as bytes. KeyError when ``key`` is absent."""
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value  # type: ignore[no-any-return]

    def __contains__(self, key: object) -> bool:
        """``key in db``. TypeError / OutOfRangeError for keys that are not int64."""
        return self.get(key, _MISSING) is not _MISSING  # type: ignore[arg-type]

    def put(self, key: int, value: BytesLike) -> None:
        """Stores ``value`` (bytes-like; copied) under ``key`` as one atomic commit.

        Raises:
            TypeError: ``key`` is not an integer or ``value`` is not bytes-like.
            OutOfRangeError: ``key`` is outside int64.
            TooLargeError: ``value`` exceeds ``max_value_size``.
            ReadOnlyError: the database is read-only.
            OmenIOError: the log could not be written.
        """
        key = _key(key)
        pointer, length, keep = _value(value)
        handle = self._enter()
        try:
            status = self._c_put(handle, key, pointer, length)
        finally:
            self._leave()
        del keep
        if status != OK:
            raise self._api.error(status)

    __setitem__ = put

    def delete(self, key: int) -> None:
        """Deletes ``key`` (no error when absent). Errors as :meth:`put`."""
        key = _key(key)
        handle = self._enter()
        try:
            status = self._c_delete(handle, key)
        finally:
            self._leave()
        if status != OK:
            raise self._api.error(status)

    def __delitem__(self, key: int) -> None:
        """``del db[key]``: KeyError when ``key`` is absent (as ``dict``); :meth:`delete` does not check."""
        if key not in self:
            raise KeyError(key)
        self.delete(key)

    # -- many keys ---------------------------------------------------------------

    def multi_get(self, keys: Any) -> List[Optional[bytes]]:
        """The values of ``keys`` (a numpy int64 array or a sequence of ints), read
        at one consistent point in time: a list of bytes, None where absent."""
        with self.snapshot() as snapshot:
            return snapshot._multi_get_copy(keys)

    get_many = multi_get

    def bulk_load(self, keys: Any, values: Any) -> None:
        """Loads sorted, strictly increasing ``keys`` with their ``values`` (bytes-like)
        into a new run file in one atomic step (no per-record log).

        Raises:
            InvalidArgumentError: keys not strictly increasing (the message names the
                position), or ``len(keys) != len(values)``.
            TypeError: keys not integers or values not bytes-like.
            TooLargeError, ReadOnlyError, OmenIOError: as :meth:`put`.
        """
        array, _ = int64_array(keys, "keys", copy=False)
        if array.ndim != 1:
            raise InvalidArgumentError("keys must be one-dimensional")
        values = list(values)
        count = int(array.shape[0])
        if len(values) != count:
            raise InvalidArgumentError(f"bulk_load got {count} keys but {len(values)} values")
        # One contiguous copy of the values (a memcpy each) with pointers into it:
        # far cheaper than a ctypes array of count objects.
        data = [value if type(value) is bytes else _value_bytes(value) for value in values]
        blob = b"".join(data)
        lengths = np.fromiter(map(len, data), dtype=np.uintp, count=count)
        del data
        pointers = np.zeros(count, dtype=np.uintp)
        if count > 1:
            np.cumsum(lengths[:-1], out=pointers[1:])
        pointers += ctypes.cast(ctypes.c_char_p(blob), ctypes.c_void_p).value or 0
        handle = self._enter()
        try:
            status = self._api.bulk_load(handle, array, pointers, lengths, count)
        finally:
            self._leave()
        del blob  # held until the library has copied the values
        if status != OK:
            raise self._api.error(status)

    def write_batch(self) -> "WriteBatch":
        """A new :class:`WriteBatch` for this database; as a context manager it
        commits on success and discards its operations on an exception."""
        if self._closed:
            raise ClosedError("this Database is closed")
        return WriteBatch(self)

    def snapshot(self) -> "Snapshot":
        """A consistent read view of the current state (see :class:`Snapshot`)."""
        handle = self._enter()
        try:
            snapshot = SnapshotHandle()
            self._api.check(self._api.snapshot_open(handle, ctypes.byref(snapshot)))
        finally:
            self._leave()
        return Snapshot(self._api, snapshot)

    # -- transactions ------------------------------------------------------------

    def transaction(self, isolation: str = "serializable", read_only: bool = False) -> Transaction:
        """Begins a :class:`~omendb.Transaction`; as a context manager it commits
        on success and rolls back on an exception.

        Args:
            isolation: ``"serializable"`` (default), ``"repeatable_read"``,
                ``"read_committed"`` or ``"read_uncommitted"`` (case-insensitive;
                ``"read committed"`` with a space works too). See
                :mod:`omendb.transaction` for what each guarantees.
            read_only: a transaction whose writes raise ReadOnlyError.

        Raises:
            TypeError: ``isolation`` is not a str or ``read_only`` not a bool.
            InvalidArgumentError: (a ValueError) an unknown isolation level.
            ReadOnlyError: a read-write transaction on a read-only database.
            ClosedError: the database is closed.
            UnsupportedError: a library without transactions.
        """
        return Transaction(self, isolation, read_only)

    def run_transaction(self, fn: Callable[[Transaction], _T], retries: int = 10,
                        isolation: str = "serializable", read_only: bool = False) -> _T:
        """Runs ``fn(txn)`` in a new transaction and commits it, again (in a new
        transaction) after each ConflictError, at most ``retries`` more times;
        returns what ``fn`` returned.

        Before a retry it sleeps a random time below a ceiling that starts at
        1 ms and doubles up to 100 ms (exponential backoff with full jitter), so
        that transactions that collided do not collide again in lockstep. ``fn``
        may run more than once: it should have no effects outside the
        transaction (or idempotent ones). If ``fn`` ends the transaction itself
        (``txn.commit()`` / ``txn.rollback()``), its result is returned as is.

        Example::

            def transfer(txn: omendb.Transaction) -> int:
                balance = int(txn[1]) - 10
                txn[1] = b"%d" % balance
                txn[2] = b"%d" % (int(txn[2]) + 10)
                return balance

            remaining = db.run_transaction(transfer)

        Raises:
            ConflictError: the last attempt conflicted (after ``retries`` retries).
            Any exception of ``fn``: the transaction is rolled back, no retry.
            TypeError / ValueError: bad arguments, as :meth:`transaction`;
                ``retries`` must be an int >= 0.
        """
        return run_transaction(self, fn, retries, isolation, read_only)

    # -- iteration ---------------------------------------------------------------

    def items(self, lo: Optional[int] = None, hi: Optional[int] = None,
              reverse: bool = False) -> Iterator[Tuple[int, bytes]]:
        """``(key, value)`` pairs with ``lo <= key < hi`` (None: unbounded), in
        ascending key order, or descending with ``reverse=True``. The view is a
        snapshot taken when this is called.

        Raises (here, not at the first item):
            InvalidArgumentError: ``lo > hi`` (``lo == hi`` is an empty range), as
                ``omendb_iterator_set_bounds``.
            TypeError / OutOfRangeError: a bound that is not an int64.
        """
        return self._iterate(lo, hi, reverse, _PAIRS)

    def keys(self, lo: Optional[int] = None, hi: Optional[int] = None, reverse: bool = False) -> Iterator[int]:
        """The keys in ``[lo, hi)``, as :meth:`items`."""
        return self._iterate(lo, hi, reverse, _KEYS)

    def values(self, lo: Optional[int] = None, hi: Optional[int] = None, reverse: bool = False) -> Iterator[bytes]:
        """The values of the keys in ``[lo, hi)``, as :meth:`items`."""
        return self._iterate(lo, hi, reverse, _VALUES)

    def __iter__(self) -> Iterator[Tuple[int, bytes]]:
        """``for key, value in db``: every pair in ascending key order (like
        :meth:`items`; note: pairs, not keys as for a dict)."""
        return self.items()

    def __len__(self) -> int:
        """The exact number of keys. Counts them by iterating (O(n)); see
        :attr:`approximate_count` for a constant-time estimate."""
        count = 0
        for _ in self._iterate(None, None, False, _KEYS):
            count += 1
        return count

    def _iterate(self, lo: Optional[int], hi: Optional[int], reverse: bool, mode: int) -> Iterator[Any]:
        lo = None if lo is None else _ffi.int64(lo, "lo")
        hi = None if hi is None else _ffi.int64(hi, "hi")
        handle = self._enter()
        try:
            iterator = _new_iterator(self._api, handle, None)
        finally:
            self._leave()
        return _generate(self._api, iterator, lo, hi, bool(reverse), mode)

    # -- maintenance -------------------------------------------------------------

    def _call(self, function: Callable[[Any], int]) -> None:
        handle = self._enter()
        try:
            status = function(handle)
        finally:
            self._leave()
        if status != OK:
            raise self._api.error(status)

    def flush(self) -> None:
        """Writes the hot tier to a run file and waits until it is durable."""
        self._call(self._api.flush)

    def compact(self) -> None:
        """Merges all run files into one, dropping overwritten values and deletions; waits."""
        self._call(self._api.compact)

    def verify(self) -> None:
        """Full consistency check of every file. CorruptionError names the file and offset."""
        self._call(self._api.verify)

    def stats(self) -> DatabaseStats:
        """A :class:`DatabaseStats` of the current state."""
        raw = DbStatsStruct()
        raw.struct_size = ctypes.sizeof(DbStatsStruct)
        self._call(lambda handle: self._api.get_stats(handle, ctypes.byref(raw)))
        return DatabaseStats(**{field[0]: getattr(raw, field[0]) for field in DbStatsStruct._fields_
                                if field[0] != "struct_size"})

    @property
    def approximate_count(self) -> int:
        """Keys over all tiers, from the statistics (constant time; an upper bound:
        a key present in several tiers, or deleted, may be counted more than once)."""
        return self.stats().approximate_count


_MISSING = object()
_PAIRS, _KEYS, _VALUES = 0, 1, 2
_MULTI_GET_BYTES = 1 << 16  # value bytes per copy multi-get call (grown for larger values)
_SIZE_MAX = (1 << (8 * ctypes.sizeof(ctypes.c_size_t))) - 1


class _ReadBuffer:
    """A caller buffer for omendb_get with its length output, used by one call at a time."""

    __slots__ = ("storage", "address", "view", "length", "length_ref")

    def __init__(self) -> None:
        self.storage = ctypes.create_string_buffer(_GET_BUFFER_BYTES)
        self.address = ctypes.addressof(self.storage)
        self.view = memoryview(self.storage).cast("B")
        self.length = ctypes.c_size_t()
        self.length_ref = ctypes.byref(self.length)


def _unsigned(value: object, what: str) -> int:
    if isinstance(value, bool):
        raise TypeError(f"{what} must be an integer, not bool")
    number = _ffi._index(value, what)
    if not 0 <= number < (1 << 64):
        raise OutOfRangeError(f"{what} {number} is outside the range [0, 2**64)")
    return number


def _value_bytes(value: object) -> bytes:
    """A bytes copy of a bytes-like ``value`` (TypeError otherwise)."""
    if isinstance(value, str):
        raise TypeError("value must be bytes-like, not str; encode it first")
    try:
        return memoryview(value).tobytes()  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"value must be bytes-like, not {type(value).__name__}") from None


def _new_iterator(ffi: _ffi.Api, db: Any, snapshot: Any) -> Any:
    iterator = IteratorHandle()
    ffi.check(ffi.iterator_create(db, snapshot, ctypes.byref(iterator)))
    return iterator


def _generate(ffi: _ffi.Api, iterator: Any, lo: Optional[int], hi: Optional[int], reverse: bool,
              mode: int) -> Iterator[Any]:
    """A generator over C ``iterator`` (owned) in ``[lo, hi)``. The C iterator is
    freed when the generator finishes, is closed, or is collected (a finalizer on
    the generator covers one that was never started).

    The bounds are set now, not at the first ``next()``: the C API rejects
    ``lo > hi`` (InvalidArgumentError) and the caller sees it at the call."""
    release: List[Callable[[], Any]] = []
    walk = _walk_batched if ffi.has("iterator_read") else _walk_single
    if hi is not None:  # exact in C: [lo, hi), so batches never overshoot hi
        status = ffi.iterator_set_bounds(iterator, _INT64_MIN if lo is None else lo, hi)
        if status != OK:
            error = ffi.error(status)
            ffi.iterator_free(iterator)
            raise error

    def run() -> Iterator[Any]:
        try:
            if reverse:
                ffi.check(ffi.iterator_seek_last(iterator))
            elif lo is not None:
                ffi.check(ffi.iterator_seek(iterator, lo))
            else:
                ffi.check(ffi.iterator_seek_first(iterator))
            yield from walk(ffi, iterator, lo, reverse, mode)
        finally:
            release[0]()

    generator = run()
    release.append(weakref.finalize(generator, ffi.iterator_free, iterator))
    return generator


_FIRST_BATCH = 16     # entries in the first batched read (a scan may stop early)
_LARGEST_BATCH = 1024  # entries per batched read once the scan is going
_BATCH_BYTES = 1 << 16  # value bytes per batched read (grown for larger values)


def _walk_batched(ffi: _ffi.Api, iterator: Any, lo: Optional[int], reverse: bool, mode: int) -> Iterator[Any]:
    """Entries from the positioned ``iterator``, read many per C call
    (``omendb_iterator_read``). In reverse, stops below ``lo`` (forward, the
    seek and the C bounds already keep to the range)."""
    read = ffi.iterator_read
    direction = -1 if reverse else 1
    keys = np.empty(_LARGEST_BATCH, dtype=np.int64)
    lengths = np.empty(_LARGEST_BATCH, dtype=np.uintp)
    keys_address = keys.ctypes.data
    lengths_address = lengths.ctypes.data
    capacity = 0 if mode == _KEYS else _BATCH_BYTES
    buffer = ctypes.create_string_buffer(capacity) if capacity else None
    buffer_address = ctypes.addressof(buffer) if buffer is not None else None
    view = memoryview(buffer).cast("B") if buffer is not None else None
    count = ctypes.c_size_t()
    count_ref = ctypes.byref(count)
    wanted = _FIRST_BATCH
    while True:
        status = read(iterator, direction, wanted, keys_address, lengths_address, buffer_address, capacity,
                      count_ref)
        if status == BUFFER_TOO_SMALL:  # one value larger than the buffer: grow it
            capacity = max(int(lengths[0]), 2 * capacity)
            buffer = ctypes.create_string_buffer(capacity)
            buffer_address = ctypes.addressof(buffer)
            view = memoryview(buffer).cast("B")
            continue
        if status != OK:
            raise ffi.error(status)
        copied = count.value
        if copied == 0:
            return
        batch_keys = keys[:copied].tolist()
        if reverse and lo is not None and batch_keys[-1] < lo:
            cut = next(i for i, key in enumerate(batch_keys) if key < lo)
            batch_keys = batch_keys[:cut]
            copied = -1  # stop after this batch
        if mode == _KEYS:
            yield from batch_keys
        else:
            offset = 0
            for key, length in zip(batch_keys, lengths[:len(batch_keys)].tolist()):
                end = offset + length
                value = view[offset:end].tobytes()  # type: ignore[index]
                offset = end
                yield (key, value) if mode == _PAIRS else value
        if copied < 0:
            return
        wanted = min(2 * wanted, _LARGEST_BATCH)


def _walk_single(ffi: _ffi.Api, iterator: Any, lo: Optional[int], reverse: bool, mode: int) -> Iterator[Any]:
    """Entries from the positioned ``iterator``, one C call per step (libraries
    without ``omendb_iterator_read``)."""
    step = ffi.iterator_prev if reverse else ffi.iterator_next
    valid = ffi.iterator_valid
    entry = ffi.iterator_entry
    key = ctypes.c_int64()
    pointer = ctypes.c_void_p()
    length = ctypes.c_size_t()
    key_ref, pointer_ref, length_ref = ctypes.byref(key), ctypes.byref(pointer), ctypes.byref(length)
    string_at = ctypes.string_at
    while True:
        # An invalid iterator (past either end) makes entry() fail: only then is
        # valid() asked, which saves a call per entry.
        if mode == _KEYS:
            status = entry(iterator, key_ref, None, None)
        else:
            status = entry(iterator, key_ref, pointer_ref, length_ref)
        if status != OK:
            if not valid(iterator):
                return
            raise ffi.error(status)
        current = key.value
        if reverse and lo is not None and current < lo:
            return
        if mode == _KEYS:
            yield current
        else:
            value = string_at(pointer.value or 0, length.value) if length.value else b""
            yield (current, value) if mode == _PAIRS else value
        status = step(iterator)
        if status != OK:
            raise ffi.error(status)


class WriteBatch:
    """Puts and deletes applied atomically by :meth:`commit` (all or nothing).

    As a context manager: commits on leaving the block normally, discards the
    operations when the block raises. The batch keeps working after a commit (it
    is emptied). A later operation on the same key in the batch wins.
    Not thread-safe: one thread at a time.
    """

    def __init__(self, database: Database) -> None:
        self._database = database
        self._api = database._api
        handle = BatchHandle()
        self._api.check(self._api.batch_create(ctypes.byref(handle)))
        self._handle = handle
        self._count = 0
        self._finalizer = weakref.finalize(self, self._api.batch_free, handle)

    def _require_open(self) -> Any:
        if not self._finalizer.alive:
            raise ClosedError("this WriteBatch is closed")
        return self._handle

    def put(self, key: int, value: BytesLike) -> None:
        """Adds a put (``value`` is copied now). TypeError / OutOfRangeError as :meth:`Database.put`."""
        key = _key(key)
        pointer, length, keep = _value(value)
        self._api.check(self._api.batch_put(self._require_open(), key, pointer, length))
        del keep
        self._count += 1

    __setitem__ = put

    def delete(self, key: int) -> None:
        """Adds a delete."""
        key = _key(key)
        self._api.check(self._api.batch_delete(self._require_open(), key))
        self._count += 1

    __delitem__ = delete

    def clear(self) -> None:
        """Removes every operation."""
        self._api.check(self._api.batch_clear(self._require_open()))
        self._count = 0

    def __len__(self) -> int:
        """The number of operations added since the last commit or clear."""
        return self._count

    def commit(self) -> None:
        """Applies the batch atomically, then empties it. Errors as :meth:`Database.put`."""
        handle = self._require_open()
        database = self._database
        db = database._enter()
        try:
            status = self._api.write(db, handle)
        finally:
            database._leave()
        if status != OK:
            raise self._api.error(status)
        self.clear()

    def close(self) -> None:
        """Frees the batch without applying it. Safe to call twice."""
        self._finalizer()

    def __enter__(self) -> "WriteBatch":
        self._require_open()
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        try:
            if exc_type is None:
                self.commit()
        finally:
            self.close()


class _SnapshotCore:
    """Owns one C snapshot and counts the zero-copy values that still reference it.

    The C snapshot is freed once it was asked to close (or its Snapshot was
    collected) and no value references it any more. Each value is a ctypes
    array over engine memory; a weak reference with a callback notices when the
    array (and so every memoryview, slice or numpy array built on it) is gone.
    """

    def __init__(self, ffi: _ffi.Api, handle: Any) -> None:
        self.api = ffi
        self.handle: Optional[Any] = handle
        self.lock = threading.RLock()  # re-entrant: weakref callbacks may run inside a locked section
        self.live = 0
        self.closing = False
        self.views: List["weakref.ref[memoryview]"] = []
        self.prune_at = 1024

    def value(self, address: int, length: int) -> memoryview:
        """A read-only memoryview over ``length`` bytes at ``address`` that keeps this core alive."""
        array = (ctypes.c_ubyte * length).from_address(address)
        self.live += 1
        array_ref = weakref.ref(array, self._value_gone)
        view = memoryview(array).cast("B").toreadonly()
        # The callback's reference: keep the weakref itself alive with the core.
        views = self.views
        views.append(weakref.ref(view))
        if len(views) >= self.prune_at:  # forget views that are gone (a long-lived snapshot)
            self.views = views = [reference for reference in views if reference() is not None]
            self.prune_at = 2 * len(views) + 1024
        self._refs[id(array_ref)] = array_ref
        return view

    _refs: "dict[int, weakref.ref[Any]]"  # keeps the callbacks' weak references alive

    def _value_gone(self, reference: "weakref.ref[Any]") -> None:
        with self.lock:
            self._refs.pop(id(reference), None)
            self.live -= 1
            if self.closing and self.live == 0:
                self._free()

    def request_free(self) -> None:
        with self.lock:
            self.closing = True
            if self.live == 0:
                self._free()

    def _free(self) -> None:
        handle, self.handle = self.handle, None
        if handle is not None:
            self.api.snapshot_free(handle)


class Snapshot:
    """A consistent read view of a database at the time it was taken.

    Reads through it never see later writes. It stays readable after its
    database is closed. :meth:`get` and :meth:`multi_get` are zero-copy: they
    return read-only memoryviews over engine memory, valid until the snapshot
    closes (see the module docs for what closing does to them). Iteration
    (:meth:`items`, ...) returns copies. Thread-safe.
    """

    def __init__(self, ffi: _ffi.Api, handle: Any) -> None:
        core = _SnapshotCore(ffi, handle)
        core._refs = {}
        self._core = core
        self._api = ffi
        self._closed = False
        self._pointer = ctypes.c_void_p()
        self._length = ctypes.c_size_t()
        self._finalizer = weakref.finalize(self, core.request_free)

    def _handle(self) -> Any:
        if self._closed:
            raise ClosedError("this Snapshot is closed")
        return self._core.handle

    def get(self, key: int, default: Any = None) -> Any:
        """The value of ``key`` as a zero-copy read-only memoryview, or ``default``."""
        key = _key(key)
        core = self._core
        with core.lock:
            status = self._api.snapshot_get(self._handle(), key, ctypes.byref(self._pointer),
                                            ctypes.byref(self._length))
            if status == NOT_FOUND:
                return default
            if status != OK:
                raise self._api.error(status)
            return core.value(self._pointer.value or 0, self._length.value)

    def __getitem__(self, key: int) -> memoryview:
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value  # type: ignore[no-any-return]

    def __contains__(self, key: object) -> bool:
        key = _key(key)
        with self._core.lock:
            status = self._api.snapshot_get(self._handle(), key, ctypes.byref(self._pointer),
                                            ctypes.byref(self._length))
        if status not in (OK, NOT_FOUND):
            raise self._api.error(status)
        return bool(status == OK)

    def _multi_get_raw(self, keys: Any) -> Tuple[List[int], List[int]]:
        array, _ = int64_array(keys, "keys", copy=False)
        if array.ndim != 1:
            raise InvalidArgumentError("keys must be one-dimensional")
        count = int(array.shape[0])
        pointers = np.empty(count, dtype=np.uintp)
        lengths = np.empty(count, dtype=np.uintp)
        with self._core.lock:
            self._api.check(self._api.snapshot_multi_get(self._handle(), array, count, pointers, lengths, None))
        return pointers.tolist(), lengths.tolist()

    def _multi_get_copy(self, keys: Any) -> List[Optional[bytes]]:
        if not self._api.has("snapshot_multi_get_copy"):
            return self._multi_get_copy_each(keys)
        array, _ = int64_array(keys, "keys", copy=False)
        if array.ndim != 1:
            raise InvalidArgumentError("keys must be one-dimensional")
        count = int(array.shape[0])
        lengths = np.empty(count, dtype=np.uintp)
        capacity = _MULTI_GET_BYTES
        buffer = ctypes.create_string_buffer(capacity)
        done = ctypes.c_size_t()
        result: List[Optional[bytes]] = []
        start = 0
        keys_address = array.ctypes.data
        lengths_address = lengths.ctypes.data
        absent = _SIZE_MAX
        while start < count:
            with self._core.lock:  # the C call releases the GIL; the lock keeps close() out
                status = self._api.snapshot_multi_get_copy(self._handle(), keys_address + array.itemsize * start, count - start,
                                                           lengths_address + lengths.itemsize * start, buffer, capacity,
                                                           ctypes.byref(done))
            if status == BUFFER_TOO_SMALL:  # the next value alone exceeds the buffer
                capacity = max(int(lengths[start]), 2 * capacity)
                buffer = ctypes.create_string_buffer(capacity)
                continue
            if status != OK:
                raise self._api.error(status)
            processed = done.value
            view = memoryview(buffer).cast("B")
            offset = 0
            for length in lengths[start:start + processed].tolist():
                if length == absent:
                    result.append(None)
                else:
                    end = offset + length
                    result.append(view[offset:end].tobytes())
                    offset = end
            view.release()
            start += processed
        return result

    def _multi_get_copy_each(self, keys: Any) -> List[Optional[bytes]]:
        """The copy multi-get of libraries without omendb_snapshot_multi_get_copy."""
        pointers, lengths = self._multi_get_raw(keys)
        string_at = ctypes.string_at
        with self._core.lock:
            self._handle()
            return [None if not pointer else (string_at(pointer, length) if length else b"")
                    for pointer, length in zip(pointers, lengths)]

    def multi_get(self, keys: Any) -> List[Optional[memoryview]]:
        """Zero-copy values of ``keys`` (numpy int64 array or sequence of ints):
        read-only memoryviews, None where absent."""
        pointers, lengths = self._multi_get_raw(keys)
        core = self._core
        with core.lock:
            self._handle()
            return [None if not pointer else core.value(pointer, length)
                    for pointer, length in zip(pointers, lengths)]

    def multi_get_bytes(self, keys: Any) -> List[Optional[bytes]]:
        """As :meth:`multi_get`, but copies: bytes, None where absent."""
        return self._multi_get_copy(keys)

    def items(self, lo: Optional[int] = None, hi: Optional[int] = None,
              reverse: bool = False) -> Iterator[Tuple[int, bytes]]:
        """``(key, value)`` pairs of this snapshot in ``[lo, hi)`` (values copied);
        errors as :meth:`Database.items`."""
        return self._iterate(lo, hi, reverse, _PAIRS)

    def keys(self, lo: Optional[int] = None, hi: Optional[int] = None, reverse: bool = False) -> Iterator[int]:
        """Keys of this snapshot in ``[lo, hi)``."""
        return self._iterate(lo, hi, reverse, _KEYS)

    def values(self, lo: Optional[int] = None, hi: Optional[int] = None, reverse: bool = False) -> Iterator[bytes]:
        """Values (copied) of the keys of this snapshot in ``[lo, hi)``."""
        return self._iterate(lo, hi, reverse, _VALUES)

    def __iter__(self) -> Iterator[Tuple[int, bytes]]:
        return self.items()

    def _iterate(self, lo: Optional[int], hi: Optional[int], reverse: bool, mode: int) -> Iterator[Any]:
        lo = None if lo is None else _ffi.int64(lo, "lo")
        hi = None if hi is None else _ffi.int64(hi, "hi")
        with self._core.lock:
            # The C iterator holds its own reference to the snapshot; db may be NULL then.
            iterator = _new_iterator(self._api, None, self._handle())
        return _generate(self._api, iterator, lo, hi, bool(reverse), mode)

    @property
    def closed(self) -> bool:
        """True after a successful :meth:`close`."""
        return self._closed

    def close(self) -> None:
        """Releases every memoryview handed out, then frees the snapshot.

        Safe to call twice. Raises BufferError (and stays open) while values are
        still referenced through objects derived from them (slices,
        ``np.frombuffer``, ``memoryview(view)``): drop those first.
        """
        core = self._core
        with core.lock:
            if self._closed:
                return
            for reference in core.views:
                view = reference()
                if view is not None:
                    try:
                        view.release()
                    except BufferError:
                        pass  # something was built on it; counted below
                    del view
            core.views = [reference for reference in core.views if reference() is not None]
        if core.live:
            gc.collect()  # values held only by unreachable cycles go now
        with core.lock:
            if core.live:
                raise BufferError(f"{core.live} zero-copy value(s) of this snapshot are still referenced "
                                  "(slices, numpy arrays or memoryviews made from them); drop them before "
                                  "closing the snapshot")
            self._closed = True
            core.views = []
        self._finalizer()

    def __enter__(self) -> "Snapshot":
        self._handle()
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None:
            self.close()
            return
        try:  # an exception is propagating: never mask it
            self.close()
        except BufferError:
            self._closed = True
            self._finalizer()  # frees once the last value is gone


def open(path: Union[str, "os.PathLike[str]"], **options: Any) -> Database:  # noqa: A001 (as sqlite3.connect)
    """Opens a :class:`Database`; the same arguments as its constructor."""
    return Database(path, **options)
