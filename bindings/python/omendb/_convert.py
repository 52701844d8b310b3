"""Conversion of user input into the arrays the C API reads.

The C functions take ``const int64_t *``: a 1-D, C-contiguous, aligned array of
native-endian int64. :func:`int64_array` produces one from an ndarray (without
copying when the array already is one), from any buffer-protocol object, or from
a sequence of Python ints, and refuses anything whose conversion could change a
value: floats, bools, strings, and integers outside the int64 range.
"""

from __future__ import annotations

import operator
from typing import Any, Iterable, Tuple

import numpy as np

from ._ffi import INT64_MAX, INT64_MIN
from .errors import InvalidArgumentError, OutOfRangeError

__all__ = ["int64_array"]

_INT64 = np.dtype(np.int64)


def _is_ready(array: np.ndarray) -> bool:
    """True when ``array`` can be handed to C as ``const int64_t *`` as it is."""
    flags = array.flags
    return array.dtype == _INT64 and array.ndim == 1 and flags.c_contiguous and flags.aligned


def _element(value: Any, position: int, what: str) -> int:
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{what}[{position}] must be an integer, not bool")
    try:
        number = operator.index(value)
    except TypeError:
        raise TypeError(f"{what}[{position}] must be an integer, not {type(value).__name__} "
                        f"({value!r})") from None
    if not INT64_MIN <= number <= INT64_MAX:
        raise OutOfRangeError(f"{what}[{position}] = {number} is outside the int64 range "
                              f"[{INT64_MIN}, {INT64_MAX}]")
    return number


def _from_elements(values: Iterable[Any], count: int, what: str) -> np.ndarray:
    """Converts element by element (exact checks, exact error positions)."""
    result = np.empty(count, dtype=np.int64)
    for position, value in enumerate(values):
        result[position] = _element(value, position, what)
    return result


def _from_ndarray(array: np.ndarray, what: str) -> Tuple[np.ndarray, bool]:
    """A ready int64 array with ``array``'s values, and whether it is a new copy."""
    if array.ndim != 1:
        raise InvalidArgumentError(f"{what} must be one-dimensional, got an array of shape {array.shape}")
    kind = array.dtype.kind
    if kind == "O":
        return _from_elements(array, array.shape[0], what), True
    if kind == "b":
        raise TypeError(f"{what} must hold integers, not bool (dtype {array.dtype})")
    if kind not in "iu":
        raise TypeError(f"{what} must hold integers, not dtype {array.dtype}; convert it explicitly "
                        "(e.g. with .astype(numpy.int64)) if truncation is intended")
    if kind == "u" and array.dtype.itemsize >= 8 and array.size:
        too_big = array > np.uint64(INT64_MAX)
        if too_big.any():
            position = int(np.argmax(too_big))
            raise OutOfRangeError(f"{what}[{position}] = {int(array[position])} is outside the int64 range "
                                  f"[{INT64_MIN}, {INT64_MAX}]")
    if _is_ready(array):
        return array, False
    # A fresh, aligned, native-endian, C-contiguous copy (one pass over the data).
    return np.array(array, dtype=np.int64, order="C", copy=True), True


def int64_array(values: Any, what: str = "keys", copy: bool = True) -> Tuple[np.ndarray, bool]:
    """``values`` as a 1-D, C-contiguous, aligned, native int64 ndarray.

    Args:
        values: an ndarray of any integer dtype, an object exposing the buffer
            protocol or ``__array__``, or an iterable of Python/numpy integers.
        what: the argument's name, used in error messages.
        copy: when True the result never shares memory with ``values``; when
            False it does whenever ``values`` already is a suitable int64 array.

    Returns:
        ``(array, private)``: ``private`` is True when nobody else holds a
        reference to the array's memory (it was made here).

    Raises:
        TypeError: not a sequence/array, or elements that are not integers
            (floats, bools, strings, None).
        OutOfRangeError: an element is outside the int64 range (the message names it).
        InvalidArgumentError: the array is not one-dimensional.
    """
    if isinstance(values, np.ndarray):
        array, private = _from_ndarray(values, what)
    elif isinstance(values, (str, bytes, bytearray, dict)) or isinstance(values, (set, frozenset)):
        raise TypeError(f"{what} must be a sequence or array of integers, not {type(values).__name__}")
    elif isinstance(values, (list, tuple, range)):
        inferred = np.asarray(values) if len(values) else np.empty(0, dtype=np.int64)
        if inferred.dtype.kind in "iu" and inferred.ndim == 1:
            array, private = _from_ndarray(inferred, what)
            private = True  # numpy built ``inferred`` from a Python sequence: nobody else sees it
        else:
            array, private = _from_elements(values, len(values), what), True
    elif hasattr(values, "__array__") or hasattr(values, "__array_interface__") or _has_buffer(values):
        array, private = _from_ndarray(np.asarray(values), what)
    else:
        try:
            items = list(values)
        except TypeError:
            raise TypeError(f"{what} must be a sequence or array of integers, "
                            f"not {type(values).__name__}") from None
        return int64_array(items, what, copy)
    if copy and not private:
        array = array.copy()
        private = True
    return array, private


def _has_buffer(value: Any) -> bool:
    try:
        memoryview(value)
    except TypeError:
        return False
    return True
