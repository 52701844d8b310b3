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
import itertools
import os
import threading
import weakref
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import (Any, Callable, cast, Deque, Dict, Iterable, Iterator, List, Literal, NamedTuple, Optional, Tuple,
                    TypeVar, Union, overload)

import numpy as np

from . import _ffi
from ._convert import int64_array
from ._ffi import (BUFFER_TOO_SMALL, INDEX_KINDS, SYNC_MODES, BatchHandle, DbHandle, DbStatsStruct,
                   IteratorHandle, OptionsHandle, SnapshotHandle)
from .errors import (ClosedError, InvalidArgumentError, MisuseError, NOT_FOUND, NotFoundError, OK, OutOfRangeError,
                     UnsupportedError)
from ._progress import Progress, Reporter
from .transaction import Transaction, run_transaction

__all__ = ["Database", "DatabaseStats", "Table", "WriteBatch", "WriteBatchTable", "Snapshot", "ValueArrays", "SyncMode",
           "IndexKind", "open"]

_INT64_MIN = _ffi.INT64_MIN
_INT64_MAX = _ffi.INT64_MAX
_GET_BUFFER_BYTES = 1 << 12  # values up to this size are read into the database's buffer

#: What a value may be: bytes, or any object with a C-contiguous buffer
#: (bytearray, memoryview, array.array, numpy arrays, mmap ...).
BytesLike = Union[bytes, bytearray, memoryview, "np.ndarray[Any, Any]"]
#: ``sync=`` of :class:`Database`.
SyncMode = Literal["off", "normal", "full"]
#: ``index_kind=`` of :class:`Database` ("alex" is refused for databases).
IndexKind = Literal["auto", "linear", "rmi", "pgm", "alex"]
_T = TypeVar("_T")
_D = TypeVar("_D")


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


class _Functions(NamedTuple):
    """The C functions that read and write one keyspace: those of the default table
    (``omendb_get``, ...) or a named table's (``omendb_table_get``, ..., and the
    snapshot forms with the table bound). Each takes the keyspace's handle (or a
    snapshot) first, as the database functions do."""

    get_releasing_gil: Callable[..., int]
    delete_range: Callable[..., int]
    count: Callable[..., int]
    iterator_create: Callable[..., int]
    bulk_load: Callable[..., int]
    bulk_load_with_progress: Callable[..., int]
    get_stats: Callable[..., int]
    snapshot_get: Callable[..., int]
    snapshot_count: Callable[..., int]
    snapshot_multi_get_copy: Callable[..., int]  # the fast (all-addresses) form


_default_functions: Dict[int, _Functions] = {}


def _functions(api: "_ffi.Api") -> _Functions:
    """The default table's functions of ``api`` (made once per library)."""
    functions = _default_functions.get(id(api))
    if functions is None:
        functions = _default_functions.setdefault(id(api), _Functions(
            api.get_releasing_gil, api.delete_range, api.count, api.iterator_create, api.bulk_load,
            api.bulk_load_with_progress, api.get_stats, api.snapshot_get, api.snapshot_count,
            api.fast_snapshot_multi_get_copy))
    return functions


def _table_functions(api: "_ffi.Api", table: Any) -> _Functions:
    """A named table's functions: ``table`` (its C handle) bound where the C
    functions take it after a snapshot."""
    table_address = _address(table)
    return _Functions(
        api.table_get_releasing_gil, api.table_delete_range, api.table_count, api.table_iterator_create,
        lambda handle, keys, values, lengths, count: api.table_bulk_load(handle, keys, values, lengths, count, None),
        api.table_bulk_load, api.table_get_stats,
        lambda snapshot, key, value, length: api.snapshot_table_get(snapshot, table, key, value, length),
        lambda snapshot, lo, hi, count: api.snapshot_table_count(snapshot, table, lo, hi, count),
        lambda snapshot, *rest: api.fast_snapshot_table_multi_get_copy(snapshot, table_address, *rest))


class _Keyspace(MutableMapping[int, bytes]):
    """The mapping interface shared by :class:`Database` (its default table) and
    :class:`Table` (a named table): a :class:`collections.abc.MutableMapping` from
    int64 keys to bytes values (``ks[k]``, ``ks[k] = v``, ``del ks[k]``, ``k in ks``,
    ``len(ks)``, ``iter(ks)`` over the keys in order, ``get``, ``pop``, ``popitem``,
    ``setdefault``, ``update``, ``clear``), plus ranges, counts, multi-gets, bulk
    loads and statistics. A missing key raises :class:`omendb.NotFoundError`, which
    is a ``KeyError``. Both run the same code; they differ only in the C functions
    (``omendb_get`` or ``omendb_table_get``, ...) and the handle they pass.
    """

    # Set by the subclasses: the library, the database, the C functions of this
    # keyspace, and for the hot paths the handle's address and the fast functions.
    _api: "_ffi.Api"
    _database: "Database"
    _f: "_Functions"
    _address: int
    _c_get: Callable[..., int]
    _c_put: Callable[..., int]
    _c_delete: Callable[..., int]
    _inflight: Deque[None]
    _buffers: List["_ReadBuffer"]
    _closed: bool

    __eq__ = object.__eq__
    __hash__ = object.__hash__

    def _enter(self) -> Any:
        raise NotImplementedError

    def _leave(self) -> None:
        raise NotImplementedError

    def _new_buffer(self) -> "_ReadBuffer":
        raise NotImplementedError

    def _finish_close(self) -> None:
        raise NotImplementedError

    def _closed_error(self) -> ClosedError:
        raise NotImplementedError

    def _in_batch(self, batch: "WriteBatch") -> "_BatchWriter":
        """``batch``'s writer for this keyspace (the batch itself, or its table view)."""
        raise NotImplementedError

    # -- single keys -------------------------------------------------------------

    @overload
    def get(self, key: int) -> Optional[bytes]: ...

    @overload
    def get(self, key: int, default: Union[bytes, _D]) -> Union[bytes, _D]: ...

    def get(self, key: int, default: Any = None) -> Any:
        """The value of ``key`` as bytes, or ``default`` when absent.

        Raises:
            TypeError: ``key`` is not an int (bool included).
            OutOfRangeError: ``key`` is outside int64.
            ClosedError: the database is closed.
            CorruptionError: the value's bytes are damaged.
        """
        if type(key) is not int or not _INT64_MIN <= key <= _INT64_MAX:
            key = _key(key)
        buffers = self._buffers
        # Taking a buffer registers the call in flight (close() waits for it);
        # then the closed check, then the C call (GIL held: a short copy).
        try:
            buffer = buffers.pop()
        except IndexError:
            buffer = self._new_buffer()
        try:
            if self._closed:
                raise self._closed_error()
            address, length_address, prefixes, length = buffer
            status = self._c_get(self._address, key, address, _GET_BUFFER_BYTES, length_address)
            if status == OK:
                size = length.value
                try:
                    return prefixes[size].tobytes()
                except KeyError:
                    return _prefix(prefixes, size).tobytes()
            if status == NOT_FOUND:
                return default
            if status != BUFFER_TOO_SMALL:
                raise self._api.error(status)
            needed = length.value
        finally:
            buffers.append(buffer)
            if self._closed:
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
                status = self._f.get_releasing_gil(handle, key, buffer, needed, ctypes.byref(length))
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
        """``db[key]``: the value as bytes. :class:`omendb.NotFoundError` (a
        ``KeyError``) when ``key`` is absent."""
        value = self.get(key, _MISSING)
        if isinstance(value, bytes):
            return value
        raise NotFoundError.for_key(key)

    def __contains__(self, key: object) -> bool:
        """``key in db``. TypeError / OutOfRangeError for keys that are not int64."""
        return self.get(key, _MISSING) is not _MISSING  # type: ignore[call-overload]

    def put(self, key: int, value: BytesLike) -> None:
        """Stores ``value`` (bytes-like; copied) under ``key`` as one atomic commit.

        Raises:
            TypeError: ``key`` is not an integer or ``value`` is not bytes-like.
            OutOfRangeError: ``key`` is outside int64.
            TooLargeError: ``value`` exceeds ``max_value_size``.
            ReadOnlyError: the database is read-only.
            OmenIOError: the log could not be written.
        """
        if type(key) is not int or not _INT64_MIN <= key <= _INT64_MAX:
            key = _key(key)
        keep: Any = None
        if type(value) is bytes:
            pointer: Any = value
            length = len(value)
        else:
            pointer, length, keep = _value(value)
        inflight = self._inflight
        inflight.append(None)
        try:
            if self._closed:
                raise self._closed_error()
            status = self._c_put(self._address, key, pointer, length)
        finally:
            inflight.pop()
            if self._closed:
                self._finish_close()
        del keep
        if status != OK:
            raise self._api.error(status)

    __setitem__ = put

    def delete(self, key: int) -> None:
        """Deletes ``key`` (no error when absent). Errors as :meth:`put`."""
        if type(key) is not int or not _INT64_MIN <= key <= _INT64_MAX:
            key = _key(key)
        inflight = self._inflight
        inflight.append(None)
        try:
            if self._closed:
                raise self._closed_error()
            status = self._c_delete(self._address, key)
        finally:
            inflight.pop()
            if self._closed:
                self._finish_close()
        if status != OK:
            raise self._api.error(status)

    def __delitem__(self, key: int) -> None:
        """``del db[key]``: :class:`omendb.NotFoundError` (a ``KeyError``) when
        ``key`` is absent, as ``dict``; :meth:`delete` does not check."""
        if key not in self:
            raise NotFoundError.for_key(key)
        self.delete(key)

    # -- many keys ---------------------------------------------------------------

    def multi_get(self, keys: Union["np.ndarray[Any, Any]", Iterable[int]]) -> List[Optional[bytes]]:
        """The values of ``keys`` (a numpy int64 array or a sequence of ints), read
        at one consistent point in time: a list of bytes, None where absent.
        The GIL is released during the lookups."""
        return self._at_snapshot(lambda snapshot: _multi_get_list(self._api, self._f, snapshot, keys))

    get_many = multi_get

    def multi_get_arrays(self, keys: Union["np.ndarray[Any, Any]", Iterable[int]]) -> "ValueArrays":
        """As :meth:`multi_get`, but the result as numpy arrays (no Python object
        per value): a :class:`ValueArrays` whose ``values`` holds the found values
        back to back, value ``i`` being ``values[offsets[i]:offsets[i + 1]]``
        (empty, with ``found[i]`` False, when ``keys[i]`` is absent)."""
        return self._at_snapshot(lambda snapshot: _multi_get_arrays(self._api, self._f, snapshot, keys))

    def _at_snapshot(self, read: Callable[[Any], _T]) -> _T:
        """``read(snapshot)`` on a C snapshot of the current state, freed afterwards
        (the snapshot stays readable even if the database closes meanwhile)."""
        self._enter()
        try:
            snapshot = SnapshotHandle()
            self._api.check(self._api.snapshot_open(self._database._handle, ctypes.byref(snapshot)))
        finally:
            self._leave()
        try:
            return read(snapshot)
        finally:
            self._api.snapshot_free(snapshot)

    def bulk_load(self, keys: Any, values: Any, progress: Progress = None) -> None:
        """Loads sorted, strictly increasing ``keys`` with their ``values`` (bytes-like)
        into a new run file in one atomic step (no per-record log).

        ``progress``: as :meth:`compact`, in keys written (cancelling loads nothing).

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
        if progress is None:
            handle = self._enter()
            try:
                status = self._f.bulk_load(handle, array, pointers, lengths, count)
            finally:
                self._leave()
            if status != OK:
                raise self._api.error(status)
        else:
            self._call_reporting(lambda handle, reporting: self._f.bulk_load_with_progress(
                handle, array, pointers, lengths, count, reporting), progress, "bulk load", "key")
        del blob  # held until the library has copied the values

    # -- iteration ---------------------------------------------------------------

    # items(), keys() and values() take a key range and return iterators (each
    # over its own snapshot), where Mapping's return live views: hence the
    # override ignores. They iterate as Mapping's views do.
    def items(self, lo: Optional[int] = None, hi: Optional[int] = None,  # type: ignore[override]
              reverse: bool = False) -> Iterator[Tuple[int, bytes]]:
        """``(key, value)`` pairs with ``lo <= key < hi`` (None: unbounded), in
        ascending key order, or descending with ``reverse=True``. The view is a
        snapshot taken when this is called. The iterator has ``close()`` (frees
        its C iterator early; also done when exhausted or collected).

        Raises (here, not at the first item):
            InvalidArgumentError: ``lo > hi`` (``lo == hi`` is an empty range), as
                ``omendb_iterator_set_bounds``.
            TypeError / OutOfRangeError: a bound that is not an int64.
        """
        return self._iterate(lo, hi, reverse, _PAIRS)

    def keys(self, lo: Optional[int] = None, hi: Optional[int] = None,  # type: ignore[override]
             reverse: bool = False) -> Iterator[int]:
        """The keys in ``[lo, hi)``, as :meth:`items`."""
        return self._iterate(lo, hi, reverse, _KEYS)

    def values(self, lo: Optional[int] = None, hi: Optional[int] = None,  # type: ignore[override]
               reverse: bool = False) -> Iterator[bytes]:
        """The values of the keys in ``[lo, hi)``, as :meth:`items`."""
        return self._iterate(lo, hi, reverse, _VALUES)

    def __iter__(self) -> Iterator[int]:
        """``for key in db``: every key in ascending order (as a dict's keys)."""
        return self._iterate(None, None, False, _KEYS)

    def __len__(self) -> int:
        """The exact number of keys (:meth:`count` over every key)."""
        return self.count()

    def clear(self) -> None:
        """Deletes every key, atomically, with one range tombstone (:meth:`delete_range`)."""
        self.delete_range()

    def items_arrays(self, lo: Optional[int] = None, hi: Optional[int] = None, reverse: bool = False,
                     limit: Optional[int] = None) -> ValueArrays:
        """The entries of ``[lo, hi)`` (at most ``limit``, in key order or reversed)
        as numpy arrays: a :class:`ValueArrays` (``found`` all True). Bounds and
        errors as :meth:`items`."""
        if limit is not None:
            limit = _unsigned(limit, "limit")
        iterator, low, high = self._snapshot_iterator(lo, hi)
        return _scan_arrays(self._api, iterator, low, high, bool(reverse), limit)

    def _iterate(self, lo: Optional[int], hi: Optional[int], reverse: bool, mode: int) -> Iterator[Any]:
        iterator, low, high = self._snapshot_iterator(lo, hi)
        return _generate(self._api, iterator, low, high, bool(reverse), mode)

    def _snapshot_iterator(self, lo: Optional[int], hi: Optional[int]) -> Tuple[Any, Optional[int], Optional[int]]:
        """A C iterator over a snapshot of the current state, and the bounds checked as int64."""
        low = None if lo is None else _ffi.int64(lo, "lo")
        high = None if hi is None else _ffi.int64(hi, "hi")
        handle = self._enter()
        try:
            return _new_iterator(self._api, self._f.iterator_create, handle, None), low, high
        finally:
            self._leave()

    # -- maintenance -------------------------------------------------------------

    def _call(self, function: Callable[[Any], int]) -> None:
        handle = self._enter()
        try:
            status = function(handle)
        finally:
            self._leave()
        if status != OK:
            raise self._api.error(status)

    def _call_reporting(self, function: Callable[[Any, Any], int], progress: Progress,
                        description: str, unit: str) -> None:
        """``function(handle, progress pointer)`` with a :class:`Reporter` for
        ``progress``; raises the callback's exception when it cancelled the call."""
        reporter = Reporter(progress, description, unit)
        handle = self._enter()
        try:
            status = function(handle, reporter.pointer)
        finally:
            self._leave()
        reporter.finish(self._api, status)

    # -- ranges ------------------------------------------------------------------

    def delete_range(self, lo: Optional[int] = None, hi: Optional[int] = None) -> None:
        """Deletes every key in ``[lo, hi)`` (None: unbounded; ``hi=None`` includes
        the largest int64) atomically, with one range tombstone: O(1) whatever the
        range holds. ``lo == hi`` deletes nothing.

        Raises:
            InvalidArgumentError: ``lo > hi``.
            TypeError / OutOfRangeError: a bound that is not an int64.
            ReadOnlyError, OmenIOError: as :meth:`put`.
        """
        low, high, through_max = _range(lo, hi)
        if through_max:
            with self._database.write_batch() as batch:  # the tombstone and INT64_MAX's delete, atomically
                self._in_batch(batch).delete_range(lo, hi)
            return
        self._call(lambda handle: self._f.delete_range(handle, low, high))

    def count(self, lo: Optional[int] = None, hi: Optional[int] = None) -> int:
        """The exact number of keys in ``[lo, hi)`` now (None: unbounded): each key
        once whatever its overwrites, deleted keys excluded. Learned-model lookups
        when the data is one run file; otherwise a merge over the keys only.

        Raises:
            InvalidArgumentError: ``lo > hi``.
            TypeError / OutOfRangeError: a bound that is not an int64.
        """
        low, high, through_max = _range(lo, hi)
        if through_max:  # INT64_MAX lies in no C range: count it at the same snapshot
            return self._at_snapshot(lambda snapshot: _snapshot_count(self._api, self._f, snapshot, low, high, True))
        result = ctypes.c_uint64()
        self._call(lambda handle: self._f.count(handle, low, high, ctypes.byref(result)))
        return result.value

    def stats(self) -> DatabaseStats:
        """A :class:`DatabaseStats` of the current state."""
        raw = DbStatsStruct()
        raw.struct_size = ctypes.sizeof(DbStatsStruct)
        self._call(lambda handle: self._f.get_stats(handle, ctypes.byref(raw)))
        return DatabaseStats(**{field[0]: getattr(raw, field[0]) for field in DbStatsStruct._fields_
                                if field[0] != "struct_size"})

    @property
    def approximate_count(self) -> int:
        """Keys over all tiers, from the statistics (constant time; an upper bound:
        a key present in several tiers, or deleted, may be counted more than once)."""
        return self.stats().approximate_count



class Database(_Keyspace):
    """An open OmenDB database directory: a :class:`collections.abc.MutableMapping`
    from int64 keys to bytes values (``db[k]``, ``db[k] = v``, ``del db[k]``,
    ``k in db``, ``len(db)``, ``iter(db)`` over the keys in order, ``get``,
    ``pop``, ``popitem``, ``setdefault``, ``update``, ``clear``). A missing key
    raises :class:`omendb.NotFoundError`, which is a ``KeyError``.

    Equality and hashing are by identity (a database is a resource, not a value:
    ``==`` never scans two databases).

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
                 read_only: bool = False, sync: SyncMode = "normal",
                 index_kind: IndexKind = "auto", hot_tier_bytes: Optional[int] = None,
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
        # from this pool (one per concurrent reader), then into bytes. A buffer
        # out of the pool is a get in flight (close() counts them, as _inflight).
        self._buffers: List[_ReadBuffer] = []
        self._buffer_count = 0
        # The hot paths call the c_void_p twins (_ffi._FAST_SIGNATURES) with the
        # handle's address as an int.
        self._address: int = ctypes.cast(handle, ctypes.c_void_p).value or 0
        self._c_get = ffi.fast_get
        self._c_put = ffi.fast_put
        self._c_delete = ffi.fast_delete
        self._database = self
        self._f = _functions(ffi)
        # Named tables opened through this object, by name (Database.table); the C
        # handles belong to the C database (freed at its close or the table's drop).
        self._tables: Dict[str, "Table"] = {}
        self._tables_lock = threading.Lock()
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
            with self._tables_lock:
                for table in self._tables.values():
                    table._closed = True
            if self._busy() or self._released:
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
            if self._released or self._busy():
                return
            self._released = True
        self._finalizer()

    def _busy(self) -> bool:
        """Whether a call is in flight: a registered one, or a get holding a buffer."""
        return bool(self._inflight) or len(self._buffers) != self._buffer_count

    __eq__ = object.__eq__
    __hash__ = object.__hash__

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
        if self._closed and not self._busy():
            self._finish_close()

    def _new_buffer(self) -> "_ReadBuffer":
        with self._lock:  # counted exactly: close() compares the count with the pool
            self._buffer_count += 1
        return _read_buffer()

    def _closed_error(self) -> ClosedError:
        return ClosedError("this Database is closed")

    def _in_batch(self, batch: "WriteBatch") -> "_BatchWriter":
        return batch

    # -- named tables ------------------------------------------------------------

    def table(self, name: str, create: bool = True) -> "Table":
        """The named table ``name`` (a :class:`Table`: the same mapping interface
        as the database, over its own keyspace), created durably when missing and
        ``create`` is true. Every call for one name returns the same object until
        the table is dropped.

        Raises:
            NotFoundError: no such table and ``create`` is false (a KeyError).
            TypeError: ``name`` is not a str or ``create`` not a bool.
            InvalidArgumentError: an empty name, one above 255 bytes in UTF-8, or
                one holding a NUL character.
            ReadOnlyError: creating a table in a read-only database.
            ClosedError: the database is closed.
            UnsupportedError: a library without named tables.
        """
        encoded = _table_name(name)
        if not isinstance(create, bool):
            raise TypeError(f"create must be a bool, not {type(create).__name__}")
        handle = _ffi.TableHandle()
        db = self._enter()
        try:
            with self._tables_lock:
                status = self._api.table_open(db, encoded, _ffi.TABLE_CREATE if create else 0, ctypes.byref(handle))
                if status == NOT_FOUND:
                    raise NotFoundError(f"no table named {name!r}")
                if status != OK:
                    raise self._api.error(status)
                table = self._tables.get(name)
                if table is None or table._address != _address(handle):
                    table = Table(self, name, handle)
                    self._tables[name] = table
                    table._closed = self._closed  # a close() that ran meanwhile
                return table
        finally:
            self._leave()

    def drop_table(self, name: str) -> None:
        """Drops table ``name`` and all its data, durably. Its :class:`Table`
        object is closed (later calls raise ClosedError); a table created again
        under the name is a new, empty one. Iterators over it made before keep
        reading what they saw. Do not drop a table while other threads use its
        Table object.

        Raises:
            NotFoundError: no such table (a KeyError).
            TypeError / InvalidArgumentError: a bad name, as :meth:`table`.
            ReadOnlyError: a read-only database.
            ClosedError: the database is closed.
        """
        encoded = _table_name(name)
        db = self._enter()
        try:
            with self._tables_lock:
                table = self._tables.pop(name, None)
                if table is not None:  # closed before the C drop frees the handle
                    table._dropped = table._closed = True
                status = self._api.table_drop(db, encoded)
                if status != OK and table is not None:  # not dropped: the object stays usable
                    table._dropped = table._closed = False
                    self._tables[name] = table
                if status == NOT_FOUND:
                    raise NotFoundError(f"no table named {name!r}")
                if status != OK:
                    raise self._api.error(status)
        finally:
            self._leave()

    def tables(self) -> List[str]:
        """The names of the named tables, sorted by their UTF-8 bytes (the default
        table, this object itself, is not listed)."""
        names = ctypes.POINTER(ctypes.c_char_p)()
        count = ctypes.c_size_t()
        db = self._enter()
        try:
            self._api.check(self._api.table_list(db, ctypes.byref(names), ctypes.byref(count)))
        finally:
            self._leave()
        try:
            return [names[i].decode("utf-8") for i in range(count.value)]
        finally:
            self._api.table_list_free(names)

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

    # -- maintenance -------------------------------------------------------------

    def flush(self) -> None:
        """Writes the hot tier to a run file and waits until it is durable."""
        self._call(self._api.flush)

    def compact(self, progress: Progress = None) -> None:
        """Merges all run files into one, dropping overwritten values, deletions and
        range tombstones with what they cover; waits.

        ``progress`` (see :mod:`omendb._progress`): None, a callable
        ``(done, total)`` in entries merged (raising cancels: the runs stay as
        they were), or True for a tqdm bar.
        """
        if progress is None:
            self._call(self._api.compact)
        else:
            self._call_reporting(self._api.compact_with_progress, progress, "compact", "entry")

    def verify(self, progress: Progress = None) -> None:
        """Full consistency check of every file. CorruptionError names the file and offset.

        ``progress``: as :meth:`compact`, in bytes checked.
        """
        if progress is None:
            self._call(self._api.verify)
        else:
            self._call_reporting(self._api.verify_with_progress, progress, "verify", "B")

    def checkpoint(self, path: Union[str, "os.PathLike[str]"], copy: bool = False,
                   progress: Progress = None) -> int:
        """Writes a consistent, openable copy of the database to the new directory
        ``path`` while reads and writes go on (an online backup, as
        ``omendb_checkpoint``) and returns its sequence number: the copy holds
        exactly what a snapshot taken at the start of the call reads.

        Run files are hard-linked when the file system allows it (``copy=True``:
        always copied); the needed logs are copied; everything is fsynced before
        the directory appears under ``path``. Works on read-only handles.
        ``progress``: as :meth:`compact`, in bytes copied (cancelling leaves no copy).

        Raises:
            InvalidArgumentError: ``path`` exists or is empty.
            OmenIOError: the parent directory is missing, or a file operation
                failed (e.g. a full disk); no copy is left behind.
        """
        target = os.fsencode(path)
        if not target:
            raise InvalidArgumentError("checkpoint path is empty")
        if b"\0" in target:
            raise InvalidArgumentError("checkpoint path contains a NUL byte")
        sequence = ctypes.c_uint64()
        flags = _ffi.CHECKPOINT_COPY if copy else 0
        self._call_reporting(lambda handle, reporting: self._api.checkpoint(
            handle, target, flags, reporting, ctypes.byref(sequence)), progress, "checkpoint", "B")
        return sequence.value

_MISSING = object()
_PAIRS, _KEYS, _VALUES = 0, 1, 2
_MULTI_GET_BYTES = 1 << 16  # value bytes per copy multi-get call (grown for larger values)
_SIZE_MAX = (1 << (8 * ctypes.sizeof(ctypes.c_size_t))) - 1


#: A caller buffer for omendb_get, used by one call at a time: (address of the
#: storage, address of the length output, views of the storage's first n bytes
#: by n, the length output). One tuple, unpacked in one step on the hot path; the
#: cached prefix views save a slice per get (``view[:n]``: a slice object and a
#: memoryview) for the value sizes seen most.
_ReadBuffer = Tuple[int, int, Dict[int, memoryview], ctypes.c_size_t]
_PREFIX_VIEWS = 64  # distinct value sizes whose views one buffer keeps


def _read_buffer() -> _ReadBuffer:
    storage = ctypes.create_string_buffer(_GET_BUFFER_BYTES)
    length = ctypes.c_size_t()
    # Entry -1 keeps the whole view (and through it the storage) alive.
    prefixes = {-1: memoryview(storage).cast("B")}
    return (ctypes.addressof(storage), ctypes.addressof(length), prefixes, length)


def _prefix(prefixes: Dict[int, memoryview], size: int) -> memoryview:
    """The view of a buffer's first ``size`` bytes, cached for the first sizes seen."""
    view = prefixes[-1][:size]
    if len(prefixes) <= _PREFIX_VIEWS:
        prefixes[size] = view
    return view


def _range(lo: Optional[int], hi: Optional[int]) -> Tuple[int, int, bool]:
    """``(lo, hi, through_max)`` for a Python range ``[lo, hi)`` with None bounds:
    the C call's half-open int64 range, and whether the range also holds INT64_MAX
    (``hi`` None), which no C range can."""
    low = _INT64_MIN if lo is None else _ffi.int64(lo, "lo")
    if hi is None:
        return low, _INT64_MAX, True
    high = _ffi.int64(hi, "hi")
    if low > high:
        raise InvalidArgumentError(f"lo {low} is greater than hi {high}")
    return low, high, False


def _snapshot_count(api: "_ffi.Api", functions: "_Functions", snapshot: Any, lo: int, hi: int,
                    through_max: bool) -> int:
    """omendb_snapshot_count (or its table form) over ``[lo, hi)``, plus INT64_MAX when ``through_max``."""
    result = ctypes.c_uint64()
    api.check(functions.snapshot_count(snapshot, lo, hi, ctypes.byref(result)))
    count = result.value
    if through_max:
        pointer = ctypes.c_void_p()
        length = ctypes.c_size_t()
        status = functions.snapshot_get(snapshot, _INT64_MAX, ctypes.byref(pointer), ctypes.byref(length))
        if status == OK:
            count += 1
        elif status != NOT_FOUND:
            raise api.error(status)
    return count


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


class ValueArrays(NamedTuple):
    """Many entries as numpy arrays, without a Python object per value
    (:meth:`Database.multi_get_arrays`, :meth:`Database.items_arrays`).

    Attributes:
        keys: the keys, ``int64[n]``.
        values: the values back to back, ``uint8[total]`` (one buffer).
        offsets: ``int64[n + 1]``: value ``i`` is ``values[offsets[i]:offsets[i + 1]]``.
        found: ``bool[n]``: False where a multi-get's key is absent (its value is
            then empty); all True for a scan.
    """

    keys: "np.ndarray[Any, np.dtype[np.int64]]"
    values: "np.ndarray[Any, np.dtype[np.uint8]]"
    offsets: "np.ndarray[Any, np.dtype[np.int64]]"
    found: "np.ndarray[Any, np.dtype[np.bool_]]"

    def value(self, i: int) -> Optional[bytes]:
        """Entry ``i``'s value as bytes (None when not found)."""
        if not self.found[i]:
            return None
        return self.values[int(self.offsets[i]):int(self.offsets[i + 1])].tobytes()


def _address(handle: Any) -> int:
    """The address held by a ctypes pointer (handle) object, as an int."""
    return ctypes.cast(handle, ctypes.c_void_p).value or 0


def _key_array(keys: Any) -> "np.ndarray[Any, np.dtype[np.int64]]":
    array, _ = int64_array(keys, "keys", copy=False)
    if array.ndim != 1:
        raise InvalidArgumentError("keys must be one-dimensional")
    return array


def _multi_get_copy(ffi: _ffi.Api, functions: "_Functions", snapshot: Any, keys: Any) -> Tuple["np.ndarray[Any, Any]", "np.ndarray[Any, Any]",
                                                                       "np.ndarray[Any, Any]"]:
    """``(keys, lengths, values)`` of one omendb_snapshot_multi_get_copy pass (as
    many calls as the buffer needs): ``lengths[i]`` is SIZE_MAX for an absent key,
    ``values`` the found values back to back (uint8, exactly their total size)."""
    array = _key_array(keys)
    count = int(array.shape[0])
    lengths = np.empty(count, dtype=np.uintp)
    if not ffi.has("snapshot_multi_get_copy"):  # an older library: one zero-copy pass, then copies
        pointers = np.empty(count, dtype=np.uintp)
        ffi.check(ffi.snapshot_multi_get(snapshot, array, count, pointers, lengths, None))
        lengths[pointers == 0] = _SIZE_MAX
        string_at = ctypes.string_at
        blob = b"".join([string_at(p, n) for p, n in zip(pointers.tolist(), lengths.tolist()) if p])
        return array, lengths, np.frombuffer(blob, dtype=np.uint8)
    call = functions.snapshot_multi_get_copy
    handle = _address(snapshot)
    out = np.empty(max(_MULTI_GET_BYTES, count * 128), dtype=np.uint8)
    done = ctypes.c_size_t()
    done_address = ctypes.addressof(done)
    keys_address = array.ctypes.data
    lengths_address = lengths.ctypes.data
    start = used = 0
    while start < count:
        status = call(handle, keys_address + 8 * start, count - start, lengths_address + lengths.itemsize * start,
                      out.ctypes.data + used, out.shape[0] - used, done_address)
        if status == OK:
            processed = done.value
            found = lengths[start:start + processed]
            used += int(found[found != _SIZE_MAX].sum())
            start += processed
            if start >= count:
                break
            needed = used + 1  # the buffer is full: grow it and go on from the next key
        elif status == BUFFER_TOO_SMALL:  # the next value alone exceeds what is left
            needed = used + int(lengths[start])
        else:
            raise ffi.error(status)
        out = _grown(out, used, needed)
    return array, lengths, out[:used]


def _multi_get_arrays(ffi: _ffi.Api, functions: "_Functions", snapshot: Any, keys: Any) -> ValueArrays:
    array, lengths, values = _multi_get_copy(ffi, functions, snapshot, keys)
    found = lengths != _SIZE_MAX
    offsets = np.zeros(array.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.where(found, lengths, 0).astype(np.int64), out=offsets[1:])
    return ValueArrays(array, values, offsets, found)


def _multi_get_list(ffi: _ffi.Api, functions: "_Functions", snapshot: Any, keys: Any) -> List[Optional[bytes]]:
    _, lengths, values = _multi_get_copy(ffi, functions, snapshot, keys)
    found = lengths != _SIZE_MAX
    return _split(values.tobytes(), np.where(found, lengths, 0) if not found.all() else lengths, found)


def _split(blob: bytes, lengths: "np.ndarray[Any, Any]", found: Optional["np.ndarray[Any, Any]"]) -> List[Any]:
    """``blob`` cut into consecutive values of ``lengths`` (bytes each; None where
    ``found`` is False), in C-level loops: no bytecode per value. Values of one
    size (the common case) come from numpy's ``tolist`` over a void dtype of that
    size (one bytes object per value, nothing else); others from slices."""
    count = int(lengths.shape[0])
    if count == 0:
        return []
    size = int(lengths[0])
    if (lengths == size).all():
        result: List[Any] = (np.frombuffer(blob, dtype=f"V{size}", count=count).tolist() if size
                             else [b""] * count)
    else:
        ends = np.cumsum(lengths, dtype=np.int64)
        starts = ends - lengths.astype(np.int64)
        result = list(map(blob.__getitem__, map(slice, starts.tolist(), ends.tolist())))
    if found is not None and not found.all():
        for position in np.flatnonzero(~found).tolist():
            result[position] = None
    return result


_span_types: Dict[int, Any] = {}


def _span_type(size: int) -> Any:
    """``c_ubyte * 2**k`` for the smallest 2**k >= size (cached)."""
    bits = max(size - 1, 0).bit_length()
    span = _span_types.get(bits)
    if span is None:
        span = _span_types.setdefault(bits, ctypes.c_ubyte * (1 << bits))
    return span


def _new_iterator(ffi: _ffi.Api, create: Callable[..., int], owner: Any, snapshot: Any) -> Any:
    """A C iterator made by ``create`` (omendb_iterator_create or omendb_table_iterator_create)."""
    iterator = IteratorHandle()
    ffi.check(create(owner, snapshot, ctypes.byref(iterator)))
    return iterator


class _Scan(itertools.chain):  # type: ignore[type-arg]  # chain is generic in the stubs only
    """The iterator :meth:`Database.items` and friends return: a chain over batches
    (C-level ``next``, no bytecode per entry) read by a generator that owns the C
    iterator. ``close()`` frees the C iterator early, as a generator's would."""

    _batches: Iterator[Any]
    _current: List[Iterator[Any]]  # the batch being handed out (to drop at close)
    _release: Callable[[], Any]  # frees the C iterator (idempotent)

    def close(self) -> None:
        """Stops the scan (later ``next()`` raises StopIteration) and frees its C
        iterator (also done when it is exhausted or garbage collected)."""
        if self._current:
            collections.deque(self._current.pop(), maxlen=0)  # drops what is left of this batch
        self._batches.close()  # type: ignore[attr-defined]
        self._release()  # also when the scan never started (a new generator's close runs nothing)


def _position(ffi: _ffi.Api, iterator: Any, lo: Optional[int], hi: Optional[int], reverse: bool) -> None:
    if reverse:
        ffi.check(ffi.iterator_seek_last(iterator))
    elif lo is not None:
        ffi.check(ffi.iterator_seek(iterator, lo))
    else:
        ffi.check(ffi.iterator_seek_first(iterator))


def _set_bounds(ffi: _ffi.Api, iterator: Any, lo: Optional[int], hi: Optional[int]) -> None:
    """Exact bounds in C, [lo, hi), so batches never overshoot hi; frees the
    iterator when they are refused (lo > hi)."""
    if hi is not None:
        status = ffi.iterator_set_bounds(iterator, _INT64_MIN if lo is None else lo, hi)
        if status != OK:
            error = ffi.error(status)
            ffi.iterator_free(iterator)
            raise error


def _generate(ffi: _ffi.Api, iterator: Any, lo: Optional[int], hi: Optional[int], reverse: bool,
              mode: int) -> Iterator[Any]:
    """An iterator over C ``iterator`` (owned) in ``[lo, hi)``. The C iterator is
    freed when the scan finishes, is closed, or is collected (a finalizer on the
    batch generator covers one that was never started).

    The bounds are set now, not at the first ``next()``: the C API rejects
    ``lo > hi`` (InvalidArgumentError) and the caller sees it at the call."""
    _set_bounds(ffi, iterator, lo, hi)
    if not ffi.has("iterator_read"):
        release: List[Callable[[], Any]] = []

        def single() -> Iterator[Any]:
            try:
                _position(ffi, iterator, lo, hi, reverse)
                yield from _walk_single(ffi, iterator, lo, reverse, mode)
            finally:
                release[0]()

        generator = single()
        release.append(weakref.finalize(generator, ffi.iterator_free, iterator))
        return generator
    current: List[Iterator[Any]] = []
    batches, free = _batches(ffi, iterator, lo, hi, reverse, mode, current)
    scan = cast(_Scan, _Scan.from_iterable(batches))  # from_iterable makes the subclass
    scan._batches = batches
    scan._current = current
    scan._release = free
    return scan


def _batches(ffi: _ffi.Api, iterator: Any, lo: Optional[int], hi: Optional[int], reverse: bool,
             mode: int, current: List[Iterator[Any]]) -> Tuple[Iterator[Iterator[Any]], Callable[[], Any]]:
    """Batches of entries (iterators over lists, or zips of keys and values) read
    many per C call; the one handed out last is kept in ``current``. Frees
    ``iterator`` when done, closed or collected; returns the generator and the
    finalizer that frees it."""
    release: List[Callable[[], Any]] = []

    def run() -> Iterator[Iterator[Any]]:
        try:
            _position(ffi, iterator, lo, hi, reverse)
            for keys, lengths, blob in _read_batches(ffi, iterator, lo, reverse, mode != _KEYS):
                if mode == _KEYS:
                    batch: Iterator[Any] = iter(keys)
                elif mode == _PAIRS:
                    batch = zip(keys, _split(blob, lengths, None))
                else:
                    batch = iter(_split(blob, lengths, None))
                current[:] = [batch]
                yield batch
        finally:
            release[0]()

    generator = run()
    release.append(weakref.finalize(generator, ffi.iterator_free, iterator))
    return generator, release[0]


_FIRST_BATCH = 16     # entries in the first batched read (a scan may stop early)
_LARGEST_BATCH = 1024  # entries per batched read once the scan is going
_BATCH_BYTES = 1 << 18  # value bytes per batched read (grown for larger values)


def _read_batches(ffi: _ffi.Api, iterator: Any, lo: Optional[int], reverse: bool,
                  with_values: bool) -> Iterator[Tuple[List[int], "np.ndarray[Any, Any]", bytes]]:
    """``(keys, lengths, values)`` batches from the positioned ``iterator``, read
    with ``omendb_iterator_read`` (values copied into one buffer, then into one
    bytes object per batch). In reverse, stops below ``lo`` (forward, the seek and
    the C bounds already keep to the range)."""
    read = ffi.fast_iterator_read
    handle = _address(iterator)
    direction = -1 if reverse else 1
    keys = np.empty(_LARGEST_BATCH, dtype=np.int64)
    lengths = np.empty(_LARGEST_BATCH, dtype=np.uintp)
    keys_address = keys.ctypes.data
    lengths_address = lengths.ctypes.data
    capacity = _BATCH_BYTES if with_values else 0
    buffer = ctypes.create_string_buffer(capacity) if with_values else None
    buffer_address = ctypes.addressof(buffer) if buffer is not None else None
    count = ctypes.c_size_t()
    count_address = ctypes.addressof(count)
    wanted = _FIRST_BATCH
    string_at = ctypes.string_at
    while True:
        status = read(handle, direction, wanted, keys_address, lengths_address, buffer_address, capacity,
                      count_address)
        if status == BUFFER_TOO_SMALL:  # one value larger than the buffer: grow it
            capacity = max(int(lengths[0]), 2 * capacity)
            buffer = ctypes.create_string_buffer(capacity)
            buffer_address = ctypes.addressof(buffer)
            continue
        if status != OK:
            raise ffi.error(status)
        copied = count.value
        if copied == 0:
            return
        batch_keys = keys[:copied].tolist()
        last = False
        if reverse and lo is not None and batch_keys[-1] < lo:
            copied = next(i for i, key in enumerate(batch_keys) if key < lo)
            batch_keys = batch_keys[:copied]
            last = True
        batch_lengths = lengths[:copied].copy()
        blob = string_at(buffer_address, int(batch_lengths.sum())) if buffer_address and copied else b""
        yield batch_keys, batch_lengths, blob
        if last:
            return
        wanted = min(2 * wanted, _LARGEST_BATCH)


def _scan_arrays(ffi: _ffi.Api, iterator: Any, lo: Optional[int], hi: Optional[int], reverse: bool,
                 limit: Optional[int]) -> ValueArrays:
    """Reads the scan straight into growing numpy arrays (omendb_iterator_read
    writes the keys, lengths and values in place); frees ``iterator``."""
    _set_bounds(ffi, iterator, lo, hi)  # frees the iterator when it raises
    try:
        _position(ffi, iterator, lo, hi, reverse)
        read = ffi.fast_iterator_read
        handle = _address(iterator)
        direction = -1 if reverse else 1
        keys = np.empty(_LARGEST_BATCH, dtype=np.int64)
        lengths = np.empty(_LARGEST_BATCH, dtype=np.uintp)
        values = np.empty(_BATCH_BYTES, dtype=np.uint8)
        done = ctypes.c_size_t()
        done_address = ctypes.addressof(done)
        count = used = 0
        while limit is None or count < limit:
            if count == keys.shape[0]:
                keys = np.concatenate([keys, np.empty_like(keys)])
                lengths = np.concatenate([lengths, np.empty_like(lengths)])
            wanted = keys.shape[0] - count if limit is None else min(keys.shape[0], limit) - count
            status = read(handle, direction, wanted, keys.ctypes.data + 8 * count,
                          lengths.ctypes.data + lengths.itemsize * count, values.ctypes.data + used,
                          values.shape[0] - used, done_address)
            if status == BUFFER_TOO_SMALL:  # the next value does not fit in what is left
                values = _grown(values, used, used + int(lengths[count]))
                continue
            if status != OK:
                raise ffi.error(status)
            got = done.value
            if got == 0:
                break  # the end (a value that did not fit would be BUFFER_TOO_SMALL)
            batch = lengths[count:count + got]
            if reverse and lo is not None and keys[count + got - 1] < lo:
                got = int(np.searchsorted(-keys[count:count + got], -lo, side="right"))
                used += int(batch[:got].sum())
                count += got
                break
            used += int(batch.sum())
            count += got
            if got < wanted and ffi.iterator_valid(iterator):
                values = _grown(values, used, used + 1)  # stopped at a full buffer
    finally:
        ffi.iterator_free(iterator)
    offsets = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(lengths[:count].astype(np.int64), out=offsets[1:])
    return ValueArrays(keys[:count].copy(), values[:used].copy(), offsets, np.ones(count, dtype=np.bool_))


def _grown(buffer: "np.ndarray[Any, Any]", used: int, needed: int) -> "np.ndarray[Any, Any]":
    """A larger copy of ``buffer`` (at least ``needed`` bytes, twice the size at least)."""
    grown = np.empty(max(2 * buffer.shape[0], needed), dtype=buffer.dtype)
    grown[:used] = buffer[:used]
    return grown


def _walk_batched(ffi: _ffi.Api, iterator: Any, lo: Optional[int], reverse: bool, mode: int) -> Iterator[Any]:
    """Entries one by one from the positioned ``iterator``, read in batches
    (transactions step through this one entry at a time)."""
    for keys, lengths, blob in _read_batches(ffi, iterator, lo, reverse, mode != _KEYS):
        if mode == _KEYS:
            yield from keys
        elif mode == _PAIRS:
            yield from zip(keys, _split(blob, lengths, None))
        else:
            yield from _split(blob, lengths, None)


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


class _BatchWriter:
    """The writes of a :class:`WriteBatch`, shared by the batch (its default-table
    writes) and its table views (:meth:`WriteBatch.table`): they differ only in the
    C functions (``omendb_batch_put`` or ``omendb_batch_table_put`` with the table
    bound, ...)."""

    _batch: "WriteBatch"
    _put: Callable[..., int]
    _delete: Callable[..., int]
    _delete_range: Callable[..., int]

    def _target(self) -> Any:
        """The batch's C handle (ClosedError once closed)."""
        return self._batch._require_open()

    def put(self, key: int, value: BytesLike) -> None:
        """Adds a put (``value`` is copied now). TypeError / OutOfRangeError as :meth:`Database.put`."""
        key = _key(key)
        pointer, length, keep = _value(value)
        batch = self._batch
        batch._api.check(self._put(self._target(), key, pointer, length))
        del keep
        batch._count += 1

    __setitem__ = put

    def delete(self, key: int) -> None:
        """Adds a delete."""
        key = _key(key)
        batch = self._batch
        batch._api.check(self._delete(self._target(), key))
        batch._count += 1

    __delitem__ = delete

    def delete_range(self, lo: Optional[int] = None, hi: Optional[int] = None) -> None:
        """Adds a delete of every key in ``[lo, hi)`` (None: unbounded; ``hi=None``
        includes the largest int64): the batch's earlier puts in the range are
        deleted, its later operations stand. InvalidArgumentError when ``lo > hi``."""
        low, high, through_max = _range(lo, hi)
        batch = self._batch
        handle = self._target()
        batch._api.check(self._delete_range(handle, low, high))
        batch._count += 1
        if through_max:
            batch._api.check(self._delete(handle, _INT64_MAX))
            batch._count += 1


class WriteBatch(_BatchWriter):
    """Puts and deletes applied atomically by :meth:`commit` (all or nothing).

    As a context manager: commits on leaving the block normally, discards the
    operations when the block raises. The batch keeps working after a commit (it
    is emptied). A later operation on the same key in the batch wins.
    ``batch.put(k, v)`` and the other writes go to the default table;
    ``batch.table(t)`` is a view whose writes go to table ``t``, in the same
    atomic batch (one batch may span any tables of its database).
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
        self._batch = self
        self._put = self._api.batch_put
        self._delete = self._api.batch_delete
        self._delete_range = self._api.batch_delete_range

    def _require_open(self) -> Any:
        if not self._finalizer.alive:
            raise ClosedError("this WriteBatch is closed")
        return self._handle

    def table(self, table: "Table") -> "WriteBatchTable":
        """A view of this batch whose ``put`` / ``delete`` / ``delete_range`` (and
        ``view[k] = v``, ``del view[k]``) add operations on ``table``, a
        :class:`Table` of this batch's database.

        Raises:
            TypeError: ``table`` is not a Table.
            MisuseError: ``table`` belongs to another database.
            ClosedError: the table was dropped.
        """
        return WriteBatchTable(self, table)

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
    collected) and no value references it any more. The values of one read
    (a get, or a whole multi-get) are slices of one read-only memoryview over a
    ctypes array spanning them in engine memory; a weak reference with a
    callback notices when that array (and so every memoryview, slice or numpy
    array built on any of the values) is gone.
    """

    def __init__(self, ffi: _ffi.Api, handle: Any) -> None:
        self.api = ffi
        self.handle: Optional[Any] = handle
        self.lock = threading.RLock()  # re-entrant: weakref callbacks may run inside a locked section
        self.live = 0
        self.closing = False
        self.views: List["weakref.ref[memoryview]"] = []
        self.prune_at = 1024
        self._refs: Dict[int, "weakref.ref[Any]"] = {}  # keeps the callbacks' weak references alive

    def _span(self, low: int, size: int) -> memoryview:
        """A read-only byte view from ``low`` covering at least ``size`` bytes, whose
        exporter is counted as live until every view made from it is gone. Only
        exact slices of it are handed out (the array's length is rounded up to a
        power of two, so that ctypes creates at most 64 array types)."""
        array = _span_type(size).from_address(low)
        self.live += 1
        array_ref = weakref.ref(array, self._value_gone)
        self._refs[id(array_ref)] = array_ref
        return memoryview(array).cast("B").toreadonly()

    def _track(self, views: Iterable[memoryview]) -> None:
        """Remembers ``views`` (weakly) so that close() can release them."""
        tracked = self.views
        tracked.extend(map(weakref.ref, views))
        if len(tracked) >= self.prune_at:  # forget views that are gone (a long-lived snapshot)
            self.views = tracked = [reference for reference in tracked if reference() is not None]
            self.prune_at = 2 * len(tracked) + 1024

    def value(self, address: int, length: int) -> memoryview:
        """A read-only memoryview over ``length`` bytes at ``address`` that keeps this core alive."""
        view = self._span(address, length)[:length]
        self._track((view,))
        return view

    def values(self, pointers: "np.ndarray[Any, Any]", lengths: "np.ndarray[Any, Any]") -> List[Optional[memoryview]]:
        """Views of the values a zero-copy multi-get found (``pointers[i]`` 0: None)."""
        count = int(pointers.shape[0])
        found = pointers != 0
        if not found.any():
            return [None] * count
        low = int(pointers[found].min())
        starts = np.where(found, pointers - np.uintp(low), 0).astype(np.int64)
        stops = starts + np.where(found, lengths, 0).astype(np.int64)
        base = self._span(low, int(stops.max()))
        views: List[Any] = list(map(base.__getitem__, map(slice, starts.tolist(), stops.tolist())))
        self._track(views)
        if not found.all():
            for position in np.flatnonzero(~found).tolist():
                views[position] = None
        return views


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

    @overload
    def get(self, key: int) -> Optional[memoryview]: ...

    @overload
    def get(self, key: int, default: Union[memoryview, _D]) -> Union[memoryview, _D]: ...

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
        if isinstance(value, memoryview):
            return value
        raise NotFoundError.for_key(key)

    def __contains__(self, key: object) -> bool:
        key = _key(key)
        with self._core.lock:
            status = self._api.snapshot_get(self._handle(), key, ctypes.byref(self._pointer),
                                            ctypes.byref(self._length))
        if status not in (OK, NOT_FOUND):
            raise self._api.error(status)
        return bool(status == OK)

    def _read(self, read: Callable[[Any], _T]) -> _T:
        """``read(handle)`` with the snapshot open (ClosedError otherwise); the lock
        keeps close() out while the C call runs (it may release the GIL)."""
        with self._core.lock:
            return read(self._handle())

    def count(self, lo: Optional[int] = None, hi: Optional[int] = None) -> int:
        """The exact number of keys in ``[lo, hi)`` at this snapshot (None:
        unbounded), as :meth:`Database.count`."""
        low, high, through_max = _range(lo, hi)
        return self._read(lambda handle: _snapshot_count(self._api, _functions(self._api), handle, low, high, through_max))

    def multi_get(self, keys: Union["np.ndarray[Any, Any]", Iterable[int]]) -> List[Optional[memoryview]]:
        """Zero-copy values of ``keys`` (numpy int64 array or sequence of ints):
        read-only memoryviews, None where absent."""
        array = _key_array(keys)
        count = int(array.shape[0])
        pointers = np.empty(count, dtype=np.uintp)
        lengths = np.empty(count, dtype=np.uintp)
        core = self._core
        with core.lock:
            handle = self._handle()
            self._api.check(self._api.fast_snapshot_multi_get(_address(handle), array.ctypes.data, count,
                                                                pointers.ctypes.data, lengths.ctypes.data, None))
            return core.values(pointers, lengths)

    def multi_get_bytes(self, keys: Union["np.ndarray[Any, Any]", Iterable[int]]) -> List[Optional[bytes]]:
        """As :meth:`multi_get`, but copies: bytes, None where absent."""
        return self._read(lambda handle: _multi_get_list(self._api, _functions(self._api), handle, keys))

    def multi_get_arrays(self, keys: Union["np.ndarray[Any, Any]", Iterable[int]]) -> "ValueArrays":
        """As :meth:`Database.multi_get_arrays`, at this snapshot (copies)."""
        return self._read(lambda handle: _multi_get_arrays(self._api, _functions(self._api), handle, keys))

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
            iterator = _new_iterator(self._api, self._api.iterator_create, None, self._handle())
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


def _table_name(name: object) -> bytes:
    """A table name as the C API takes it (UTF-8): TypeError for non-str names,
    InvalidArgumentError for empty ones, ones above 255 bytes and ones with NUL."""
    if not isinstance(name, str):
        raise TypeError(f"a table name must be a str, not {type(name).__name__}")
    try:
        encoded = name.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidArgumentError(f"table name {name!r} is not valid UTF-8 (it holds a lone surrogate)") from None
    if not encoded:
        raise InvalidArgumentError("a table name must not be empty")
    if len(encoded) > _TABLE_NAME_MAX:
        raise InvalidArgumentError(f"table name is {len(encoded)} bytes in UTF-8, above the limit of {_TABLE_NAME_MAX}")
    if b"\0" in encoded:
        raise InvalidArgumentError("a table name must not contain a NUL character")
    return encoded


_TABLE_NAME_MAX = 255


class Table(_Keyspace):
    """A named table of a :class:`Database` (make one with :meth:`Database.table`):
    its own int64 keyspace, with exactly the mapping interface of the database
    (``t[k]``, ``t[k] = v``, ``del t[k]``, ``get``, ``put``, ``delete``,
    ``delete_range``, ``count``, ``items`` / ``keys`` / ``values``, ``multi_get``,
    ``bulk_load``, ``stats``, ...: the same code, on the table's C functions).

    Writes to several tables are atomic together through one batch
    (``batch.table(t)``) or one transaction (``txn.table(t)``). A table lives as
    long as its database: after :meth:`Database.close` or
    :meth:`Database.drop_table` every call raises ClosedError. Thread-safe like
    its database. Equality and hashing are by identity.

    Attributes:
        name: the table's name.
        database: the :class:`Database` it belongs to.
    """

    def __init__(self, database: Database, name: str, handle: Any) -> None:
        self._database = database
        self._api = database._api
        self.name = name
        self._handle = handle
        # _closed (checked by the hot paths) is set by Database.close() and
        # drop_table(); _dropped says which of the two it was.
        self._closed = False
        self._dropped = False
        self._f = _table_functions(self._api, handle)
        # The hot paths share the database's in-flight registry and read buffers,
        # so that Database.close() waits for calls on its tables too.
        self._inflight = database._inflight
        self._buffers = database._buffers
        self._address = _address(handle)
        self._c_get = self._api.fast_table_get
        self._c_put = self._api.fast_table_put
        self._c_delete = self._api.fast_table_delete

    @property
    def database(self) -> Database:
        """The database this table belongs to."""
        return self._database

    @property
    def closed(self) -> bool:
        """True once the table was dropped or its database closed."""
        return self._closed

    def __repr__(self) -> str:
        state = "dropped" if self._dropped else ("closed" if self._database._closed else "open")
        return f"<omendb.Table {self.name!r} of {self._database.path!r} {state}>"

    def _closed_error(self) -> ClosedError:
        if self._dropped:
            return ClosedError(f"table {self.name!r} was dropped")
        return self._database._closed_error()

    def _enter(self) -> Any:
        """Registers a call in flight on the database and returns the table's C
        handle (ClosedError once dropped or closed)."""
        self._database._enter()
        if self._dropped:
            self._database._leave()
            raise self._closed_error()
        return self._handle

    def _leave(self) -> None:
        self._database._leave()

    def _new_buffer(self) -> "_ReadBuffer":
        return self._database._new_buffer()

    def _finish_close(self) -> None:
        # Closed as a table may mean dropped: only a closed database has a close to finish.
        if self._database._closed:
            self._database._finish_close()

    def _in_batch(self, batch: "WriteBatch") -> "_BatchWriter":
        return batch.table(self)


class WriteBatchTable(_BatchWriter):
    """A view of a :class:`WriteBatch` adding operations on one :class:`Table`
    (:meth:`WriteBatch.table`); committing the batch applies them with the rest."""

    def __init__(self, batch: WriteBatch, table: Table) -> None:
        if not isinstance(table, Table):
            raise TypeError(f"table must be an omendb.Table, not {type(table).__name__}")
        if table._database is not batch._database:
            raise MisuseError(f"table {table.name!r} belongs to another database than this batch")
        if table._dropped:
            raise table._closed_error()
        api = batch._api
        handle = table._handle
        self._batch = batch
        self.table = table
        self._put = lambda target, key, value, length: api.batch_table_put(target, handle, key, value, length)
        self._delete = lambda target, key: api.batch_table_delete(target, handle, key)
        self._delete_range = lambda target, lo, hi: api.batch_table_delete_range(target, handle, lo, hi)

    def _target(self) -> Any:
        if self.table._dropped:
            raise self.table._closed_error()
        return self._batch._require_open()


def open(path: Union[str, "os.PathLike[str]"], *, create_if_missing: bool = True,  # noqa: A001 (as sqlite3.connect)
         error_if_exists: bool = False, create_in_nonempty_directory: bool = False, read_only: bool = False,
         sync: SyncMode = "normal", index_kind: IndexKind = "auto", hot_tier_bytes: Optional[int] = None,
         max_value_size: Optional[int] = None) -> Database:
    """Opens a :class:`Database`; the same arguments as its constructor."""
    return Database(path, create_if_missing=create_if_missing, error_if_exists=error_if_exists,
                    create_in_nonempty_directory=create_in_nonempty_directory, read_only=read_only, sync=sync,
                    index_kind=index_kind, hot_tier_bytes=hot_tier_bytes, max_value_size=max_value_size)
