"""``LearnedIndex``: a learned index over a sorted int64 array (``omendb_index_*``).

Ownership and lifetime
----------------------
The C library reads the key array in place; it never copies it. A
:class:`LearnedIndex` therefore holds a reference to the exact ndarray it passed
to C, until the C index is freed, so that memory cannot go away underneath it.

* ``copy=True`` (default): the index takes a private copy of ``keys`` and marks
  it read-only. Nothing outside the index can change the indexed data.
* ``copy=False``: when ``keys`` already is a 1-D, C-contiguous, aligned,
  native-endian int64 ndarray, the index reads *that* array, without a copy
  (otherwise a private copy is made anyway). The caller must then not modify the
  array while the index is open: lookups over changed data give wrong answers.
  That is a bug in the calling program that this package does not detect.

Views returned by :meth:`LearnedIndex.slice` and :attr:`LearnedIndex.keys` are
numpy views of the key array; they keep that array alive on their own, so they
stay valid after the index is closed, deleted or garbage collected.

Closing
-------
:meth:`LearnedIndex.close` (or leaving a ``with`` block) frees the C index;
calling it again does nothing. An index that is garbage collected without being
closed is freed by a ``weakref.finalize`` hook (which, unlike ``__del__``, also
runs at interpreter exit and never sees a half-torn-down module). Any use after
``close()`` raises :class:`~omendb.errors.ClosedError`, which is both a
:class:`~omendb.errors.MisuseError` and a :class:`ValueError`.

Threads
-------
Every method may be called from any thread. Scalar lookups keep the GIL and are
serialised per index (they take well under a microsecond in C). Batch lookups,
building, loading and serializing release the GIL, so several threads can run
them at once. Closing
an index while batch lookups run in other threads is safe: the C index is freed
when the last of them returns, and new calls raise ``ClosedError``.
"""

from __future__ import annotations

import ctypes
import threading
import weakref
from dataclasses import dataclass
from typing import Any, Callable, Optional, Tuple

import numpy as np

from . import _ffi
from ._convert import int64_array
from ._ffi import INDEX_KINDS, SEARCH_STRATEGIES, IndexHandle, IndexOptionsHandle, IndexStatsStruct
from .errors import ClosedError, InvalidArgumentError, NOT_FOUND, OK

_INT64_MIN = _ffi.INT64_MIN
_INT64_MAX = _ffi.INT64_MAX

__all__ = ["LearnedIndex", "IndexStats"]


@dataclass(frozen=True)
class IndexStats:
    """Statistics of a built index (``omendb_index_stats``).

    Attributes:
        kind: the kind actually built ("pgm", ...; never "auto").
        level_count: levels of models (1 for a single model).
        key_count: keys indexed, duplicates included.
        model_count: linear models (segments, nodes) over all levels.
        max_error: the largest error window half-width over the data, in positions.
        size_bytes: memory of the index structure, excluding the key array.
        bytes_per_key: ``size_bytes / key_count`` (0 for an empty index).
        note: why the kind was chosen, or a short description.
    """

    kind: str
    level_count: int
    key_count: int
    model_count: int
    max_error: int
    size_bytes: int
    bytes_per_key: float
    note: str


def _release(free: Callable[[Any], None], handle: Any, keys: np.ndarray) -> None:
    """Frees the C index. ``keys`` is an argument only so that the key array
    outlives the C index that reads it."""
    free(handle)
    del keys


class LearnedIndex:
    """A learned index over a sorted array of int64 keys.

    Lookups answer with positions in the key array. Duplicates are allowed; every
    lookup answers with the position of the *first* of equal keys.

    Args:
        keys: sorted (non-decreasing) keys: a numpy integer array, or any
            sequence/iterable of Python or numpy ints. Values outside the int64
            range, floats, bools and strings are refused.
        kind: "pgm" (default), "auto", "linear", "rmi" or "alex". Kinds this
            build of the library lacks raise :class:`~omendb.errors.UnsupportedError`.
        epsilon: the maximum prediction error of leaf models, in positions (1..2**20).
        recursive_epsilon: the maximum error of PGM's inner routing levels (1..2**20).
        rmi_leaves: the number of second-stage RMI models (0: chosen from the key count;
            at most 2**28; more than the key count builds one per key).
        search: the last-mile search inside an error window: "branchy" or "branchless".
        copy: take a private, read-only copy of ``keys`` (default), or read the
            caller's int64 array in place (``copy=False``; see the module docs).

    Raises:
        InvalidArgumentError: keys not sorted (the message names the first
            out-of-order position), keys not one-dimensional, an option out of range.
        OutOfRangeError: a key or option does not fit its C type.
        TypeError: keys that are not integers, options of the wrong type.
        UnsupportedError: ``kind`` is not available in this build.
        LibraryNotFoundError: the shared library could not be loaded.
    """

    def __init__(self, keys: Any, kind: str = "pgm", epsilon: int = 64, recursive_epsilon: int = 4,
                 rmi_leaves: int = 0, search: str = "branchy", *, copy: bool = True) -> None:
        self._handle: Optional[Any] = None  # None until built; close() checks it
        kind_code = _ffi.choice(kind, INDEX_KINDS, "index kind")
        search_code = _ffi.choice(search, SEARCH_STRATEGIES, "search strategy")
        epsilon = _ffi.uint32(epsilon, "epsilon")
        recursive_epsilon = _ffi.uint32(recursive_epsilon, "recursive_epsilon")
        rmi_leaves = _ffi.uint32(rmi_leaves, "rmi_leaves")
        ffi = _ffi.api()
        array = _key_array(keys, copy)
        handle = self._build(ffi, array, kind_code, epsilon, recursive_epsilon, rmi_leaves, search_code)
        self._adopt(ffi, array, handle, kind.lower(), search.lower(), epsilon, recursive_epsilon, rmi_leaves)

    @classmethod
    def load(cls, keys: Any, models: Any, *, copy: bool = True) -> "LearnedIndex":
        """An index over ``keys`` from models saved by :meth:`serialize`, without refitting.

        ``keys`` must be the keys the index was built over (the same rules as the
        constructor apply: sorted int64, copied unless ``copy=False``).
        ``models`` is any bytes-like object; it is only read during the call.

        The tuning properties (:attr:`epsilon`, :attr:`search`, ...) of a loaded
        index are None: the models, not the options, were saved. :attr:`kind`
        is the kind that was built.

        Raises:
            CorruptionError: ``models`` is damaged or truncated (checksum, structure).
            UnsupportedError: a format version or kind this library cannot read,
                or a library without serialization.
            InvalidArgumentError: ``keys`` are not the keys the models were built
                over (count, first/last key, sampled fingerprint), or unsorted.
            TypeError: ``models`` is not bytes-like.
        """
        data = _byte_array(models, "models")
        ffi = _ffi.api()
        array = _key_array(keys, copy)
        handle = IndexHandle()
        ffi.check(ffi.index_load(array, array.shape[0], data, data.shape[0], ctypes.byref(handle)))
        index = cls.__new__(cls)
        index._handle = None
        index._adopt(ffi, array, handle, "pgm", None, None, None, None)
        index._kind = index.stats.kind
        return index

    def serialize(self) -> bytes:
        """The index's models (not its keys) in OmenDB's versioned, checksummed
        byte format; :meth:`load` rebuilds the index from them and the same keys.

        Raises:
            ClosedError: the index is closed.
            UnsupportedError: the loaded library has no serialization.
        """
        size = ctypes.c_size_t()
        with self._lock:
            if self._closed:
                raise self._closed_error()
            status = self._api.index_serialized_size(self._handle, ctypes.byref(size))
        if status != OK:
            raise self._api.error(status)
        buffer = np.empty(size.value, dtype=np.uint8)
        written = ctypes.c_size_t()
        self._begin_batch()
        try:
            status = self._api.index_serialize(self._handle, buffer, buffer.shape[0], ctypes.byref(written))
        finally:
            self._end_batch()
        if status != OK:
            raise self._api.error(status)
        return buffer[:written.value].tobytes()

    def _adopt(self, ffi: _ffi.Api, array: np.ndarray, handle: Any, kind: str, search: Optional[str],
               epsilon: Optional[int], recursive_epsilon: Optional[int], rmi_leaves: Optional[int]) -> None:
        """Takes ownership of a freshly built or loaded C ``handle`` over ``array``."""
        self._api = ffi
        self._keys: Optional[np.ndarray] = array
        self._count = int(array.shape[0])
        self._kind = kind
        self._search = search
        self._epsilon = epsilon
        self._recursive_epsilon = recursive_epsilon
        self._rmi_leaves = rmi_leaves
        self._lock = threading.Lock()
        self._closed = False
        self._active_batches = 0
        # Scratch outputs of scalar calls; only touched while holding self._lock.
        self._first = ctypes.c_uint64()
        self._second = ctypes.c_uint64()
        self._first_pointer = ctypes.pointer(self._first)
        self._second_pointer = ctypes.pointer(self._second)
        # The scalar C functions, bound once (attribute lookups are a visible share of a call).
        self._c_find = ffi.index_find
        self._c_lower_bound = ffi.index_lower_bound
        self._handle = handle
        self._finalizer = weakref.finalize(self, _release, ffi.index_free, handle, array)

    @staticmethod
    def _build(ffi: _ffi.Api, array: np.ndarray, kind: int, epsilon: int, recursive_epsilon: int,
               rmi_leaves: int, search: int) -> Any:
        """Creates the C options, builds the C index over ``array``, frees the options."""
        options = IndexOptionsHandle()
        ffi.check(ffi.index_options_create(ctypes.byref(options)))
        try:
            ffi.check(ffi.index_options_set_kind(options, kind))
            ffi.check(ffi.index_options_set_epsilon(options, epsilon))
            ffi.check(ffi.index_options_set_recursive_epsilon(options, recursive_epsilon))
            ffi.check(ffi.index_options_set_rmi_leaves(options, rmi_leaves))
            ffi.check(ffi.index_options_set_search(options, search))
            handle = IndexHandle()
            ffi.check(ffi.index_build(array, array.shape[0], options, ctypes.byref(handle)))
            return handle
        finally:
            ffi.index_options_free(options)

    # -- lifetime ----------------------------------------------------------------

    def close(self) -> None:
        """Frees the C index and drops the reference to the key array.

        Safe to call more than once. Views obtained earlier stay valid.
        """
        if self._handle is None:  # __init__ failed before the handle existed
            return
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._keys = None
            if self._active_batches == 0:
                self._finalizer()

    @property
    def closed(self) -> bool:
        """True after :meth:`close`."""
        return self._closed

    def __enter__(self) -> "LearnedIndex":
        self._require_open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _require_open(self) -> None:
        if self._closed:
            raise ClosedError("this LearnedIndex is closed")

    def _closed_error(self) -> ClosedError:
        return ClosedError("this LearnedIndex is closed")

    def _begin_batch(self) -> None:
        with self._lock:
            if self._closed:
                raise self._closed_error()
            self._active_batches += 1

    def _end_batch(self) -> None:
        with self._lock:
            self._active_batches -= 1
            if self._closed and self._active_batches == 0:
                self._finalizer()

    # -- scalar lookups ----------------------------------------------------------

    def find(self, key: int) -> Optional[int]:
        """The position of the first occurrence of ``key``, or None when absent.

        Raises:
            TypeError: ``key`` is not an integer.
            OutOfRangeError: ``key`` is outside the int64 range.
            ClosedError: the index is closed.
        """
        if type(key) is not int or not _INT64_MIN <= key <= _INT64_MAX:
            key = _ffi.int64(key, "key")
        with self._lock:
            if self._closed:
                raise self._closed_error()
            status = self._c_find(self._handle, key, self._first_pointer)
            position = self._first.value
        if status == OK:
            return position
        if status == NOT_FOUND:
            return None
        raise self._api.error(status)

    def __contains__(self, key: object) -> bool:
        """``key in index``: whether ``key`` is indexed. Same errors as :meth:`find`."""
        return self.find(key) is not None  # type: ignore[arg-type]

    def lower_bound(self, key: int) -> int:
        """The first position whose key is ``>= key`` (``len(self)`` when there is none).

        Raises the same errors as :meth:`find`.
        """
        if type(key) is not int or not _INT64_MIN <= key <= _INT64_MAX:
            key = _ffi.int64(key, "key")
        with self._lock:
            if self._closed:
                raise self._closed_error()
            status = self._c_lower_bound(self._handle, key, self._first_pointer)
            position = self._first.value
        if status != OK:
            raise self._api.error(status)
        return position

    def range(self, lo: int, hi: int) -> Tuple[int, int]:
        """The keys in ``[lo, hi)``: ``(first position, count)``, duplicates included.

        An empty or inverted range gives a count of 0 (and the lower bound of ``lo``).
        Raises the same errors as :meth:`find`.
        """
        lo = _ffi.int64(lo, "lo")
        hi = _ffi.int64(hi, "hi")
        with self._lock:
            if self._closed:
                raise self._closed_error()
            status = self._api.index_range(self._handle, lo, hi, self._first_pointer, self._second_pointer)
            first, count = self._first.value, self._second.value
        if status != OK:
            raise self._api.error(status)
        return first, count

    def slice(self, lo: int, hi: int) -> np.ndarray:
        """The keys in ``[lo, hi)`` as a numpy view of the key array (no copy).

        The view keeps the key array alive by itself, so it stays valid after the
        index is closed or deleted. It is read-only when the index holds a
        private copy of the keys.
        """
        first, count = self.range(lo, hi)
        keys = self._keys
        if keys is None:  # closed between range() and here by another thread
            raise self._closed_error()
        return keys[first:first + count]

    # -- batch lookups -----------------------------------------------------------

    def find_batch(self, keys: Any, out: Optional[np.ndarray] = None) -> np.ndarray:
        """Finds many keys at once: ``result[i]`` is the position of the first
        occurrence of ``keys[i]``, or -1 when it is absent.

        ``keys`` is read in place when it is a 1-D, C-contiguous, aligned int64
        ndarray (no copy); other inputs are converted once. The C library writes
        the positions straight into ``out`` when given (a writable, C-contiguous
        int64 array of the same length that does not overlap ``keys``), else
        into a new array. The GIL is released during the lookups.

        Raises:
            TypeError / OutOfRangeError / InvalidArgumentError: as for the
                ``keys`` argument of the constructor, or an unusable ``out``.
            ClosedError: the index is closed.
        """
        queries, _ = int64_array(keys, "keys", copy=False)
        positions = _output_array(out, queries)
        self._begin_batch()
        try:
            status = self._api.index_find_batch(self._handle, queries, queries.shape[0], positions, None)
        finally:
            self._end_batch()
        if status != OK:
            raise self._api.error(status)
        return positions

    def lower_bound_batch(self, keys: Any, out: Optional[np.ndarray] = None) -> np.ndarray:
        """Lower bounds of many keys at once: ``result[i] = lower_bound(keys[i])``.

        Same input handling, ``out`` rules, zero-copy rule and errors as :meth:`find_batch`.
        """
        queries, _ = int64_array(keys, "keys", copy=False)
        positions = _output_array(out, queries)
        self._begin_batch()
        try:
            status = self._api.index_lower_bound_batch(self._handle, queries, queries.shape[0], positions)
        finally:
            self._end_batch()
        if status != OK:
            raise self._api.error(status)
        return positions

    # -- description -------------------------------------------------------------

    @property
    def stats(self) -> IndexStats:
        """Statistics of the built index (a frozen :class:`IndexStats`)."""
        raw = IndexStatsStruct()
        raw.struct_size = ctypes.sizeof(IndexStatsStruct)
        with self._lock:
            if self._closed:
                raise self._closed_error()
            status = self._api.index_get_stats(self._handle, ctypes.byref(raw))
        if status != OK:
            raise self._api.error(status)
        kind_name = self._api.index_kind_name(raw.kind)
        return IndexStats(
            kind=kind_name.decode("ascii", "replace") if kind_name else "unknown",
            level_count=int(raw.level_count),
            key_count=int(raw.key_count),
            model_count=int(raw.model_count),
            max_error=int(raw.max_error),
            size_bytes=int(raw.size_bytes),
            bytes_per_key=float(raw.bytes_per_key),
            note=raw.note.decode("utf-8", "replace"),
        )

    @property
    def keys(self) -> np.ndarray:
        """A view of the indexed key array (read-only when the index owns a private copy)."""
        keys = self._keys
        if keys is None:
            raise self._closed_error()
        return keys.view()

    @property
    def kind(self) -> str:
        """The kind requested at build time ("pgm", "auto", ...; the kind built after
        :meth:`load`); see :attr:`stats` for the kind built."""
        return self._kind

    @property
    def search(self) -> Optional[str]:
        """The last-mile search strategy requested at build time (None after :meth:`load`)."""
        return self._search

    @property
    def epsilon(self) -> Optional[int]:
        """The leaf error bound requested at build time (None after :meth:`load`)."""
        return self._epsilon

    @property
    def recursive_epsilon(self) -> Optional[int]:
        """The inner-level error bound requested at build time (None after :meth:`load`)."""
        return self._recursive_epsilon

    @property
    def rmi_leaves(self) -> Optional[int]:
        """The RMI leaf count requested at build time (0: automatic; None after :meth:`load`)."""
        return self._rmi_leaves

    def __len__(self) -> int:
        """The number of keys indexed, duplicates included."""
        self._require_open()
        return self._count

    def __repr__(self) -> str:
        if self._handle is None:
            return "<omendb.LearnedIndex (not built)>"
        state = "closed" if self._closed else "open"
        return f"<omendb.LearnedIndex kind={self._kind!r} keys={self._count} {state}>"

    def __reduce__(self) -> Tuple[Any, ...]:
        """Pickles as the keys, the serialized models (when the library can
        serialize) and the options; unpickling loads the models without refitting."""
        keys = self._keys
        if keys is None:
            raise self._closed_error()
        models = self.serialize() if self._api.has("index_serialize") else None
        return (_restore, (np.array(keys, copy=True), models, self._kind, self._epsilon,
                           self._recursive_epsilon, self._rmi_leaves, self._search))


def _key_array(keys: Any, copy: bool) -> np.ndarray:
    """The key array to hand to C; a private copy is frozen (see the module docs)."""
    if not isinstance(copy, bool):
        raise TypeError(f"copy must be a bool, not {type(copy).__name__}")
    array, private = int64_array(keys, "keys", copy=copy)
    if private:
        array.flags.writeable = False
    return array


def _output_array(out: Optional[np.ndarray], queries: np.ndarray) -> np.ndarray:
    """The array a batch call writes into: ``out`` after checks, or a new one."""
    if out is None:
        return np.empty(queries.shape[0], dtype=np.int64)
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out must be a numpy.ndarray, not {type(out).__name__}")
    if out.dtype != np.dtype(np.int64) or out.ndim != 1:
        raise TypeError(f"out must be a 1-D int64 array, not {out.ndim}-D {out.dtype}")
    if not (out.flags.c_contiguous and out.flags.aligned and out.flags.writeable):
        raise InvalidArgumentError("out must be C-contiguous, aligned and writable")
    if out.shape[0] != queries.shape[0]:
        raise InvalidArgumentError(f"out has {out.shape[0]} elements but there are {queries.shape[0]} keys")
    if np.may_share_memory(out, queries):
        raise InvalidArgumentError("out must not overlap the keys")
    return out


def _byte_array(data: Any, what: str) -> np.ndarray:
    """A read-only uint8 view of a bytes-like object (copied only if not contiguous)."""
    if isinstance(data, str):
        raise TypeError(f"{what} must be bytes-like, not str")
    try:
        view = memoryview(data)
    except TypeError:
        raise TypeError(f"{what} must be bytes-like, not {type(data).__name__}") from None
    if not view.c_contiguous:
        return np.frombuffer(view.tobytes(), dtype=np.uint8)
    return np.frombuffer(view.cast("B"), dtype=np.uint8)


def _restore(keys: np.ndarray, models: Optional[bytes], kind: str, epsilon: Optional[int],
             recursive_epsilon: Optional[int], rmi_leaves: Optional[int], search: Optional[str]) -> LearnedIndex:
    """Unpickles a LearnedIndex: loads its models, or rebuilds when there are none."""
    if models is None or not _ffi.api().has("index_load"):
        return LearnedIndex(keys, kind=kind, epsilon=64 if epsilon is None else epsilon,
                            recursive_epsilon=4 if recursive_epsilon is None else recursive_epsilon,
                            rmi_leaves=0 if rmi_leaves is None else rmi_leaves,
                            search="branchy" if search is None else search)
    index = LearnedIndex.load(keys, models)
    index._kind = kind
    index._search, index._epsilon = search, epsilon
    index._recursive_epsilon, index._rmi_leaves = recursive_epsilon, rmi_leaves
    return index
