"""Input conversion: numpy dtypes, contiguity, alignment, byte order, Python
sequences and buffer-protocol objects, for keys and batch queries alike."""

from __future__ import annotations

import array

import numpy as np
import pytest

import omendb
from omendb._convert import int64_array

BASE = [-300, -2, 0, 0, 5, 7, 100, 120, 127]


def unaligned_int64(values):
    raw = bytearray(8 * len(values) + 1)
    view = np.frombuffer(raw, dtype=np.int64, count=len(values), offset=1)
    view[:] = values
    assert not view.flags.aligned
    return view


INPUTS = {
    "list": lambda: list(BASE),
    "tuple": lambda: tuple(BASE),
    "generator": lambda: (key for key in BASE),
    "numpy_ints_in_list": lambda: [np.int16(key) for key in BASE],
    "int8": lambda: np.array(BASE[1:], dtype=np.int8),
    "int16": lambda: np.array(BASE, dtype=np.int16),
    "int32": lambda: np.array(BASE, dtype=np.int32),
    "int64": lambda: np.array(BASE, dtype=np.int64),
    "uint8": lambda: np.array(BASE[2:], dtype=np.uint8),
    "uint16": lambda: np.array(BASE[2:], dtype=np.uint16),
    "uint32": lambda: np.array(BASE[2:], dtype=np.uint32),
    "uint64": lambda: np.array(BASE[2:], dtype=np.uint64),
    "big_endian": lambda: np.array(BASE, dtype=">i8"),
    "strided": lambda: np.repeat(np.array(BASE, dtype=np.int64), 2)[::2],
    "reversed_view": lambda: np.array(BASE[::-1], dtype=np.int64)[::-1],
    "unaligned": lambda: unaligned_int64(BASE),
    "object": lambda: np.array(BASE, dtype=object),
    "array_module": lambda: array.array("q", BASE),
    "memoryview": lambda: memoryview(np.array(BASE, dtype=np.int64)),
    "range": lambda: range(0, 90, 10),
}


def expected_values(name):
    made = INPUTS[name]()
    return [int(key) for key in made]


@pytest.mark.parametrize("name", sorted(INPUTS))
@pytest.mark.parametrize("copy", [True, False])
def test_key_inputs_are_converted_exactly(name, copy):
    expected = expected_values(name)
    with omendb.LearnedIndex(INPUTS[name](), copy=copy) as index:
        assert index.keys.tolist() == expected
        assert index.keys.dtype == np.dtype(np.int64)
        for position, key in enumerate(expected):
            assert index.find(key) == expected.index(key)
            assert index.lower_bound(key) == expected.index(key)


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_query_inputs_are_converted_exactly(name):
    queries = expected_values(name)
    keys = np.arange(-200, 200, 5, dtype=np.int64)
    with omendb.LearnedIndex(keys) as index:
        expected_lower = np.searchsorted(keys, np.array(queries, dtype=np.int64))
        np.testing.assert_array_equal(index.lower_bound_batch(INPUTS[name]()), expected_lower)
        expected_find = [index.find(q) for q in queries]
        assert index.find_batch(INPUTS[name]()).tolist() == [-1 if p is None else p for p in expected_find]


def test_ready_arrays_are_not_copied_unless_asked():
    keys = np.arange(10, dtype=np.int64)
    same, private = int64_array(keys, copy=False)
    assert same is keys and not private
    copied, private = int64_array(keys, copy=True)
    assert copied is not keys and private and not np.shares_memory(copied, keys)


def test_lists_are_converted_once():
    converted, private = int64_array([1, 2, 3], copy=True)
    assert private and converted.flags.owndata


def test_buffer_objects_are_read_in_place_with_copy_false():
    buffer = array.array("q", range(0, 100, 2))
    with omendb.LearnedIndex(buffer, copy=False) as index:
        address, _ = buffer.buffer_info()
        assert index.keys.__array_interface__["data"][0] == address
        # The index's reference pins the buffer: the array cannot be resized under it.
        with pytest.raises(BufferError):
            buffer.append(200)
        assert index.find(50) == 25
    with omendb.LearnedIndex(buffer) as index:  # default: a private copy
        assert index.keys.__array_interface__["data"][0] != buffer.buffer_info()[0]


def test_copy_false_array_cannot_be_resized_while_indexed():
    keys = np.arange(100, dtype=np.int64)
    with omendb.LearnedIndex(keys, copy=False):
        with pytest.raises(ValueError):
            keys.resize(10_000)  # numpy refuses: the index holds a reference


def test_empty_inputs_of_every_kind():
    for empty in ([], (), np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int32), range(0), iter([])):
        with omendb.LearnedIndex(empty) as index:
            assert len(index) == 0
            assert index.find(0) is None and index.lower_bound(5) == 0
            assert index.range(-10, 10) == (0, 0)
            assert index.find_batch(empty).shape == (0,)
            assert index.lower_bound_batch([]).dtype == np.int64


def test_empty_float_arrays_are_still_refused():
    # The dtype decides, not the length: a float array is a type error even when empty.
    with pytest.raises(TypeError, match="float64"):
        omendb.LearnedIndex(np.empty(0))


def test_batch_result_has_the_query_length():
    with omendb.LearnedIndex(np.arange(10)) as index:
        queries = np.arange(-5, 15, dtype=np.int64)
        result = index.lower_bound_batch(queries)
        assert result.shape == queries.shape
        assert result.tolist() == [0] * 5 + list(range(10)) + [10] * 5
