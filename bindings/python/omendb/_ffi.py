"""ctypes declarations of the OmenDB C API (``include/omendb.h``) and the
shared helpers every wrapper module uses.

Every C function this package calls is declared here with explicit ``argtypes``
and ``restype``; nothing relies on ctypes' defaults (which would truncate 64-bit
integers and pointers silently). Handles get distinct pointer types, so passing
an index handle where an options handle is expected fails in ctypes rather
than in C.

The library is loaded lazily, on the first call to :func:`api` (``import omendb``
itself never touches the shared library), once per process.
"""

from __future__ import annotations

import ctypes
import operator
import threading
from ctypes import (POINTER, c_char, c_char_p, c_double, c_int, c_int32, c_int64, c_size_t, c_uint32, c_uint64,
                    c_void_p)
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

import numpy as np

from . import _loader
from .errors import Error, InvalidArgumentError, OutOfRangeError, UnsupportedError, error_for_status

__all__ = ["Api", "api", "IndexHandle", "IndexOptionsHandle", "IndexStatsStruct", "DbHandle",
           "OptionsHandle", "BatchHandle", "SnapshotHandle", "IteratorHandle", "TxnOptionsHandle", "TxnHandle", "TableHandle",
           "DbStatsStruct", "ISOLATION_LEVELS",
           "INT64_MIN", "INT64_MAX", "KeyArray", "PositionArray"]

INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1
UINT32_MAX = (1 << 32) - 1

# Index kinds (OMENDB_INDEX_*) and search strategies (OMENDB_SEARCH_*).
INDEX_KINDS: Dict[str, int] = {"auto": 0, "linear": 1, "rmi": 2, "pgm": 3, "alex": 4}
SEARCH_STRATEGIES: Dict[str, int] = {"branchy": 0, "branchless": 1}


class _OpaqueIndex(ctypes.Structure):
    """``struct omendb_index`` (opaque)."""


class _OpaqueIndexOptions(ctypes.Structure):
    """``struct omendb_index_options`` (opaque)."""


IndexHandle = POINTER(_OpaqueIndex)
IndexOptionsHandle = POINTER(_OpaqueIndexOptions)


class _OpaqueDb(ctypes.Structure):
    """``struct omendb_db`` (opaque)."""


class _OpaqueOptions(ctypes.Structure):
    """``struct omendb_options`` (opaque)."""


class _OpaqueBatch(ctypes.Structure):
    """``struct omendb_batch`` (opaque)."""


class _OpaqueSnapshot(ctypes.Structure):
    """``struct omendb_snapshot`` (opaque)."""


class _OpaqueIterator(ctypes.Structure):
    """``struct omendb_iterator`` (opaque)."""


class _OpaqueTxnOptions(ctypes.Structure):
    """``struct omendb_txn_options`` (opaque)."""


class _OpaqueTxn(ctypes.Structure):
    """``struct omendb_txn`` (opaque)."""


class _OpaqueTable(ctypes.Structure):
    """``struct omendb_table`` (opaque)."""


DbHandle = POINTER(_OpaqueDb)
OptionsHandle = POINTER(_OpaqueOptions)
BatchHandle = POINTER(_OpaqueBatch)
SnapshotHandle = POINTER(_OpaqueSnapshot)
IteratorHandle = POINTER(_OpaqueIterator)
TxnOptionsHandle = POINTER(_OpaqueTxnOptions)
TxnHandle = POINTER(_OpaqueTxn)
TableHandle = POINTER(_OpaqueTable)

# Sync modes (OMENDB_SYNC_*).
SYNC_MODES: Dict[str, int] = {"off": 0, "normal": 1, "full": 2}
# Isolation levels (OMENDB_ISOLATION_*), by the names the binding accepts.
ISOLATION_LEVELS: Dict[str, int] = {"read_uncommitted": 0, "read_committed": 1, "repeatable_read": 2,
                                    "serializable": 3}
#: OMENDB_BUFFER_TOO_SMALL: a caller buffer was too small (omendb_get).
BUFFER_TOO_SMALL = 13


#: ``omendb_progress_fn``: ``int (*)(void *context, uint64_t done, uint64_t total)``.
ProgressFunction = ctypes.CFUNCTYPE(c_int, c_void_p, c_uint64, c_uint64)


class ProgressStruct(ctypes.Structure):
    """``omendb_progress`` (see include/omendb.h); ``struct_size`` grows with versions."""

    _fields_ = [("struct_size", c_size_t), ("callback", ProgressFunction), ("context", c_void_p)]


#: OMENDB_CHECKPOINT_COPY: copy run files instead of hard-linking them.
CHECKPOINT_COPY = 1
#: OMENDB_TABLE_CREATE: omendb_table_open creates a missing table.
TABLE_CREATE = 1


class DbStatsStruct(ctypes.Structure):
    """``omendb_db_stats`` (see include/omendb.h); ``struct_size`` grows with versions."""

    _fields_ = [
        ("struct_size", c_size_t),
        ("hot_keys", c_uint64),
        ("hot_bytes", c_uint64),
        ("cold_keys", c_uint64),
        ("cold_bytes", c_uint64),
        ("run_count", c_uint64),
        ("wal_bytes", c_uint64),
        ("model_count", c_uint64),
        ("bytes_per_key_index", c_double),
        ("approximate_count", c_uint64),
        ("last_sequence", c_uint64),
        ("active_transactions", c_uint64),
        ("oldest_pinned_sequence", c_uint64),
        ("retained_versions", c_uint64),
        ("conflicts", c_uint64),
    ]


class IndexStatsStruct(ctypes.Structure):
    """``omendb_index_stats`` (see include/omendb.h); ``struct_size`` grows with versions."""

    _fields_ = [
        ("struct_size", c_size_t),
        ("kind", c_int32),
        ("level_count", c_int32),
        ("key_count", c_uint64),
        ("model_count", c_uint64),
        ("max_error", c_uint64),
        ("size_bytes", c_uint64),
        ("bytes_per_key", c_double),
        ("note", c_char * 160),
    ]


#: A read-only, C-contiguous, aligned 1-D int64 array argument (``const int64_t *``).
KeyArray = np.ctypeslib.ndpointer(dtype=np.int64, ndim=1, flags=["C_CONTIGUOUS", "ALIGNED"])
#: A writable, C-contiguous, aligned 1-D int64 array argument (``int64_t *`` output).
PositionArray = np.ctypeslib.ndpointer(dtype=np.int64, ndim=1, flags=["C_CONTIGUOUS", "ALIGNED", "WRITEABLE"])

# name: (restype, argtypes). Grouped as in include/omendb.h.
#: A declared foreign function (a ctypes function pointer with argtypes and restype set).
CFunction = Callable[..., Any]

_SIGNATURES: Dict[str, Tuple[object, List[object]]] = {
    # Versioning and errors.
    "omendb_version_number": (c_int, []),
    "omendb_version_string": (c_char_p, []),
    "omendb_status_string": (c_char_p, [c_int]),
    "omendb_last_error": (c_char_p, []),
    # Index options.
    "omendb_index_options_create": (c_int, [POINTER(IndexOptionsHandle)]),
    "omendb_index_options_free": (None, [IndexOptionsHandle]),
    "omendb_index_options_set_kind": (c_int, [IndexOptionsHandle, c_int]),
    "omendb_index_options_set_epsilon": (c_int, [IndexOptionsHandle, c_uint32]),
    "omendb_index_options_set_recursive_epsilon": (c_int, [IndexOptionsHandle, c_uint32]),
    "omendb_index_options_set_rmi_leaves": (c_int, [IndexOptionsHandle, c_uint32]),
    "omendb_index_options_set_search": (c_int, [IndexOptionsHandle, c_int]),
    # Indexes.
    "omendb_index_build": (c_int, [KeyArray, c_size_t, IndexOptionsHandle, POINTER(IndexHandle)]),
    "omendb_index_free": (None, [IndexHandle]),
    "omendb_index_find": (c_int, [IndexHandle, c_int64, POINTER(c_uint64)]),
    "omendb_index_lower_bound": (c_int, [IndexHandle, c_int64, POINTER(c_uint64)]),
    "omendb_index_range": (c_int, [IndexHandle, c_int64, c_int64, POINTER(c_uint64), POINTER(c_uint64)]),
    "omendb_index_find_batch": (c_int, [IndexHandle, KeyArray, c_size_t, PositionArray, POINTER(c_size_t)]),
    "omendb_index_lower_bound_batch": (c_int, [IndexHandle, KeyArray, c_size_t, PositionArray]),
    "omendb_index_get_stats": (c_int, [IndexHandle, POINTER(IndexStatsStruct)]),
    "omendb_index_kind_name": (c_char_p, [c_int]),
}

#: A read-only, C-contiguous byte array argument (``const void *`` buffers).
ByteArray = np.ctypeslib.ndpointer(dtype=np.uint8, ndim=1, flags=["C_CONTIGUOUS"])
#: A writable, C-contiguous byte array argument (``void *`` caller buffers).
WritableByteArray = np.ctypeslib.ndpointer(dtype=np.uint8, ndim=1, flags=["C_CONTIGUOUS", "WRITEABLE"])
#: A writable, C-contiguous array of pointers (``const void **`` outputs), as uintp.
PointerArray = np.ctypeslib.ndpointer(dtype=np.uintp, ndim=1, flags=["C_CONTIGUOUS", "ALIGNED", "WRITEABLE"])
#: A read-only, C-contiguous array of pointers / ``size_t`` (``const void *const *``,
#: ``const size_t *`` inputs), as uintp.
ConstWordArray = np.ctypeslib.ndpointer(dtype=np.uintp, ndim=1, flags=["C_CONTIGUOUS", "ALIGNED"])
#: A writable, C-contiguous array of ``size_t`` (lengths outputs).
SizeArray = np.ctypeslib.ndpointer(dtype=np.uintp, ndim=1, flags=["C_CONTIGUOUS", "ALIGNED", "WRITEABLE"])

#: Functions that newer libraries of the same major version add. A library
#: without them still loads; calling one then raises UnsupportedError.
_OPTIONAL_SIGNATURES: Dict[str, Tuple[object, List[object]]] = {
    # Serialized index models (library 0.1 builds from the index work on).
    "omendb_index_serialized_size": (c_int, [IndexHandle, POINTER(c_size_t)]),
    "omendb_index_serialize": (c_int, [IndexHandle, WritableByteArray, c_size_t, POINTER(c_size_t)]),
    "omendb_index_load": (c_int, [KeyArray, c_size_t, ByteArray, c_size_t, POINTER(IndexHandle)]),
    # Database (OMENDB_HAVE_DATABASE). Values cross as c_void_p: bytes objects are
    # passed directly, other buffers by address while the binding holds them.
    "omendb_options_create": (c_int, [POINTER(OptionsHandle)]),
    "omendb_options_free": (None, [OptionsHandle]),
    "omendb_options_set_create_if_missing": (c_int, [OptionsHandle, c_int]),
    "omendb_options_set_error_if_exists": (c_int, [OptionsHandle, c_int]),
    "omendb_options_set_create_in_nonempty_directory": (c_int, [OptionsHandle, c_int]),
    "omendb_options_set_read_only": (c_int, [OptionsHandle, c_int]),
    "omendb_options_set_sync": (c_int, [OptionsHandle, c_int]),
    "omendb_options_set_index_kind": (c_int, [OptionsHandle, c_int]),
    "omendb_options_set_hot_tier_bytes": (c_int, [OptionsHandle, c_uint64]),
    "omendb_options_set_max_value_size": (c_int, [OptionsHandle, c_uint64]),
    "omendb_open": (c_int, [c_char_p, OptionsHandle, POINTER(DbHandle)]),
    "omendb_close": (c_int, [DbHandle]),
    "omendb_put": (c_int, [DbHandle, c_int64, c_void_p, c_size_t]),
    "omendb_delete": (c_int, [DbHandle, c_int64]),
    "omendb_get": (c_int, [DbHandle, c_int64, c_void_p, c_size_t, POINTER(c_size_t)]),
    "omendb_batch_create": (c_int, [POINTER(BatchHandle)]),
    "omendb_batch_free": (None, [BatchHandle]),
    "omendb_batch_put": (c_int, [BatchHandle, c_int64, c_void_p, c_size_t]),
    "omendb_batch_delete": (c_int, [BatchHandle, c_int64]),
    "omendb_batch_clear": (c_int, [BatchHandle]),
    "omendb_write": (c_int, [DbHandle, BatchHandle]),
    "omendb_bulk_load": (c_int, [DbHandle, KeyArray, ConstWordArray, ConstWordArray, c_size_t]),
    "omendb_snapshot_open": (c_int, [DbHandle, POINTER(SnapshotHandle)]),
    "omendb_snapshot_free": (None, [SnapshotHandle]),
    "omendb_snapshot_get": (c_int, [SnapshotHandle, c_int64, POINTER(c_void_p), POINTER(c_size_t)]),
    "omendb_snapshot_multi_get": (c_int, [SnapshotHandle, KeyArray, c_size_t, PointerArray, SizeArray,
                                          POINTER(c_size_t)]),
    "omendb_iterator_create": (c_int, [DbHandle, SnapshotHandle, POINTER(IteratorHandle)]),
    "omendb_iterator_free": (None, [IteratorHandle]),
    "omendb_iterator_set_bounds": (c_int, [IteratorHandle, c_int64, c_int64]),
    "omendb_iterator_seek": (c_int, [IteratorHandle, c_int64]),
    "omendb_iterator_seek_for_prev": (c_int, [IteratorHandle, c_int64]),
    "omendb_iterator_seek_first": (c_int, [IteratorHandle]),
    "omendb_iterator_seek_last": (c_int, [IteratorHandle]),
    "omendb_iterator_valid": (c_int, [IteratorHandle]),
    "omendb_iterator_next": (c_int, [IteratorHandle]),
    "omendb_iterator_prev": (c_int, [IteratorHandle]),
    "omendb_iterator_entry": (c_int, [IteratorHandle, POINTER(c_int64), POINTER(c_void_p), POINTER(c_size_t)]),
    "omendb_flush": (c_int, [DbHandle]),
    "omendb_compact": (c_int, [DbHandle]),
    "omendb_verify": (c_int, [DbHandle]),
    "omendb_get_stats": (c_int, [DbHandle, POINTER(DbStatsStruct)]),
    # Batched iterator reads (int64_t *keys, size_t *lengths and void *buffer are
    # passed as addresses of buffers the binding owns).
    "omendb_iterator_read": (c_int, [IteratorHandle, c_int, c_size_t, c_void_p, c_void_p, c_void_p, c_size_t,
                                     POINTER(c_size_t)]),
    # Copy multi-get (const int64_t *keys, size_t *lengths, void *buffer as addresses).
    "omendb_snapshot_multi_get_copy": (c_int, [SnapshotHandle, c_void_p, c_size_t, c_void_p, c_void_p, c_size_t,
                                               POINTER(c_size_t)]),
    # Transactions (values cross as c_void_p, as for omendb_put / omendb_get).
    "omendb_txn_options_create": (c_int, [POINTER(TxnOptionsHandle)]),
    "omendb_txn_options_free": (None, [TxnOptionsHandle]),
    "omendb_txn_options_set_isolation": (c_int, [TxnOptionsHandle, c_int]),
    "omendb_txn_options_set_read_only": (c_int, [TxnOptionsHandle, c_int]),
    "omendb_txn_begin": (c_int, [DbHandle, TxnOptionsHandle, POINTER(TxnHandle)]),
    "omendb_txn_get": (c_int, [TxnHandle, c_int64, c_void_p, c_size_t, POINTER(c_size_t)]),
    "omendb_txn_put": (c_int, [TxnHandle, c_int64, c_void_p, c_size_t]),
    "omendb_txn_delete": (c_int, [TxnHandle, c_int64]),
    "omendb_txn_iterator_create": (c_int, [TxnHandle, POINTER(IteratorHandle)]),
    "omendb_txn_commit": (c_int, [TxnHandle]),
    "omendb_txn_rollback": (c_int, [TxnHandle]),
    "omendb_txn_free": (None, [TxnHandle]),
    # Range deletes and exact counts ([lo, hi), as iterator bounds).
    "omendb_delete_range": (c_int, [DbHandle, c_int64, c_int64]),
    "omendb_batch_delete_range": (c_int, [BatchHandle, c_int64, c_int64]),
    "omendb_txn_delete_range": (c_int, [TxnHandle, c_int64, c_int64]),
    "omendb_count": (c_int, [DbHandle, c_int64, c_int64, POINTER(c_uint64)]),
    "omendb_snapshot_count": (c_int, [SnapshotHandle, c_int64, c_int64, POINTER(c_uint64)]),
    "omendb_txn_count": (c_int, [TxnHandle, c_int64, c_int64, POINTER(c_uint64)]),
    # Progress callbacks and checkpoints (OMENDB_HAVE_CHECKPOINT).
    "omendb_bulk_load_with_progress": (c_int, [DbHandle, KeyArray, ConstWordArray, ConstWordArray, c_size_t,
                                               POINTER(ProgressStruct)]),
    "omendb_compact_with_progress": (c_int, [DbHandle, POINTER(ProgressStruct)]),
    "omendb_verify_with_progress": (c_int, [DbHandle, POINTER(ProgressStruct)]),
    "omendb_checkpoint": (c_int, [DbHandle, c_char_p, c_uint32, POINTER(ProgressStruct), POINTER(c_uint64)]),
    # Named tables (OMENDB_HAVE_TABLES): the table forms of the calls above, with the
    # same argument conventions.
    "omendb_table_open": (c_int, [DbHandle, c_char_p, c_uint32, POINTER(TableHandle)]),
    "omendb_table_drop": (c_int, [DbHandle, c_char_p]),
    "omendb_table_list": (c_int, [DbHandle, POINTER(POINTER(c_char_p)), POINTER(c_size_t)]),
    "omendb_table_list_free": (None, [POINTER(c_char_p)]),
    "omendb_table_put": (c_int, [TableHandle, c_int64, c_void_p, c_size_t]),
    "omendb_table_delete": (c_int, [TableHandle, c_int64]),
    "omendb_table_get": (c_int, [TableHandle, c_int64, c_void_p, c_size_t, POINTER(c_size_t)]),
    "omendb_table_delete_range": (c_int, [TableHandle, c_int64, c_int64]),
    "omendb_table_count": (c_int, [TableHandle, c_int64, c_int64, POINTER(c_uint64)]),
    "omendb_table_bulk_load": (c_int, [TableHandle, KeyArray, ConstWordArray, ConstWordArray, c_size_t,
                                       POINTER(ProgressStruct)]),
    "omendb_table_get_stats": (c_int, [TableHandle, POINTER(DbStatsStruct)]),
    "omendb_table_iterator_create": (c_int, [TableHandle, SnapshotHandle, POINTER(IteratorHandle)]),
    "omendb_batch_table_put": (c_int, [BatchHandle, TableHandle, c_int64, c_void_p, c_size_t]),
    "omendb_batch_table_delete": (c_int, [BatchHandle, TableHandle, c_int64]),
    "omendb_batch_table_delete_range": (c_int, [BatchHandle, TableHandle, c_int64, c_int64]),
    "omendb_snapshot_table_get": (c_int, [SnapshotHandle, TableHandle, c_int64, POINTER(c_void_p),
                                          POINTER(c_size_t)]),
    "omendb_snapshot_table_multi_get_copy": (c_int, [SnapshotHandle, TableHandle, c_void_p, c_size_t, c_void_p,
                                                     c_void_p, c_size_t, POINTER(c_size_t)]),
    "omendb_snapshot_table_count": (c_int, [SnapshotHandle, TableHandle, c_int64, c_int64, POINTER(c_uint64)]),
    "omendb_txn_table_get": (c_int, [TxnHandle, TableHandle, c_int64, c_void_p, c_size_t, POINTER(c_size_t)]),
    "omendb_txn_table_put": (c_int, [TxnHandle, TableHandle, c_int64, c_void_p, c_size_t]),
    "omendb_txn_table_delete": (c_int, [TxnHandle, TableHandle, c_int64]),
    "omendb_txn_table_delete_range": (c_int, [TxnHandle, TableHandle, c_int64, c_int64]),
    "omendb_txn_table_count": (c_int, [TxnHandle, TableHandle, c_int64, c_int64, POINTER(c_uint64)]),
    "omendb_txn_table_iterator_create": (c_int, [TxnHandle, TableHandle, POINTER(IteratorHandle)]),
}

#: Functions called with the GIL held (short, constant-time calls). All others
#: release the GIL, so batch lookups and builds run in parallel with Python threads.
_GIL_HOLDING = frozenset({
    "omendb_version_number", "omendb_version_string", "omendb_status_string", "omendb_last_error",
    "omendb_index_find", "omendb_index_lower_bound", "omendb_index_range",
    "omendb_index_get_stats", "omendb_index_kind_name", "omendb_index_serialized_size",
    "omendb_index_options_create", "omendb_index_options_free",
    "omendb_index_options_set_kind", "omendb_index_options_set_epsilon",
    "omendb_index_options_set_recursive_epsilon", "omendb_index_options_set_rmi_leaves",
    "omendb_index_options_set_search",
    # Database calls that only touch memory (no locks, no I/O): option setters,
    # batch building, zero-copy snapshot reads and iterator steps.
    "omendb_options_create", "omendb_options_free", "omendb_options_set_create_if_missing",
    "omendb_options_set_error_if_exists", "omendb_options_set_create_in_nonempty_directory",
    "omendb_options_set_read_only", "omendb_options_set_sync",
    "omendb_options_set_index_kind", "omendb_options_set_hot_tier_bytes",
    "omendb_options_set_max_value_size", "omendb_batch_create", "omendb_batch_free",
    "omendb_batch_put", "omendb_batch_delete", "omendb_batch_clear", "omendb_snapshot_get",
    "omendb_iterator_valid", "omendb_iterator_next", "omendb_iterator_prev", "omendb_iterator_entry",
    "omendb_iterator_seek", "omendb_iterator_seek_for_prev", "omendb_iterator_seek_first",
    "omendb_iterator_seek_last", "omendb_iterator_set_bounds", "omendb_iterator_read",
    # A read: a memory copy from the hot tier or a mapped run file (the binding
    # switches to get_releasing_gil for values larger than its 4 KiB buffer).
    "omendb_get",
    # Transactions: options, and the reads and writes, which stay in memory until
    # the commit (begin, commit, rollback and free release the GIL).
    "omendb_txn_options_create", "omendb_txn_options_free", "omendb_txn_options_set_isolation",
    "omendb_txn_options_set_read_only", "omendb_txn_get", "omendb_txn_put", "omendb_txn_delete",
    "omendb_txn_iterator_create",
    # Batch and transaction range deletes stay in memory until the write/commit.
    "omendb_batch_delete_range", "omendb_txn_delete_range",
    # The table forms of the above (and omendb_table_get, as omendb_get).
    "omendb_table_get", "omendb_table_list_free", "omendb_batch_table_put", "omendb_batch_table_delete",
    "omendb_batch_table_delete_range", "omendb_snapshot_table_get", "omendb_txn_table_get",
    "omendb_txn_table_put", "omendb_txn_table_delete", "omendb_txn_table_delete_range",
    "omendb_txn_table_iterator_create",
})

#: GIL-holding functions that also get a GIL-releasing twin, ``<name>_releasing_gil``.
_RELEASING_TWINS = frozenset({"omendb_get", "omendb_table_get"})

#: Hot-path twins, ``fast_<name>``: the same C functions with every parameter
#: declared ``c_void_p`` and called with plain ints (handles and buffers as
#: addresses, keys and lengths as values), because ctypes converts an int to a
#: ``c_void_p`` argument for about half the cost of a ``c_int64``/``c_size_t`` one
#: or a typed-pointer one (docs/performance.md, "Python binding (issue 12)"). This
#: is exact on the LP64 ABIs the library is built for (x86-64 SysV, AArch64),
#: where int64_t, size_t and pointers are all passed in one 64-bit integer
#: register. The callers in database.py check every argument's type and range
#: first (a c_void_p parameter would also accept bytes or str as a pointer).
#: name: (restype, parameter count).
_FAST_SIGNATURES: Dict[str, Tuple[object, int]] = {
    "omendb_get": (c_int, 5),
    "omendb_put": (c_int, 4),
    "omendb_delete": (c_int, 2),
    "omendb_snapshot_multi_get": (c_int, 6),
    "omendb_snapshot_multi_get_copy": (c_int, 7),
    "omendb_iterator_read": (c_int, 8),
    "omendb_table_get": (c_int, 5),
    "omendb_table_put": (c_int, 4),
    "omendb_table_delete": (c_int, 2),
    "omendb_snapshot_table_multi_get_copy": (c_int, 8),
}


class Api:
    """The declared C functions of one loaded library, as attributes named without
    the ``omendb_`` prefix (``api.index_find``), plus error helpers."""

    # One attribute per entry of _SIGNATURES (set in __init__), declared for type checkers.
    version_number: CFunction
    version_string: CFunction
    status_string: CFunction
    last_error: CFunction
    index_options_create: CFunction
    index_options_free: CFunction
    index_options_set_kind: CFunction
    index_options_set_epsilon: CFunction
    index_options_set_recursive_epsilon: CFunction
    index_options_set_rmi_leaves: CFunction
    index_options_set_search: CFunction
    index_build: CFunction
    index_free: CFunction
    index_find: CFunction
    index_lower_bound: CFunction
    index_range: CFunction
    index_find_batch: CFunction
    index_lower_bound_batch: CFunction
    index_get_stats: CFunction
    index_kind_name: CFunction
    index_serialized_size: CFunction
    index_serialize: CFunction
    index_load: CFunction
    options_create: CFunction
    options_free: CFunction
    options_set_create_if_missing: CFunction
    options_set_error_if_exists: CFunction
    options_set_create_in_nonempty_directory: CFunction
    options_set_read_only: CFunction
    options_set_sync: CFunction
    options_set_index_kind: CFunction
    options_set_hot_tier_bytes: CFunction
    options_set_max_value_size: CFunction
    open: CFunction
    close: CFunction
    put: CFunction
    delete: CFunction
    get: CFunction
    get_releasing_gil: CFunction
    batch_create: CFunction
    batch_free: CFunction
    batch_put: CFunction
    batch_delete: CFunction
    batch_clear: CFunction
    write: CFunction
    bulk_load: CFunction
    snapshot_open: CFunction
    snapshot_free: CFunction
    snapshot_get: CFunction
    snapshot_multi_get: CFunction
    iterator_create: CFunction
    iterator_free: CFunction
    iterator_set_bounds: CFunction
    iterator_seek: CFunction
    iterator_seek_for_prev: CFunction
    iterator_seek_first: CFunction
    iterator_seek_last: CFunction
    iterator_valid: CFunction
    iterator_next: CFunction
    iterator_prev: CFunction
    iterator_entry: CFunction
    flush: CFunction
    compact: CFunction
    verify: CFunction
    get_stats: CFunction
    iterator_read: CFunction
    snapshot_multi_get_copy: CFunction
    txn_options_create: CFunction
    txn_options_free: CFunction
    txn_options_set_isolation: CFunction
    txn_options_set_read_only: CFunction
    txn_begin: CFunction
    txn_get: CFunction
    txn_put: CFunction
    txn_delete: CFunction
    txn_iterator_create: CFunction
    txn_commit: CFunction
    txn_rollback: CFunction
    txn_free: CFunction
    delete_range: CFunction
    batch_delete_range: CFunction
    txn_delete_range: CFunction
    count: CFunction
    snapshot_count: CFunction
    txn_count: CFunction
    bulk_load_with_progress: CFunction
    compact_with_progress: CFunction
    verify_with_progress: CFunction
    checkpoint: CFunction
    table_open: CFunction
    table_drop: CFunction
    table_list: CFunction
    table_list_free: CFunction
    table_put: CFunction
    table_delete: CFunction
    table_get: CFunction
    table_get_releasing_gil: CFunction
    table_delete_range: CFunction
    table_count: CFunction
    table_bulk_load: CFunction
    table_get_stats: CFunction
    table_iterator_create: CFunction
    batch_table_put: CFunction
    batch_table_delete: CFunction
    batch_table_delete_range: CFunction
    snapshot_table_get: CFunction
    snapshot_table_multi_get_copy: CFunction
    snapshot_table_count: CFunction
    txn_table_get: CFunction
    txn_table_put: CFunction
    txn_table_delete: CFunction
    txn_table_delete_range: CFunction
    txn_table_count: CFunction
    txn_table_iterator_create: CFunction
    fast_table_get: CFunction
    fast_table_put: CFunction
    fast_table_delete: CFunction
    fast_snapshot_table_multi_get_copy: CFunction
    fast_get: CFunction
    fast_put: CFunction
    fast_delete: CFunction
    fast_snapshot_multi_get: CFunction
    fast_snapshot_multi_get_copy: CFunction
    fast_iterator_read: CFunction

    def __init__(self, library: _loader.LoadedLibrary) -> None:
        self.library = library
        self.path = library.path
        #: omendb_version_number() as read at load time (the function itself is
        #: ``self.version_number``, like every other declared function).
        self.loaded_version_number = library.version_number
        self._available: Set[str] = set()
        for name, (restype, argtypes) in list(_SIGNATURES.items()) + list(_OPTIONAL_SIGNATURES.items()):
            source = library.pydll if name in _GIL_HOLDING else library.cdll
            if name in _OPTIONAL_SIGNATURES and not hasattr(source, name):
                setattr(self, name[len("omendb_"):], _unavailable(name, library.path))
                continue
            function = getattr(source, name)
            function.restype = restype
            function.argtypes = argtypes
            setattr(self, name[len("omendb_"):], function)
            self._available.add(name[len("omendb_"):])
            if name in _RELEASING_TWINS:
                twin = getattr(library.cdll, name)
                twin.restype = restype
                twin.argtypes = argtypes
                setattr(self, name[len("omendb_"):] + "_releasing_gil", twin)
        for name, (restype, count) in _FAST_SIGNATURES.items():
            short = name[len("omendb_"):]
            if short not in self._available:
                setattr(self, "fast_" + short, getattr(self, short))  # raises UnsupportedError
                continue
            source = library.pydll if name in _GIL_HOLDING else library.cdll
            fast = source[name]  # a new function object: the declared one keeps its types
            fast.restype = restype  # type: ignore[assignment]
            fast.argtypes = [c_void_p] * count
            setattr(self, "fast_" + short, fast)

    def has(self, name: str) -> bool:
        """Whether the loaded library exports ``omendb_<name>`` (optional functions)."""
        return name in self._available

    def last_error_message(self) -> str:
        """The calling thread's last error message (``omendb_last_error``)."""
        raw = self.last_error()
        return raw.decode("utf-8", "replace") if raw else ""

    def error(self, status: int) -> Error:
        """The exception for a failed call's ``status``, with the thread's message."""
        message = self.last_error_message()
        if not message:
            text = self.status_string(status)
            message = text.decode("utf-8", "replace") if text else f"status {status}"
        return error_for_status(status, message)

    def check(self, status: int) -> None:
        """Raises the matching exception unless ``status`` is OMENDB_OK."""
        if status != 0:
            raise self.error(status)

    def library_version_string(self) -> str:
        """``omendb_version_string()`` as text."""
        raw = self.version_string()
        return raw.decode("ascii", "replace") if raw else ""


class _Unavailable:
    """Stands in for an optional C function the loaded library lacks."""

    def __init__(self, name: str, path: str) -> None:
        self.name = name
        self.path = path

    def __call__(self, *arguments: object) -> Any:
        raise UnsupportedError(f"{self.name} is not available in the loaded library {self.path} "
                               "(an older build?)")


def _unavailable(name: str, path: str) -> CFunction:
    return _Unavailable(name, path)


_lock = threading.Lock()
_api: Optional[Api] = None


def api() -> Api:
    """The process-wide :class:`Api`, loading the library on first use.

    Raises:
        LibraryNotFoundError: no usable library (see :mod:`omendb._loader`).
    """
    global _api
    current = _api
    if current is not None:
        return current
    with _lock:
        if _api is None:
            loaded = _loader.load_library(required_symbols=tuple(_SIGNATURES))
            _api = Api(loaded)
        return _api


def _index(value: object, what: str) -> int:
    try:
        return operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"{what} must be an integer, not {type(value).__name__}") from None


def int64(value: object, what: str) -> int:
    """``value`` as a Python int in the int64 range.

    Raises:
        TypeError: ``value`` is not an integer (``operator.index`` fails), e.g. a float
            or str, or it is a bool.
        OutOfRangeError: it is outside [-2**63, 2**63 - 1] (ctypes would wrap it silently).
    """
    if isinstance(value, bool):
        raise TypeError(f"{what} must be an integer, not bool")
    number = _index(value, what)
    if not INT64_MIN <= number <= INT64_MAX:
        raise OutOfRangeError(f"{what} {number} is outside the int64 range [{INT64_MIN}, {INT64_MAX}]")
    return number


def uint32(value: object, what: str) -> int:
    """``value`` as a Python int in the uint32 range (TypeError / OutOfRangeError otherwise)."""
    if isinstance(value, bool):
        raise TypeError(f"{what} must be an integer, not bool")
    number = _index(value, what)
    if not 0 <= number <= UINT32_MAX:
        raise OutOfRangeError(f"{what} {number} is outside the range [0, {UINT32_MAX}]")
    return number


def choice(value: object, choices: Dict[str, int], what: str) -> int:
    """The code of the named ``value`` among ``choices`` (case-insensitive)."""
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str (one of {', '.join(choices)}), not {type(value).__name__}")
    code = choices.get(value.lower())
    if code is None:
        raise InvalidArgumentError(f"unknown {what} {value!r}; expected one of {', '.join(choices)}")
    return code
