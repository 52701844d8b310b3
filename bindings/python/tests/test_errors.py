"""Status codes, exception classes and the errors raised for bad input."""

from __future__ import annotations

import ctypes

import numpy as np
import pytest

import omendb
from omendb import _ffi, errors
from conftest import INT64_MAX, INT64_MIN

EXPECTED_CLASSES = {
    errors.NOT_FOUND: (omendb.NotFoundError, KeyError),
    errors.INVALID_ARGUMENT: (omendb.InvalidArgumentError, ValueError),
    errors.IO_ERROR: (omendb.OmenIOError, OSError),
    errors.CORRUPTION: (omendb.CorruptionError, omendb.Error),
    errors.CONFLICT: (omendb.ConflictError, omendb.Error),
    errors.BUSY: (omendb.BusyError, omendb.Error),
    errors.NO_MEMORY: (omendb.NoMemoryError, MemoryError),
    errors.MISUSE: (omendb.MisuseError, omendb.Error),
    errors.READ_ONLY: (omendb.ReadOnlyError, omendb.Error),
    errors.TOO_LARGE: (omendb.TooLargeError, omendb.Error),
    errors.UNSUPPORTED: (omendb.UnsupportedError, omendb.Error),
    errors.INTERNAL: (omendb.InternalError, omendb.Error),
}


@pytest.mark.parametrize("code", sorted(EXPECTED_CLASSES))
def test_each_status_code_maps_to_its_class(code):
    cls, builtin = EXPECTED_CLASSES[code]
    error = errors.error_for_status(code, "the message")
    assert type(error) is cls
    assert isinstance(error, omendb.Error) and isinstance(error, builtin)
    assert error.code == code
    assert error.message == "the message" and str(error) == "the message"


def test_status_codes_agree_with_the_library():
    ffi = _ffi.api()
    for code in range(0, 13):
        assert ffi.status_string(code) not in (None, b"unknown status"), code
    assert ffi.status_string(9999) == b"unknown status"
    assert errors.error_for_status(9999, "").code == 9999
    assert type(errors.error_for_status(9999, "")) is omendb.Error


def test_exceptions_are_raisable_and_catchable_as_builtins():
    with pytest.raises(OSError):
        raise omendb.OmenIOError("disk on fire")
    with pytest.raises(KeyError):
        raise omendb.NotFoundError("key 5")
    with pytest.raises(MemoryError):
        raise omendb.NoMemoryError("out")
    with pytest.raises(OverflowError):
        raise omendb.OutOfRangeError("big")
    assert issubclass(omendb.LibraryNotFoundError, ImportError)
    assert issubclass(omendb.LibraryVersionError, omendb.LibraryNotFoundError)


def test_unsorted_keys_name_the_position():
    keys = np.array([1, 2, 3, 10, 4, 5], dtype=np.int64)
    with pytest.raises(omendb.InvalidArgumentError) as caught:
        omendb.LearnedIndex(keys)
    assert caught.value.code == errors.INVALID_ARGUMENT
    message = str(caught.value)
    assert "keys[4]" in message and "keys[3]" in message and "not sorted" in message


def test_unsorted_extremes():
    with pytest.raises(omendb.InvalidArgumentError, match=r"keys\[1\]"):
        omendb.LearnedIndex([INT64_MAX, INT64_MIN])


@pytest.mark.parametrize("bad_key", ["1", 1.0, 1.5, None, b"x", [1], np.float64(2.0), 1j])
def test_non_integer_keys_raise_type_error(bad_key):
    with omendb.LearnedIndex([1, 2, 3]) as index:
        for call in (index.find, index.lower_bound, index.__contains__):
            with pytest.raises(TypeError, match="integer"):
                call(bad_key)
        with pytest.raises(TypeError):
            index.range(bad_key, 5)
        with pytest.raises(TypeError):
            index.slice(0, bad_key)


@pytest.mark.parametrize("bad_key", [2 ** 63, -(2 ** 63) - 1, 2 ** 64, 10 ** 30, -(10 ** 30)])
def test_out_of_range_keys_raise_out_of_range_error(bad_key):
    with omendb.LearnedIndex([1, 2, 3]) as index:
        for call in (index.find, index.lower_bound, index.__contains__, lambda k: index.range(0, k)):
            with pytest.raises(omendb.OutOfRangeError) as caught:
                call(bad_key)
            assert isinstance(caught.value, OverflowError)
            assert isinstance(caught.value, omendb.InvalidArgumentError)
            assert str(bad_key) in str(caught.value) and "int64" in str(caught.value)


def test_int64_edges_are_accepted_exactly():
    with omendb.LearnedIndex([INT64_MIN, 0, INT64_MAX]) as index:
        assert index.find(INT64_MIN) == 0 and index.find(INT64_MAX) == 2
        assert index.find(np.int64(INT64_MAX)) == 2
        assert index.find(np.uint64(INT64_MAX)) == 2
        assert index.lower_bound(INT64_MAX - 1) == 2


@pytest.mark.parametrize("keys, position", [
    ([2 ** 63], 0),
    ([1, 2, 2 ** 64], 2),
    ([-1, 2 ** 63], 1),
    ([-(2 ** 63) - 1, 0], 0),
    (np.array([0, 2 ** 63 + 5], dtype=np.uint64), 1),
    (np.array([1, 2 ** 70], dtype=object), 1),
])
def test_out_of_range_keys_in_arrays_name_the_position(keys, position):
    with pytest.raises(omendb.OutOfRangeError, match=rf"keys\[{position}\]"):
        omendb.LearnedIndex(keys)
    with omendb.LearnedIndex([1]) as index:
        with pytest.raises(omendb.OutOfRangeError, match=rf"keys\[{position}\]"):
            index.find_batch(keys)


@pytest.mark.parametrize("keys, pattern", [
    ([1.0, 2.0], "integer"),
    ([1, 2.5], "integer"),
    (np.array([1.0, 2.0]), "float64"),
    (np.array([True, False]), "bool"),
    ([True, False], "bool"),
    (["1", "2"], "integer"),
    ([1, None], "integer"),
    (np.array(["a"]), "integers"),
    ("123", "str"),
    (b"123", "bytes"),
    ({1, 2}, "set"),
    ({1: 2}, "dict"),
    (None, "NoneType"),
    (5, "int"),
])
def test_bad_key_containers_raise_type_error(keys, pattern):
    with pytest.raises(TypeError, match=pattern):
        omendb.LearnedIndex(keys)


@pytest.mark.parametrize("keys", [np.zeros((2, 2), dtype=np.int64), np.array(5, dtype=np.int64)])
def test_arrays_that_are_not_one_dimensional_are_invalid(keys):
    with pytest.raises(omendb.InvalidArgumentError, match="one-dimensional"):
        omendb.LearnedIndex(keys)


@pytest.mark.parametrize("options, error, pattern", [
    (dict(kind="nope"), omendb.InvalidArgumentError, "index kind"),
    (dict(kind=3), TypeError, "str"),
    (dict(search="linear"), omendb.InvalidArgumentError, "search strategy"),
    (dict(search=None), TypeError, "str"),
    (dict(epsilon=0), omendb.InvalidArgumentError, "epsilon"),
    (dict(epsilon=(1 << 20) + 1), omendb.InvalidArgumentError, "epsilon"),
    (dict(recursive_epsilon=0), omendb.InvalidArgumentError, "epsilon"),
    (dict(epsilon=-1), omendb.OutOfRangeError, "epsilon"),
    (dict(epsilon=2 ** 32), omendb.OutOfRangeError, "epsilon"),
    (dict(rmi_leaves=2 ** 40), omendb.OutOfRangeError, "rmi_leaves"),
    (dict(rmi_leaves=(1 << 28) + 1), omendb.InvalidArgumentError, "RMI"),
    (dict(epsilon=1.5), TypeError, "epsilon"),
    (dict(epsilon="64"), TypeError, "epsilon"),
    (dict(epsilon=True), TypeError, "bool"),
    (dict(copy="yes"), TypeError, "copy"),
])
def test_bad_options(options, error, pattern):
    with pytest.raises(error, match=pattern):
        omendb.LearnedIndex([1, 2, 3], **options)


def test_options_rejected_by_the_library_carry_its_message():
    with pytest.raises(omendb.InvalidArgumentError) as caught:
        omendb.LearnedIndex([1, 2, 3], epsilon=0)
    assert caught.value.message.startswith("omendb_index_options_set_epsilon")
    assert caught.value.code == errors.INVALID_ARGUMENT


@pytest.mark.parametrize("kind", ["linear", "rmi", "alex"])
def test_kinds_missing_from_this_build_raise_unsupported(kind):
    try:
        index = omendb.LearnedIndex(np.arange(100), kind=kind)
    except omendb.UnsupportedError as error:
        assert kind in str(error) and error.code == errors.UNSUPPORTED
    else:  # a later build has the kind: then it must answer like the others
        with index:
            assert index.find(57) == 57 and index.stats.kind == kind


def test_error_message_is_per_thread_and_survives_success():
    import threading
    ffi = _ffi.api()
    with pytest.raises(omendb.InvalidArgumentError):
        omendb.LearnedIndex([2, 1])
    first = ffi.last_error_message()
    seen = []
    thread = threading.Thread(target=lambda: seen.append(ffi.last_error_message()))
    thread.start()
    thread.join()
    assert seen == [""]  # another thread has no message
    with omendb.LearnedIndex([1, 2]) as index:  # successful calls leave the message alone
        index.find(1)
    assert ffi.last_error_message() == first


def test_stats_struct_matches_the_c_header(tmp_path):
    """Compiles a C program against include/omendb.h and compares the layout of
    omendb_index_stats with the ctypes declaration."""
    import shutil
    import subprocess
    from conftest import REPO_ROOT

    header = REPO_ROOT / "include" / "omendb.h"
    compiler = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if not header.exists() or compiler is None:
        pytest.skip("needs include/omendb.h and a C compiler")
    source = tmp_path / "layout.c"
    source.write_text(
        '#include <stdio.h>\n#include <stddef.h>\n#include "omendb.h"\n'
        "#define F(f) printf(#f \" %zu %zu\\n\", offsetof(omendb_index_stats, f), "
        "sizeof(((omendb_index_stats *)0)->f));\n"
        'int main(void) { printf("size %zu\\n", sizeof(omendb_index_stats));\n'
        "F(struct_size) F(kind) F(level_count) F(key_count) F(model_count) F(max_error) "
        "F(size_bytes) F(bytes_per_key) F(note) return 0; }\n")
    binary = tmp_path / "layout"
    subprocess.run([compiler, "-std=c99", "-I", str(header.parent), str(source), "-o", str(binary)], check=True)
    lines = subprocess.run([str(binary)], check=True, capture_output=True, text=True).stdout.split("\n")
    c_layout = {line.split()[0]: tuple(int(v) for v in line.split()[1:]) for line in lines if line}
    assert c_layout.pop("size") == (ctypes.sizeof(_ffi.IndexStatsStruct),)
    for name, (offset, size) in c_layout.items():
        field = getattr(_ffi.IndexStatsStruct, name)
        assert (field.offset, field.size) == (offset, size), name


def test_library_fills_the_whole_stats_struct():
    with omendb.LearnedIndex(np.arange(10)) as index:
        raw = _ffi.IndexStatsStruct()
        raw.struct_size = ctypes.sizeof(raw)
        assert index._api.index_get_stats(index._handle, ctypes.byref(raw)) == 0
        assert raw.struct_size == ctypes.sizeof(raw)  # the library knows every field we declare
        raw.struct_size = 4  # too small to hold `kind`: refused with a message
        status = index._api.index_get_stats(index._handle, ctypes.byref(raw))
        assert status == errors.INVALID_ARGUMENT
        assert "struct_size" in index._api.last_error_message()


def test_every_declared_function_has_explicit_types():
    ffi = _ffi.api()
    for name in _ffi._SIGNATURES:
        function = getattr(ffi, name[len("omendb_"):])
        assert function.argtypes is not None, name
        expected_restype = _ffi._SIGNATURES[name][0]
        assert function.restype is expected_restype, name
