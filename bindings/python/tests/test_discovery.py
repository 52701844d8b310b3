"""Finding the shared library: $OMENDB_LIBRARY, installed locations, the bundled
copy, and the errors when none of them works (in subprocesses where the
process-wide loaded library would otherwise interfere)."""

from __future__ import annotations

import ctypes.util
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import omendb
from omendb import _loader
from conftest import REPO_ROOT

PACKAGE_PARENT = str(Path(omendb.__file__).resolve().parent.parent)


def real_library() -> str:
    path = os.environ.get("OMENDB_LIBRARY")
    if not path or not os.path.exists(path):
        pytest.skip("OMENDB_LIBRARY must point at the built library")
    return path


def run_python(code: str, environment_changes: dict) -> subprocess.CompletedProcess:
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [PACKAGE_PARENT, environment.get("PYTHONPATH")]))
    for name, value in environment_changes.items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=environment,
                          capture_output=True, text=True, timeout=120)


REPORT_LOAD = """
    import json, omendb
    try:
        path = omendb.load_library()
    except omendb.LibraryNotFoundError as error:
        print(json.dumps({"error": type(error).__name__, "message": str(error),
                          "attempts": error.attempts, "import_error": isinstance(error, ImportError)}))
    else:
        print(json.dumps({"path": path, "version": omendb.library_version()}))
"""


def load_in_subprocess(environment_changes: dict) -> dict:
    result = run_python(REPORT_LOAD, environment_changes)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_env_var_loads_that_library():
    path = real_library()
    report = load_in_subprocess({"OMENDB_LIBRARY": path})
    assert report == {"path": path, "version": omendb.library_version()}


def test_import_works_without_a_library_and_the_error_comes_at_first_use(tmp_path):
    missing = str(tmp_path / "nope" / "libomendb.so")
    result = run_python("""
        import omendb
        print(omendb.__version__)
        try:
            omendb.LearnedIndex([1, 2, 3])
        except ImportError as error:
            print(type(error).__name__)
    """, {"OMENDB_LIBRARY": missing})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [omendb.__version__, "LibraryNotFoundError"]


def test_env_var_pointing_at_a_missing_file_lists_what_was_tried(tmp_path):
    missing = str(tmp_path / "nope" / "libomendb.so")
    report = load_in_subprocess({"OMENDB_LIBRARY": missing})
    assert report["error"] == "LibraryNotFoundError" and report["import_error"]
    # The explicit choice is the only place tried, and the message says so and why it failed.
    assert len(report["attempts"]) == 1
    place, reason = report["attempts"][0]
    assert missing in place and "dlopen failed" in reason
    assert missing in report["message"] and "no other place was tried" in report["message"]


def test_env_var_pointing_at_a_file_that_is_not_a_library(tmp_path):
    junk = tmp_path / "libomendb.so"
    junk.write_text("not an ELF file\n")
    report = load_in_subprocess({"OMENDB_LIBRARY": str(junk)})
    assert report["error"] == "LibraryNotFoundError"
    assert "dlopen failed" in report["attempts"][0][1]


def test_env_var_pointing_at_another_library():
    libc = ctypes.util.find_library("c")
    if libc is None:
        pytest.skip("no libc found by name")
    report = load_in_subprocess({"OMENDB_LIBRARY": libc})
    assert report["error"] == "LibraryNotFoundError"
    assert "not an OmenDB library" in report["attempts"][0][1]


def test_default_search_order(tmp_path):
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "libomendb.so").write_bytes(b"")
    prefix = tmp_path / "prefix"
    prefix.mkdir()
    (prefix / "libomendb.so.0").write_bytes(b"")
    tree = tmp_path / "tree" / "libomendb.so"
    candidates, explicit = _loader.default_candidates(
        environ={}, find_library=lambda name: "libomendb.so.0", prefixes=[str(prefix), str(tmp_path / "absent")],
        bundle_dir=str(bundle), development_library=str(tree))
    assert not explicit
    descriptions = [description for description, _, _ in candidates]
    targets = [target for _, target, _ in candidates]
    assert targets[0] == str(bundle / "libomendb.so")     # the bundled copy comes first
    assert descriptions[1].startswith("ctypes.util.find_library('omendb')") and targets[1] == "libomendb.so.0"
    assert targets[2] == str(prefix / "libomendb.so.0")   # present in the first prefix
    assert targets[3] is None                             # prefix/libomendb.so: absent
    assert targets[4:6] == [None, None]                   # the second prefix has neither
    assert descriptions[6] == f"development tree: {tree}" and targets[6] is None  # not built
    assert len(candidates) == 7


def test_source_tree_finds_its_development_build():
    """Imported from bindings/python/omendb, the loader's last place is the
    checkout's .build/release/libomendb.so; installed, there is none."""
    expected = str(REPO_ROOT / ".build" / "release" / "libomendb.so")
    found = _loader._development_library()
    if Path(_loader.__file__).resolve().parent.parent.parent.name == "bindings":
        assert found == expected
    else:
        assert found == ""


def test_env_var_overrides_everything():
    candidates, explicit = _loader.default_candidates(environ={"OMENDB_LIBRARY": "/x/libomendb.so"},
                                                      find_library=lambda name: pytest.fail("searched"))
    assert explicit and candidates == [("$OMENDB_LIBRARY=/x/libomendb.so", "/x/libomendb.so", "")]


def test_nothing_found_lists_every_place_and_why(tmp_path):
    junk = tmp_path / "lib" / "libomendb.so"
    junk.parent.mkdir()
    junk.write_text("junk")
    candidates, _ = _loader.default_candidates(environ={}, find_library=lambda name: None,
                                               prefixes=[str(tmp_path / "lib"), str(tmp_path / "other")],
                                               bundle_dir=str(tmp_path / "bundle"), development_library="")
    with pytest.raises(omendb.LibraryNotFoundError) as caught:
        _loader.load_library(candidates)
    attempts = dict(caught.value.attempts)
    assert len(attempts) == 1 + 4 + 1
    assert "not found" in attempts["ctypes.util.find_library('omendb')"]
    assert "dlopen failed" in attempts[str(junk)]
    assert attempts[str(tmp_path / "lib" / "libomendb.so.0")] == "no such file"
    assert attempts[str(tmp_path / "other" / "libomendb.so")] == "no such file"
    assert "no bundled copy" in attempts[str(tmp_path / "bundle" / "libomendb.so*")]
    message = str(caught.value)
    for place in attempts:
        assert place in message
    assert "OMENDB_LIBRARY" in message


def test_bundled_copy_is_found_first(tmp_path):
    bundle = tmp_path / "_lib"
    bundle.mkdir()
    shutil.copyfile(real_library(), bundle / "libomendb.so")
    candidates, _ = _loader.default_candidates(environ={}, find_library=lambda name: "libomendb.so.0",
                                               prefixes=[str(tmp_path / "none")], bundle_dir=str(bundle))
    loaded = _loader.load_library(candidates)  # before whatever find_library would name
    assert loaded.path == str(bundle / "libomendb.so")
    assert loaded.version_number == omendb.library_version_number()


def test_major_version_mismatch_is_refused():
    path = real_library()
    found = omendb.library_version_number()
    wanted = found // 1_000_000 + 1
    with pytest.raises(omendb.LibraryVersionError) as caught:
        _loader.load_library([(path, path, "")], expected_major=wanted)
    error = caught.value
    assert isinstance(error, ImportError) and isinstance(error, omendb.LibraryNotFoundError)
    assert error.path == path and error.found == found and error.expected_major == wanted
    assert f"needs major version {wanted}" in str(error) and path in str(error)


def test_a_later_matching_library_wins_over_a_mismatched_one(tmp_path):
    path = real_library()
    copy = tmp_path / "libomendb.so"
    shutil.copyfile(path, copy)
    # Both are the same build, so pretend the first one is wrong by asking for a
    # symbol only the check below adds: the loader must move on, not stop.
    with pytest.raises(omendb.LibraryNotFoundError) as caught:
        _loader.load_library([(path, path, ""), (str(copy), str(copy), "")],
                             required_symbols=("omendb_does_not_exist",))
    assert [reason for _, reason in caught.value.attempts] == [
        "loaded, but it lacks omendb_does_not_exist (an older or incomplete build?)"] * 2


def test_loaded_library_matches_the_expected_major():
    assert omendb.library_version_number() // 1_000_000 == omendb.EXPECTED_LIBRARY_MAJOR
    assert omendb.library_version().split(".")[0] == str(omendb.EXPECTED_LIBRARY_MAJOR)
