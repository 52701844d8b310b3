"""Build hook: bundles a prebuilt libomendb.so into the package on request.

    OMENDB_BUNDLE_LIBRARY=/path/to/libomendb.so pip install ./bindings/python

copies that file to ``omendb/_lib/libomendb.so`` inside the built package (not
into the source tree), where the loader finds it when no installed library
loads. The wheel is then tagged as platform-specific, since it carries a Linux
shared object. Without the variable the package is pure Python.

Everything else about the package is declared in pyproject.toml.
"""

import os
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

BUNDLE_ENV = "OMENDB_BUNDLE_LIBRARY"


def _bundle_source():
    path = os.environ.get(BUNDLE_ENV, "")
    if not path:
        return None
    if not os.path.isfile(path):
        raise SystemExit(f"{BUNDLE_ENV}={path}: no such file (it must name the built libomendb.so)")
    return os.path.realpath(path)


class BuildPyWithLibrary(build_py):
    """build_py that also copies $OMENDB_BUNDLE_LIBRARY into omendb/_lib/."""

    def run(self):
        super().run()
        source = _bundle_source()
        target_dir = os.path.join(self.build_lib, "omendb", "_lib")
        if source is None:
            # Drop a copy left in a reused build directory by an earlier bundling build,
            # unless the source tree itself carries one.
            if not os.path.isdir(os.path.join("omendb", "_lib")):
                shutil.rmtree(target_dir, ignore_errors=True)
            return
        os.makedirs(target_dir, exist_ok=True)
        target = os.path.join(target_dir, "libomendb.so")
        shutil.copyfile(source, target)
        os.chmod(target, 0o755)
        self.announce(f"bundled {source} as {target}", level=2)


class BinaryDistribution(Distribution):
    """Marks the distribution as platform-specific when it bundles the library."""

    def has_ext_modules(self):
        return _bundle_source() is not None or super().has_ext_modules()


setup(cmdclass={"build_py": BuildPyWithLibrary}, distclass=BinaryDistribution)
