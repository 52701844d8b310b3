"""Finding and loading the ``libomendb`` shared library.

Places are tried in this order (the first one that loads, exports the OmenDB C
API and has the expected major version wins):

1. ``$OMENDB_LIBRARY`` -- a path to the library file. When this variable is set
   (non-empty) it is the *only* place tried: an explicit choice that fails is an
   error rather than a reason to silently load some other copy.
2. The copy bundled inside this package: ``omendb/_lib/libomendb.so*`` (every
   wheel built by ``pip install ./bindings/python`` carries one, built from the
   same checkout, so it is the one that matches this package exactly).
3. The installed library: ``ctypes.util.find_library("omendb")`` (ldconfig cache,
   ``LD_LIBRARY_PATH``, compiler search paths), then ``libomendb.so.<major>`` and
   ``libomendb.so`` in ``/usr/local/lib``, ``/usr/lib`` and ``sys.prefix/lib``.
4. A development tree: when this package is imported from a repository checkout
   (``bindings/python/omendb``), the checkout's ``.build/release/libomendb.so``.

When nothing loads, :class:`~omendb.errors.LibraryNotFoundError` lists every
place tried and why it failed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import glob
import os
import sys
from typing import Callable, List, Mapping, Optional, Sequence, Tuple

from ._version import EXPECTED_LIBRARY_MAJOR
from .errors import LibraryNotFoundError, LibraryVersionError

__all__ = ["ENV_LIBRARY", "LoadedLibrary", "Candidate", "default_candidates", "load_library"]

#: Environment variable naming the library file to load.
ENV_LIBRARY = "OMENDB_LIBRARY"

#: The library's file names, most specific first.
LIBRARY_FILE_NAMES = (f"libomendb.so.{EXPECTED_LIBRARY_MAJOR}", "libomendb.so")

#: Directories searched for an installed library after ``find_library``.
STANDARD_PREFIXES = ("/usr/local/lib", "/usr/lib")

#: A place to try: (description shown in errors, name or path for dlopen, or None
#: when the place yielded nothing to load, in which case the description's
#: reason is given as the third element).
Candidate = Tuple[str, Optional[str], str]


class LoadedLibrary:
    """A loaded library: two views of the same ``dlopen`` handle.

    Attributes:
        path: what was passed to ``dlopen`` (a path, or a SONAME from find_library).
        cdll: calls release the GIL (used for calls that may run long: build, batches).
        pydll: calls keep the GIL (used for short scalar calls; cheaper per call).
        version_number: ``omendb_version_number()``.
    """

    def __init__(self, path: str, cdll: ctypes.CDLL, pydll: ctypes.PyDLL, version_number: int) -> None:
        self.path = path
        self.cdll = cdll
        self.pydll = pydll
        self.version_number = version_number


def _package_lib_dir() -> str:
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "_lib")


def default_candidates(environ: Optional[Mapping[str, str]] = None,
                       find_library: Callable[[str], Optional[str]] = ctypes.util.find_library,
                       prefixes: Optional[Sequence[str]] = None,
                       bundle_dir: Optional[str] = None,
                       development_library: Optional[str] = None) -> Tuple[List[Candidate], bool]:
    """The places to try, in order, and whether they come from ``$OMENDB_LIBRARY``.

    The parameters exist for tests; by default they are the process environment,
    ``ctypes.util.find_library``, the standard prefixes plus ``sys.prefix/lib``,
    this package's ``_lib`` directory and the checkout's build ("" for none).
    """
    env = os.environ if environ is None else environ
    explicit = env.get(ENV_LIBRARY, "")
    if explicit:
        return [(f"${ENV_LIBRARY}={explicit}", explicit, "")], True

    candidates: List[Candidate] = []
    directory = _package_lib_dir() if bundle_dir is None else bundle_dir
    pattern = os.path.join(directory, "libomendb.so*")
    bundled = sorted(glob.glob(pattern))
    if bundled:
        candidates.extend((path, path, "") for path in bundled)
    else:
        candidates.append((pattern, None, "no bundled copy (a package installed with "
                           "OMENDB_BUNDLE_LIBRARY=none, or a source tree)"))

    found = find_library("omendb")
    if found:
        candidates.append((f"ctypes.util.find_library('omendb') -> {found}", found, ""))
    else:
        candidates.append(("ctypes.util.find_library('omendb')", None,
                           "not found (ldconfig cache, LD_LIBRARY_PATH, compiler paths)"))

    if prefixes is None:
        prefixes = list(STANDARD_PREFIXES) + [os.path.join(sys.prefix, "lib")]
    seen = set()
    for prefix in prefixes:
        for name in LIBRARY_FILE_NAMES:
            path = os.path.join(prefix, name)
            key = os.path.realpath(path)
            if key in seen:
                continue
            seen.add(key)
            if os.path.exists(path):
                candidates.append((path, path, ""))
            else:
                candidates.append((path, None, "no such file"))

    tree = _development_library() if development_library is None else development_library
    if tree:
        candidates.append((f"development tree: {tree}", tree if os.path.exists(tree) else None,
                           "" if os.path.exists(tree) else "not built (swift build -c release --product omendb)"))
    return candidates, False


def _development_library() -> str:
    """The checkout's built library when this package is the source tree's
    ``bindings/python/omendb``; "" otherwise."""
    package = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(os.path.dirname(package)))
    if os.path.basename(os.path.dirname(package)) != "python" or \
            not os.path.exists(os.path.join(root, "include", "omendb.h")):
        return ""
    return os.path.join(root, ".build", "release", "libomendb.so")


def _open(path: str) -> Tuple[ctypes.CDLL, ctypes.PyDLL, int]:
    """dlopens ``path`` and reads its version; raises OSError/AttributeError on failure."""
    cdll = ctypes.CDLL(path)
    version = cdll.omendb_version_number  # AttributeError when this is not libomendb
    version.argtypes = []
    version.restype = ctypes.c_int
    return cdll, ctypes.PyDLL(path), int(version())


def load_library(candidates: Optional[Sequence[Candidate]] = None,
                 explicit: bool = False,
                 required_symbols: Sequence[str] = (),
                 expected_major: int = EXPECTED_LIBRARY_MAJOR) -> LoadedLibrary:
    """Loads the first usable library among ``candidates`` (default: :func:`default_candidates`).

    A candidate is usable when it loads, exports every name in
    ``required_symbols`` and has major version ``expected_major``.

    Raises:
        LibraryVersionError: only libraries of another major version were found.
        LibraryNotFoundError: nothing usable was found; lists every attempt.
    """
    if candidates is None:
        candidates, explicit = default_candidates()
    attempts: List[Tuple[str, str]] = []
    mismatch: Optional[Tuple[str, int]] = None
    for description, target, reason in candidates:
        if target is None:
            attempts.append((description, reason))
            continue
        try:
            cdll, pydll, number = _open(target)
        except OSError as error:
            attempts.append((description, f"dlopen failed: {error}"))
            continue
        except AttributeError:
            attempts.append((description, "loaded, but it is not an OmenDB library "
                                          "(no omendb_version_number symbol)"))
            continue
        if number // 1000000 != expected_major:
            attempts.append((description, f"version {number // 1000000}.{number // 1000 % 1000}."
                                          f"{number % 1000}, but major {expected_major} is needed"))
            mismatch = mismatch or (target, number)
            continue
        missing = [name for name in required_symbols if not hasattr(cdll, name)]
        if missing:
            attempts.append((description, f"loaded, but it lacks {', '.join(missing)} "
                                          "(an older or incomplete build?)"))
            continue
        return LoadedLibrary(target, cdll, pydll, number)

    hint = (f"${ENV_LIBRARY} is set, so no other place was tried; unset it to search the "
            "default places." if explicit else
            f"Reinstall this package with the library inside (pip install ./bindings/python), "
            f"set ${ENV_LIBRARY} to the path of libomendb.so, or install it into a standard "
            "library directory.")
    if mismatch is not None:
        raise LibraryVersionError(mismatch[0], mismatch[1], expected_major, attempts, hint)
    raise LibraryNotFoundError(attempts, hint)
