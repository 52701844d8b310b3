"""SQL over OmenDB tables: ``omendb.sql.connect`` returns a real ``sqlite3.Connection``.

The connection is an ordinary SQLite connection (PEP 249, the standard library's
``sqlite3`` module) with the ``omendb`` virtual-table module of ``libomendb_sql``
installed and the OmenDB database at ``path`` attached, so::

    import omendb.sql

    with omendb.sql.connect("./my.db") as conn:        # commits on success
        conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS t "
                     "USING omendb(id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO t VALUES (?, ?)", (1, "one"))
        conn.execute("SELECT name FROM t WHERE id = ?", (1,)).fetchone()   # -> ('one',)
    conn.close()

The module is installed in one of two ways, whichever the interpreter allows:

* ``sqlite3.Connection.enable_load_extension`` exists (e.g. Debian's python3):
  ``libomendb_sql`` is loaded as an SQLite extension and ``SELECT omendb_open(path)``
  attaches the database; the extension owns it and closes it with the connection.
* It does not (Python builds without ``--enable-loadable-sqlite-extensions``, such
  as pyenv's default): the connection's ``sqlite3 *`` and ``path`` are handed to the
  library's ``omendb_sql_register(sqlite3 *, const char *path)`` through ctypes.
  That needs the ``sqlite3`` module and ``libomendb_sql`` to share one SQLite
  library in this process, which is verified first (:class:`SQLLibraryError` when
  not).

Either way the library owns the OmenDB database: connections of one process that
name the same directory share one open database, which is closed when the last of
them closes. (An :class:`omendb.Database` opened on the same directory in the same
process is a second opener and fails to take the directory's lock.)

``libomendb_sql`` is found like ``libomendb`` (see :mod:`omendb._loader`):
``$OMENDB_SQL_LIBRARY`` (only that, when set), the copy bundled in this package,
the directory of the loaded ``libomendb``, the standard library directories, and
a checkout's ``.build/release``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import glob
import os
import platform
import sqlite3
import sys
import threading
from typing import Any, List, Optional, Tuple, Union

from . import _ffi
from .errors import Error

__all__ = ["ENV_SQL_LIBRARY", "ENTRY_POINT", "SQLLibraryError", "connect", "sql_library_path"]

#: Environment variable naming the ``libomendb_sql`` file to use.
ENV_SQL_LIBRARY = "OMENDB_SQL_LIBRARY"

#: The loadable extension's entry point (SQLite derives it from the file name).
ENTRY_POINT = "sqlite3_omendbsql_init"

#: The C registration function (``include/omendb_sql.h``).
REGISTER_FUNCTION = "omendb_sql_register"

_FILE_NAMES = ("libomendb_sql.so.0", "libomendb_sql.so")
_STANDARD_PREFIXES = ("/usr/local/lib", "/usr/lib")

# CPython versions whose pysqlite_Connection begins with ``sqlite3 *db`` right after
# PyObject_HEAD (Modules/_sqlite/connection.h, 3.8 to 3.13).
_LAYOUT_VERSIONS = ((3, 8), (3, 13))


class SQLLibraryError(Error, ImportError):
    """``libomendb_sql`` could not be found, loaded or installed on a connection."""


def _development_library() -> str:
    package = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(os.path.dirname(package)))
    if not os.path.exists(os.path.join(root, "include", "omendb.h")):
        return ""
    return os.path.join(root, ".build", "release", "libomendb_sql.so")


def _candidates() -> Tuple[List[Tuple[str, Optional[str]]], bool]:
    """(description, path or None) pairs to try, and whether the environment chose."""
    explicit = os.environ.get(ENV_SQL_LIBRARY, "")
    if explicit:
        return [(f"${ENV_SQL_LIBRARY}={explicit}", explicit)], True
    places: List[Tuple[str, Optional[str]]] = []
    bundled = sorted(glob.glob(os.path.join(os.path.dirname(os.path.abspath(__file__)), "_lib",
                                            "libomendb_sql.so*")))
    places.extend((path, path) for path in bundled)
    directories: List[str] = []
    try:
        core = os.path.realpath(_ffi.api().path)
        directories.append(os.path.dirname(core))
    except ImportError:
        pass
    directories.extend(_STANDARD_PREFIXES)
    directories.append(os.path.join(sys.prefix, "lib"))
    found = ctypes.util.find_library("omendb_sql")
    if found:
        places.append((f"ctypes.util.find_library('omendb_sql') -> {found}", found))
    for directory in directories:
        for name in _FILE_NAMES:
            path = os.path.join(directory, name)
            places.append((path, path if os.path.exists(path) else None))
    tree = _development_library()
    if tree:
        places.append((f"development tree: {tree}", tree if os.path.exists(tree) else None))
    return places, False


_lock = threading.Lock()
_loaded: Optional[Tuple[str, ctypes.CDLL]] = None


def _load() -> Tuple[str, ctypes.CDLL]:
    """The loaded ``libomendb_sql`` (path, handle), loaded once per process."""
    global _loaded
    with _lock:
        if _loaded is not None:
            return _loaded
        places, explicit = _candidates()
        attempts: List[str] = []
        for description, target in places:
            if target is None:
                attempts.append(f"  {description}: no such file")
                continue
            try:
                library = ctypes.CDLL(target)
            except OSError as error:
                attempts.append(f"  {description}: dlopen failed: {error}")
                continue
            missing = [name for name in (ENTRY_POINT, REGISTER_FUNCTION) if not hasattr(library, name)]
            if missing:
                attempts.append(f"  {description}: loaded, but it lacks {', '.join(missing)}")
                continue
            _loaded = (target, library)
            return _loaded
        hint = (f"${ENV_SQL_LIBRARY} is set, so nothing else was tried" if explicit else
                f"build it (swift build -c release --product omendb_sql) and set ${ENV_SQL_LIBRARY} "
                "to its path, or reinstall this package with it bundled")
        raise SQLLibraryError("libomendb_sql not found; tried:\n" + "\n".join(attempts) + f"\n{hint}")


def sql_library_path() -> str:
    """The path of the ``libomendb_sql`` this package uses (loading it if needed).

    Raises:
        SQLLibraryError: no usable library was found (the message lists every place tried).
    """
    return _load()[0]


def _mapped_sqlite_libraries() -> List[str]:
    paths = set()
    with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
        for line in maps:
            fields = line.split()
            if len(fields) >= 6 and os.path.basename(fields[5]).startswith("libsqlite3.so"):
                paths.add(fields[5])
    return sorted(paths)


def _connection_handle(conn: sqlite3.Connection) -> Tuple[int, ctypes.CDLL]:
    """The ``sqlite3 *`` of ``conn`` and the SQLite library it belongs to, verified."""
    if platform.python_implementation() != "CPython" or \
            not _LAYOUT_VERSIONS[0] <= sys.version_info[:2] <= _LAYOUT_VERSIONS[1]:
        raise SQLLibraryError(
            f"this Python ({platform.python_implementation()} {platform.python_version()}) has no "
            "sqlite3.Connection.enable_load_extension, and its connection layout is not one this "
            "package knows how to read: use a Python built with loadable SQLite extensions")
    mapped = _mapped_sqlite_libraries()
    if len(mapped) != 1:
        raise SQLLibraryError(
            "the sqlite3 module must use the shared system SQLite library for libomendb_sql to "
            f"register on its connections; libsqlite3 mapped in this process: {mapped or 'none'} "
            "(a statically linked SQLite?)")
    system = ctypes.CDLL(mapped[0])
    system.sqlite3_libversion.restype = ctypes.c_char_p
    system.sqlite3_libversion.argtypes = []
    version = (system.sqlite3_libversion() or b"").decode()
    if version != sqlite3.sqlite_version:
        raise SQLLibraryError(f"the sqlite3 module reports SQLite {sqlite3.sqlite_version} but "
                              f"{mapped[0]} is {version}: they are not one library")
    address = ctypes.c_void_p.from_address(id(conn) + object.__basicsize__).value
    if not address:
        raise SQLLibraryError("the connection has no SQLite handle (closed?)")
    # The handle is this connection's: a value set through it is what SQL reads back.
    system.sqlite3_set_last_insert_rowid.argtypes = [ctypes.c_void_p, ctypes.c_int64]
    system.sqlite3_set_last_insert_rowid.restype = None
    probe = 0x5EED_0DB0_5EED_0DB0
    system.sqlite3_set_last_insert_rowid(address, probe)
    seen = conn.execute("SELECT last_insert_rowid()").fetchone()[0]
    system.sqlite3_set_last_insert_rowid(address, 0)
    if seen != probe:
        raise SQLLibraryError("could not locate the sqlite3 * of this sqlite3.Connection "
                              "(an unknown CPython connection layout)")
    return address, system


def _register(conn: sqlite3.Connection, library: ctypes.CDLL, directory: str) -> None:
    address, _ = _connection_handle(conn)
    register = library.omendb_sql_register
    register.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    register.restype = ctypes.c_int
    code = register(address, os.fsencode(directory))
    if code != 0:
        # The message is the connection's (sqlite3_errmsg): read it through SQLite itself.
        raise sqlite3.OperationalError(f"omendb_sql_register({directory!r}) failed: SQLite result code {code}")


def connect(path: Union[str, "os.PathLike[str]"], database: Union[str, "os.PathLike[str]"] = ":memory:",
            **kwargs: Any) -> sqlite3.Connection:
    """Opens an SQLite connection with the OmenDB database at ``path`` attached.

    Args:
        path: the OmenDB database directory (created when missing).
        database: the SQLite database of the connection (default in-memory); its
            ordinary tables live beside the ``omendb`` virtual tables.
        **kwargs: passed to ``sqlite3.connect`` (``timeout``, ``isolation_level``,
            ``check_same_thread``, ``factory``, ``uri``, ...).

    Returns:
        A ``sqlite3.Connection`` (or the ``factory``'s subclass of it); close it when
        done (``with`` commits or rolls back but does not close, as in ``sqlite3``).

    Raises:
        TypeError: ``path`` or ``database`` is not a str or path.
        ValueError: ``path`` contains a NUL byte.
        SQLLibraryError: ``libomendb_sql`` was not found, or cannot be installed on
            this interpreter's connections.
        sqlite3.Error: the OmenDB database could not be opened (the message says why).
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, not {type(path).__name__}")
    if not isinstance(database, (str, os.PathLike)):
        raise TypeError(f"database must be a str or os.PathLike, not {type(database).__name__}")
    directory = os.fspath(path)
    if not isinstance(directory, str):
        raise TypeError("path must name a str path (bytes paths are not supported)")
    if "\0" in directory:
        raise ValueError("path contains a NUL byte")
    library_path, library = _load()
    conn: sqlite3.Connection = sqlite3.connect(database, **kwargs)
    try:
        if hasattr(conn, "enable_load_extension"):
            conn.enable_load_extension(True)
            try:
                conn.load_extension(library_path)
            finally:
                conn.enable_load_extension(False)
            conn.execute("SELECT omendb_open(?)", (directory,))
        else:
            _register(conn, library, directory)
    except BaseException:
        conn.close()
        raise
    return conn
