"""omendb.sql.connect: a real sqlite3.Connection with the omendb module, both ways in
(ctypes registration in this interpreter when it lacks load_extension; Debian's
python3 with load_extension in a subprocess), closing, reopening and wrong arguments.

Needs libomendb_sql: $OMENDB_SQL_LIBRARY (scripts/test.sh sets it), else the places
omendb.sql searches; the tests are skipped only when it is unset and nothing is found.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Dict, Iterator

import pytest

import omendb
import omendb.sql

PACKAGE_ROOT = Path(__file__).resolve().parent.parent  # bindings/python
REPO_ROOT = PACKAGE_ROOT.parent.parent
SCHEMA = "id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB"
DEBIAN_PYTHON = "/usr/bin/python3"


@pytest.fixture(scope="module", autouse=True)
def sql_library() -> str:
    try:
        return omendb.sql.sql_library_path()
    except omendb.sql.SQLLibraryError as error:
        if os.environ.get(omendb.sql.ENV_SQL_LIBRARY):
            raise
        pytest.skip(f"libomendb_sql not built: {error}")
        raise


@pytest.fixture()
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    connection = omendb.sql.connect(tmp_path / "db", isolation_level=None)
    yield connection
    connection.close()


def test_connect_returns_a_real_sqlite3_connection_with_the_module(conn: sqlite3.Connection) -> None:
    assert type(conn) is sqlite3.Connection
    conn.execute(f"CREATE VIRTUAL TABLE t USING omendb({SCHEMA})")
    rows = [(k, f"n{k}", k / 4, bytes([k % 256]) * 3) for k in (-(2 ** 63), -5, 0, 7, 2 ** 63 - 1)]
    conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", rows)
    assert conn.execute("SELECT * FROM t ORDER BY id").fetchall() == rows
    assert conn.execute("SELECT name FROM t WHERE id = ?", (7,)).fetchone() == ("n7",)
    assert conn.execute("SELECT id FROM t WHERE id BETWEEN -5 AND 7 ORDER BY id DESC").fetchall() == [(7,), (0,), (-5,)]
    plan = " ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN SELECT * FROM t WHERE id = 7"))
    assert "VIRTUAL TABLE INDEX" in plan and "id = ?" in plan, plan
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        conn.execute("INSERT INTO t VALUES (7, 'again', NULL, NULL)")


def test_transactions_of_the_connection_cover_the_virtual_table(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE VIRTUAL TABLE t USING omendb(id INTEGER PRIMARY KEY, v TEXT)")
    conn.execute("BEGIN")
    conn.execute("INSERT INTO t VALUES (1, 'kept')")
    conn.execute("SAVEPOINT s")
    conn.execute("INSERT INTO t VALUES (2, 'undone')")
    conn.execute("ROLLBACK TO s")
    conn.execute("COMMIT")
    conn.execute("BEGIN")
    conn.execute("DELETE FROM t")
    conn.execute("ROLLBACK")
    assert conn.execute("SELECT * FROM t").fetchall() == [(1, "kept")]


def test_close_releases_the_database_and_a_reopen_sees_the_data(tmp_path: Path) -> None:
    path = tmp_path / "db"
    first = omendb.sql.connect(path)
    with first:  # sqlite3's context manager commits; it does not close
        first.execute("CREATE VIRTUAL TABLE t USING omendb(id INTEGER PRIMARY KEY, v TEXT)")
        first.execute("INSERT INTO t VALUES (42, 'answer')")
    assert first.execute("SELECT v FROM t").fetchall() == [("answer",)]
    first.close()
    first.close()  # twice is fine
    with pytest.raises(sqlite3.ProgrammingError):
        first.execute("SELECT 1")
    second = omendb.sql.connect(str(path))
    try:
        assert second.execute("SELECT * FROM t").fetchall() == [(42, "answer")]
    finally:
        second.close()


def test_connections_of_one_process_share_the_database(tmp_path: Path) -> None:
    a = omendb.sql.connect(tmp_path / "db", isolation_level=None)
    b = omendb.sql.connect(tmp_path / "db", isolation_level=None)
    try:
        a.execute("CREATE VIRTUAL TABLE t USING omendb(id INTEGER PRIMARY KEY, v TEXT)")
        a.execute("INSERT INTO t VALUES (1, 'from a')")
        b.execute("CREATE VIRTUAL TABLE IF NOT EXISTS t USING omendb(id INTEGER PRIMARY KEY, v TEXT)")
        assert b.execute("SELECT v FROM t WHERE id = 1").fetchall() == [("from a",)]
    finally:
        a.close()
        b.close()


def test_add_column_old_rows_read_the_default_and_other_connections_after_reconnecting(tmp_path: Path) -> None:
    a = omendb.sql.connect(tmp_path / "db", isolation_level=None)
    b = omendb.sql.connect(tmp_path / "db", isolation_level=None)
    try:
        a.execute("CREATE VIRTUAL TABLE t USING omendb(id INTEGER PRIMARY KEY, v TEXT)")
        a.execute("INSERT INTO t VALUES (1, 'old')")
        b.execute("CREATE VIRTUAL TABLE IF NOT EXISTS t USING omendb(id INTEGER PRIMARY KEY, v TEXT)")
        assert a.execute("SELECT omendb_add_column('t', ?)", ("n INTEGER DEFAULT '7'",)).fetchone() == (2,)
        a.execute("INSERT INTO t VALUES (2, 'new', 8)")
        assert a.execute("SELECT * FROM t").fetchall() == [(1, "old", 7), (2, "new", 8)]
        assert b.execute("SELECT * FROM t").fetchall() == [(1, "old"), (2, "new")]  # its older declaration
        with pytest.raises(sqlite3.OperationalError, match="was altered"):
            b.execute("INSERT INTO t VALUES (3, 'stale')")
        b.execute("SELECT omendb_close()")
        b.execute("SELECT omendb_open(?)", (str(tmp_path / "db"),))
        b.execute("INSERT INTO t VALUES (3, 'renewed', 9)")
        assert a.execute("SELECT n FROM t ORDER BY id").fetchall() == [(7,), (8,), (9,)]
        with pytest.raises(sqlite3.OperationalError, match="duplicate column name n"):
            a.execute("SELECT omendb_add_column('t', 'n TEXT')")
    finally:
        a.close()
        b.close()


def test_the_given_sqlite_database_holds_native_tables_beside(tmp_path: Path) -> None:
    conn = omendb.sql.connect(tmp_path / "db", tmp_path / "native.sqlite", isolation_level=None)
    try:
        conn.execute("CREATE TABLE native(k INTEGER PRIMARY KEY, w TEXT)")
        conn.execute("CREATE VIRTUAL TABLE t USING omendb(id INTEGER PRIMARY KEY, v TEXT)")
        conn.executemany("INSERT INTO native VALUES (?, ?)", [(1, "a"), (2, "b")])
        conn.executemany("INSERT INTO t VALUES (?, ?)", [(2, "x"), (3, "y")])
        assert conn.execute("SELECT native.w, t.v FROM native JOIN t ON t.id = native.k").fetchall() == [("b", "x")]
    finally:
        conn.close()
    assert (tmp_path / "native.sqlite").stat().st_size > 0


def test_wrong_arguments_are_clear_errors(tmp_path: Path) -> None:
    for bad in (42, None, 1.5, b"/tmp/x", ["dir"]):
        with pytest.raises(TypeError, match="path must be"):
            omendb.sql.connect(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="database must be"):
        omendb.sql.connect(tmp_path / "db", 7)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="NUL"):
        omendb.sql.connect(str(tmp_path / "a\0b"))
    with pytest.raises(TypeError):
        omendb.sql.connect(tmp_path / "db", no_such_option=1)
    (tmp_path / "file").write_bytes(b"not a database directory")
    with pytest.raises(sqlite3.Error):
        omendb.sql.connect(tmp_path / "file")


def test_an_explicit_library_that_is_missing_is_an_error_naming_it(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    missing = str(tmp_path / "libomendb_sql.so")
    monkeypatch.setenv(omendb.sql.ENV_SQL_LIBRARY, missing)
    monkeypatch.setattr(omendb.sql, "_loaded", None)
    with pytest.raises(omendb.sql.SQLLibraryError, match="only|nothing else") as raised:
        omendb.sql.connect(tmp_path / "db")
    assert missing in str(raised.value)
    assert isinstance(raised.value, ImportError) and isinstance(raised.value, omendb.Error)


def _subprocess_environment(directory: Path) -> Dict[str, str]:
    """The environment for another interpreter importing the checkout's omendb package
    (alone on its path: PYTHONPATH=bindings/python would do, but not this interpreter's
    site-packages, where the package may be installed beside numpy of another build)."""
    (directory / "bindings" / "python").mkdir(parents=True)  # as in a checkout: the version from the header
    (directory / "bindings" / "python" / "omendb").symlink_to(PACKAGE_ROOT / "omendb")
    (directory / "include").symlink_to(REPO_ROOT / "include")
    environment = dict(os.environ, PYTHONPATH=str(directory / "bindings" / "python"))
    environment[omendb.sql.ENV_SQL_LIBRARY] = omendb.sql.sql_library_path()
    return environment


@pytest.mark.skipif(not os.path.exists(DEBIAN_PYTHON), reason="no /usr/bin/python3")
def test_load_extension_path_in_debian_python_and_the_data_crosses_both_ways(tmp_path: Path) -> None:
    probe = subprocess.run([DEBIAN_PYTHON, "-c", "import sqlite3, numpy; "
                            "print(hasattr(sqlite3.connect(':memory:'), 'enable_load_extension'))"],
                           capture_output=True, text=True, timeout=60)
    if probe.returncode != 0 or probe.stdout.strip() != "True":
        pytest.skip(f"{DEBIAN_PYTHON} lacks numpy or load_extension: {probe.stderr.strip()}")
    path = tmp_path / "db"
    script = (
        "import sys, omendb.sql\n"
        "conn = omendb.sql.connect(sys.argv[1], isolation_level=None)\n"
        "assert hasattr(conn, 'enable_load_extension')\n"
        "conn.execute('CREATE VIRTUAL TABLE t USING omendb(id INTEGER PRIMARY KEY, v TEXT)')\n"
        "conn.executemany('INSERT INTO t VALUES (?, ?)', [(i, str(i)) for i in range(100)])\n"
        "print(conn.execute('SELECT count(*), sum(id) FROM t WHERE id >= 50').fetchone())\n"
        "conn.close()\n")
    (tmp_path / "path").mkdir()
    run = subprocess.run([DEBIAN_PYTHON, "-c", script, str(path)], env=_subprocess_environment(tmp_path / "path"),
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "(50, 3725)"
    # Written through the extension, read through the ctypes registration here.
    conn = omendb.sql.connect(path)
    try:
        assert conn.execute("SELECT count(*), max(v) FROM t").fetchone() == (100, "99")
    finally:
        conn.close()


def test_wheel_can_bundle_the_sql_library(tmp_path: Path) -> None:
    library = os.environ.get("OMENDB_LIBRARY", "")
    if not library or not os.path.exists(library):
        pytest.skip("OMENDB_LIBRARY must point at the built library (bundled instead of rebuilding)")
    # Laid out as in the checkout (setup.py reads ../../include/omendb.h), outside the source tree.
    source = tmp_path / "checkout"
    shutil.copytree(PACKAGE_ROOT, source / "bindings" / "python",
                    ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__", "tests", "_lib"))
    (source / "include").mkdir()
    shutil.copyfile(REPO_ROOT / "include" / "omendb.h", source / "include" / "omendb.h")
    environment = dict(os.environ, OMENDB_BUNDLE_LIBRARY=library,
                       OMENDB_BUNDLE_SQL_LIBRARY=omendb.sql.sql_library_path())
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path / "wheels"),
                            str(source / "bindings" / "python")], env=environment, capture_output=True, text=True,
                           timeout=600)
    assert built.returncode == 0, built.stdout + built.stderr
    [wheel] = list((tmp_path / "wheels").glob("*.whl"))
    assert "manylinux" not in wheel.name  # it needs the system's libsqlite3
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read("omendb/_lib/libomendb_sql.so") == Path(omendb.sql.sql_library_path()).read_bytes()
        assert archive.read("omendb/_lib/libomendb.so") == Path(library).read_bytes()
