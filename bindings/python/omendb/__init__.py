"""OmenDB: an embedded key-value database whose indexes are learned models.

This package binds the OmenDB C library (``libomendb.so``) with ctypes. It is
pure Python; the shared library is found at first use (see :mod:`omendb._loader`
for the search order and the ``OMENDB_LIBRARY`` variable), so ``import omendb``
works even where the library is missing and the error surfaces, as
:class:`LibraryNotFoundError`, on the first call that needs it.

Example::

    import omendb

    with omendb.open("./my.db") as db:      # a durable database directory
        db[42] = b"answer"
        db[42]                               # -> b"answer"
        for key, value in db.items(lo=0, hi=100):
            ...

Learned indexes over sorted arrays::

    import numpy as np
    import omendb

    keys = np.sort(np.random.default_rng(1).integers(0, 10**12, 1_000_000))
    with omendb.LearnedIndex(keys) as index:
        index.find(int(keys[42]))             # -> 42 (or the first duplicate)
        index.find_batch(keys[:1000])         # -> int64 positions, -1 when absent
        index.slice(10**9, 2 * 10**9)         # -> a view of the keys in [lo, hi)
"""

from __future__ import annotations

from . import _ffi
from ._version import EXPECTED_LIBRARY_MAJOR, __version__
from .errors import (
    BusyError,
    CancelledError,
    ClosedError,
    ConflictError,
    CorruptionError,
    Error,
    InternalError,
    InvalidArgumentError,
    LibraryNotFoundError,
    LibraryVersionError,
    MisuseError,
    NoMemoryError,
    NotFoundError,
    OmenIOError,
    OutOfRangeError,
    ReadOnlyError,
    TooLargeError,
    UnsupportedError,
)
from .database import Database, DatabaseStats, Snapshot, Table, ValueArrays, WriteBatch, WriteBatchTable, open
from .transaction import Transaction, TransactionTable
from .index import IndexStats, LearnedIndex
from .plot import plot_index

__all__ = [
    "__version__",
    "EXPECTED_LIBRARY_MAJOR",
    "library_version",
    "library_version_number",
    "library_path",
    "load_library",
    "Database",
    "DatabaseStats",
    "Table",
    "WriteBatch",
    "WriteBatchTable",
    "Snapshot",
    "ValueArrays",
    "Transaction",
    "TransactionTable",
    "open",
    "LearnedIndex",
    "IndexStats",
    "plot_index",
    "Error",
    "NotFoundError",
    "InvalidArgumentError",
    "OutOfRangeError",
    "OmenIOError",
    "CorruptionError",
    "ConflictError",
    "BusyError",
    "CancelledError",
    "NoMemoryError",
    "MisuseError",
    "ClosedError",
    "ReadOnlyError",
    "TooLargeError",
    "UnsupportedError",
    "InternalError",
    "LibraryNotFoundError",
    "LibraryVersionError",
]


def load_library() -> str:
    """Loads the shared library now (it is otherwise loaded on first use) and
    returns what was passed to ``dlopen``.

    Raises:
        LibraryNotFoundError: no usable library; the message lists every place tried.
        LibraryVersionError: only libraries of another major version were found.
    """
    return _ffi.api().path


def library_path() -> str:
    """The path (or SONAME) of the loaded shared library, loading it if needed."""
    return _ffi.api().path


def library_version() -> str:
    """The shared library's version string, e.g. ``"0.1.0"`` (``omendb_version_string``)."""
    return _ffi.api().library_version_string()


def library_version_number() -> int:
    """The shared library's version as ``major * 1000000 + minor * 1000 + patch``."""
    return _ffi.api().loaded_version_number
