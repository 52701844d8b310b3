"""Build hook of the omendb wheel: puts libomendb.so inside the package.

    pip install ./bindings/python                    # builds the library (swift build), bundles it
    python -m build --wheel bindings/python          # the same, as a wheel file
    OMENDB_BUNDLE_LIBRARY=/path/to/libomendb.so pip install ./bindings/python   # bundles that file
    OMENDB_BUNDLE_LIBRARY=none pip install ./bindings/python                    # no library inside
    OMENDB_BUNDLE_SQL_LIBRARY=/path/to/libomendb_sql.so pip install ./bindings/python   # omendb.sql's too

The library goes to ``omendb/_lib/libomendb.so`` inside the built package (never
into the source tree), where the loader looks first (after $OMENDB_LIBRARY). By
default it is built from this checkout (``swift build -c release --product
omendb`` at the repository root, incremental: a no-op when it is up to date);
OMENDB_BUNDLE_LIBRARY names a library built beforehand instead (e.g. CMake's).

``libomendb_sql.so`` (the SQLite module behind ``omendb.sql``) is bundled only when
OMENDB_BUNDLE_SQL_LIBRARY names it, as ``omendb/_lib/libomendb_sql.so``: it links the
system's ``libsqlite3.so.0`` (the one Python's ``sqlite3`` module uses, which it must
share), which no manylinux policy allows, so such a wheel is for this machine's
distribution. Without it, ``omendb.sql`` finds the library as documented there.

The binding itself is pure ctypes, tied to no CPython version or ABI, so a wheel
with the library is tagged ``py3-none-<platform>``: ``manylinux_<glibc>_<arch>``
with the glibc of the build machine (the library needs no newer glibc; it links
only libc, libm, libstdc++ and libgcc_s, which manylinux allows). A wheel
without the library is ``py3-none-any``.

The version lives in one place, ``include/omendb.h`` (OMENDB_VERSION_STRING),
read here at build time; the installed package reads it from its metadata.
Everything else about the package is declared in pyproject.toml.
"""

import os
import platform
import re
import shutil
import subprocess

from setuptools import setup
from setuptools.command.bdist_wheel import bdist_wheel
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

HERE = os.path.dirname(os.path.abspath(__file__))
REPOSITORY = os.path.dirname(os.path.dirname(HERE))
HEADER = os.path.join(REPOSITORY, "include", "omendb.h")
BUNDLE_ENV = "OMENDB_BUNDLE_LIBRARY"
BUNDLE_SQL_ENV = "OMENDB_BUNDLE_SQL_LIBRARY"


def _version():
    try:
        with open(HEADER, encoding="utf-8") as header:
            match = re.search(r'^#define OMENDB_VERSION_STRING "([0-9]+\.[0-9]+\.[0-9]+)"', header.read(), re.M)
    except OSError:
        match = None
    if match is None:
        raise SystemExit(f"cannot read OMENDB_VERSION_STRING from {HEADER}: build the omendb package from a "
                         "repository checkout (pip install ./bindings/python, python -m build --wheel)")
    return match.group(1)


def _bundle_choice():
    """The library file to bundle, or None for a wheel without it."""
    choice = os.environ.get(BUNDLE_ENV, "")
    if choice.lower() == "none":
        return None
    if choice:
        if not os.path.isfile(choice):
            raise SystemExit(f"{BUNDLE_ENV}={choice}: no such file (it must name a built libomendb.so, or be 'none')")
        return os.path.realpath(choice)
    return ""  # build it from the checkout


def _build_library():
    """``swift build -c release --product omendb`` at the repository root; the built file."""
    if shutil.which("swift") is None:
        raise SystemExit("building the omendb wheel needs the Swift toolchain (swift build) to compile "
                         f"libomendb.so; or set {BUNDLE_ENV}=/path/to/libomendb.so (a library built "
                         f"beforehand) or {BUNDLE_ENV}=none (no library inside; see bindings/python/README.md)")
    subprocess.run(["swift", "build", "-c", "release", "--product", "omendb"], cwd=REPOSITORY, check=True)
    return os.path.join(REPOSITORY, ".build", "release", "libomendb.so")


class BuildPyWithLibrary(build_py):
    """build_py that also puts the library into omendb/_lib/."""

    def run(self):
        super().run()
        source = _bundle_choice()
        target_dir = os.path.join(self.build_lib, "omendb", "_lib")
        shutil.rmtree(target_dir, ignore_errors=True)  # nothing left from an earlier build
        if source is None:
            return
        if not source:
            source = _build_library()
        os.makedirs(target_dir)
        target = os.path.join(target_dir, "libomendb.so")
        shutil.copyfile(source, target)
        os.chmod(target, 0o755)
        self.announce(f"bundled {source} as {target}", level=2)
        sql = os.environ.get(BUNDLE_SQL_ENV, "")
        if sql:
            if not os.path.isfile(sql):
                raise SystemExit(f"{BUNDLE_SQL_ENV}={sql}: no such file (it must name a built libomendb_sql.so)")
            target = os.path.join(target_dir, "libomendb_sql.so")
            shutil.copyfile(sql, target)
            os.chmod(target, 0o755)
            self.announce(f"bundled {sql} as {target}", level=2)


def _platform_tag():
    """manylinux_<glibc major>_<minor>_<arch> of this machine (PEP 600), else the
    plain platform (e.g. macosx or a musl Linux: linux_<arch>)."""
    machine = platform.machine()
    libc, version = platform.libc_ver()
    if platform.system() == "Linux" and libc == "glibc" and version:
        major, minor = version.split(".")[:2]
        return f"manylinux_{major}_{minor}_{machine}"
    return f"{platform.system().lower()}_{machine}"


class PurePythonPlatformWheel(bdist_wheel):
    """Tags a wheel that carries the library py3-none-<platform>: any CPython 3
    (ctypes only, no extension module), this platform."""

    def finalize_options(self):
        super().finalize_options()
        self.root_is_pure = False  # platform-specific: it carries a shared object

    def get_tag(self):
        if _bundle_choice() is None:
            return "py3", "none", "any"
        if os.environ.get(BUNDLE_SQL_ENV, ""):  # needs the system libsqlite3: no manylinux tag
            return "py3", "none", f"{platform.system().lower()}_{platform.machine()}"
        return "py3", "none", _platform_tag()


class BinaryDistribution(Distribution):
    """Platform-specific when it carries the library."""

    def has_ext_modules(self):
        return _bundle_choice() is not None or super().has_ext_modules()


setup(version=_version(), cmdclass={"build_py": BuildPyWithLibrary, "bdist_wheel": PurePythonPlatformWheel},
      distclass=BinaryDistribution)
