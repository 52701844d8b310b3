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
from ctypes import POINTER, c_char, c_char_p, c_double, c_int, c_int32, c_int64, c_size_t, c_uint32, c_uint64
from typing import Dict, List, Optional, Tuple

import numpy as np

from . import _loader
from .errors import Error, InvalidArgumentError, OutOfRangeError, error_for_status

__all__ = ["Api", "api", "IndexHandle", "IndexOptionsHandle", "IndexStatsStruct",
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
KeyArray = np.ctypeslib.ndpointer(dtype=np.int64, ndim=1, flags="C_CONTIGUOUS,ALIGNED")
#: A writable, C-contiguous, aligned 1-D int64 array argument (``int64_t *`` output).
PositionArray = np.ctypeslib.ndpointer(dtype=np.int64, ndim=1, flags="C_CONTIGUOUS,ALIGNED,WRITEABLE")

# name: (restype, argtypes). Grouped as in include/omendb.h.
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

#: Functions called with the GIL held (short, constant-time calls). All others
#: release the GIL, so batch lookups and builds run in parallel with Python threads.
_GIL_HOLDING = frozenset({
    "omendb_version_number", "omendb_version_string", "omendb_status_string", "omendb_last_error",
    "omendb_index_find", "omendb_index_lower_bound", "omendb_index_range",
    "omendb_index_get_stats", "omendb_index_kind_name",
    "omendb_index_options_create", "omendb_index_options_free",
    "omendb_index_options_set_kind", "omendb_index_options_set_epsilon",
    "omendb_index_options_set_recursive_epsilon", "omendb_index_options_set_rmi_leaves",
    "omendb_index_options_set_search",
})


class Api:
    """The declared C functions of one loaded library, as attributes named without
    the ``omendb_`` prefix (``api.index_find``), plus error helpers."""

    def __init__(self, library: _loader.LoadedLibrary) -> None:
        self.library = library
        self.path = library.path
        #: omendb_version_number() as read at load time (the function itself is
        #: ``self.version_number``, like every other declared function).
        self.loaded_version_number = library.version_number
        for name, (restype, argtypes) in _SIGNATURES.items():
            source = library.pydll if name in _GIL_HOLDING else library.cdll
            function = getattr(source, name)
            function.restype = restype
            function.argtypes = argtypes
            setattr(self, name[len("omendb_"):], function)

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
        TypeError: ``value`` is not an integer (``operator.index`` fails), e.g. a float or str.
        OutOfRangeError: it is outside [-2**63, 2**63 - 1] (ctypes would wrap it silently).
    """
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
