"""Packaging: the wheel ``pip install ./bindings/python`` builds carries the
library, is tagged py3-none-<platform> (pure ctypes: any CPython 3), takes its
version from include/omendb.h, and works in a fresh virtual environment without
OMENDB_LIBRARY. Bounded: the already-built library is bundled
(OMENDB_BUNDLE_LIBRARY) instead of running swift build again; numpy comes from
pip's cache or PyPI."""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import PACKAGE_ROOT, REPO_ROOT


def _header_version() -> str:
    match = re.search(r'^#define OMENDB_VERSION_STRING "([^"]+)"', (REPO_ROOT / "include" / "omendb.h").read_text(),
                      re.M)
    assert match
    return match.group(1)


def test_wheel_bundles_the_library_and_works_in_a_fresh_venv(tmp_path: Path) -> None:
    library = os.environ.get("OMENDB_LIBRARY", "")
    if not library or not os.path.exists(library):
        pytest.skip("OMENDB_LIBRARY must point at the built library (bundled instead of rebuilding)")
    # The package and the header, laid out as in the checkout (the build reads
    # ../../include/omendb.h), so that the build writes nothing into the source tree.
    source = tmp_path / "checkout"
    shutil.copytree(PACKAGE_ROOT, source / "bindings" / "python",
                    ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__", "tests", "_lib"))
    (source / "include").mkdir()
    shutil.copyfile(REPO_ROOT / "include" / "omendb.h", source / "include" / "omendb.h")
    wheels = tmp_path / "wheels"
    environment = dict(os.environ, OMENDB_BUNDLE_LIBRARY=library)
    environment.pop("OMENDB_LIBRARY")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels),
                            str(source / "bindings" / "python")],
                           env=environment, capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stdout + built.stderr
    [wheel] = list(wheels.glob("*.whl"))
    name, version, python_tag, abi_tag, platform_tag = wheel.name[:-len(".whl")].split("-")
    assert (name, version) == ("omendb", _header_version())  # the version's one place
    assert (python_tag, abi_tag) == ("py3", "none")
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert re.fullmatch(rf"manylinux_\d+_\d+_{platform.machine()}", platform_tag), platform_tag
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert "omendb/_lib/libomendb.so" in names and "omendb/py.typed" in names
        assert not any(name.endswith((".c", ".pyx")) or "/tests/" in name for name in names)
        assert archive.read("omendb/_lib/libomendb.so") == Path(library).read_bytes()
    audit = subprocess.run([sys.executable, "-m", "auditwheel", "show", str(wheel)], capture_output=True, text=True,
                           timeout=120)
    if "No module named auditwheel" not in audit.stderr:  # checked where auditwheel is installed
        assert audit.returncode == 0, audit.stdout + audit.stderr
        assert "is consistent with the" in audit.stdout and "manylinux_" in audit.stdout, audit.stdout

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = str(venv / "bin" / "python")
    # Without PYTHONPATH also for pip: a source tree on it would count as installed.
    clean = {key: value for key, value in os.environ.items()
             if key not in ("OMENDB_LIBRARY", "PYTHONPATH", "LD_LIBRARY_PATH")}
    installed = subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                                str(wheel)], env=clean, capture_output=True, text=True, timeout=600)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    use = subprocess.run([python, "-c", (
        "import omendb, sys\n"
        "with omendb.open(sys.argv[1]) as db:\n"
        "    db[7] = b'seven'\n"
        "    assert db[7] == b'seven' and dict(db.items()) == {7: b'seven'}\n"
        "print(omendb.__version__, omendb.library_path(), omendb.library_version())\n"), str(tmp_path / "db")],
        env=clean, capture_output=True, text=True, timeout=120, cwd=str(tmp_path))
    assert use.returncode == 0, use.stderr
    package_version, loaded, library_version = use.stdout.split()
    assert package_version == _header_version() == library_version
    assert loaded.startswith(str(venv)) and loaded.endswith("omendb/_lib/libomendb.so")
