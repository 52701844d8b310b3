"""Real files and real processes: the directory lock across processes (BusyError
naming the holder's PID), read-only handles, corrupted files, and durability
when a writer process is killed."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import omendb

PACKAGE_PATH = str(Path(omendb.__file__).resolve().parent.parent)


def python(code: str, *args: str, **kwargs) -> subprocess.Popen:
    """A child interpreter running ``code`` with this omendb package and library."""
    env = dict(os.environ, PYTHONPATH=PACKAGE_PATH + os.pathsep + os.environ.get("PYTHONPATH", ""),
               OMENDB_LIBRARY=omendb.library_path())
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


def test_second_open_in_another_process_is_busy(tmp_path: Path) -> None:
    path = str(tmp_path / "db")
    with omendb.open(path) as db:
        db[1] = b"x"
        child = python("""
            import sys, omendb
            try:
                omendb.open(sys.argv[1])
            except omendb.BusyError as error:
                print("busy:", error)
            try:
                omendb.open(sys.argv[1], read_only=True)
            except omendb.BusyError as error:
                print("busy read-only:", error)
            """, path)
        out, err = child.communicate(timeout=60)
        assert child.returncode == 0, err
        assert f"busy: " in out and f"process {os.getpid()}" in out.splitlines()[0]
        assert "busy read-only:" in out
    # Released at close: another process can open it now.
    child = python("import sys, omendb; print(omendb.open(sys.argv[1])[1])", path)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0 and out.strip() == "b'x'", err


def test_busy_error_names_the_child_holding_the_lock(tmp_path: Path) -> None:
    path = str(tmp_path / "db")
    child = python("""
        import sys, omendb
        db = omendb.open(sys.argv[1])
        print("ready", flush=True)
        sys.stdin.readline()
        db.close()
        """, path, stdin=subprocess.PIPE)
    try:
        assert child.stdout.readline().strip() == "ready"
        with pytest.raises(omendb.BusyError, match=f"process {child.pid}"):
            omendb.open(path)
        with pytest.raises(omendb.BusyError):
            omendb.open(path)  # the failed open left nothing behind
    finally:
        child.communicate("\n", timeout=60)
    with omendb.open(path):
        pass


def test_read_only_rejects_writes(tmp_path: Path) -> None:
    path = tmp_path / "db"
    with omendb.open(path) as db:
        db[1] = b"one"
        db.flush()
        db[2] = b"two"  # in the log only
    listing = sorted(os.listdir(path))
    with omendb.open(path, read_only=True) as first, omendb.open(path, read_only=True) as second:
        assert first.read_only and "read-only" in repr(first)
        assert dict(first.items()) == dict(second.items()) == {1: b"one", 2: b"two"}
        with pytest.raises(omendb.ReadOnlyError):
            first[3] = b"x"
        with pytest.raises(omendb.ReadOnlyError):
            first.delete(1)
        with pytest.raises(omendb.ReadOnlyError):
            del first[1]
        with pytest.raises(omendb.ReadOnlyError):
            with first.write_batch() as batch:
                batch[3] = b"x"
        with pytest.raises(omendb.ReadOnlyError):
            first.bulk_load([10], [b"x"])
        with pytest.raises(omendb.BusyError):
            omendb.open(path)  # a writer cannot join readers
        first.verify()
        with first.snapshot() as snapshot:
            assert bytes(snapshot[2]) == b"two"
        assert first.multi_get([1, 2, 3]) == [b"one", b"two", None]
    assert sorted(os.listdir(path)) == listing  # nothing in the directory was modified
    with pytest.raises(omendb.OmenIOError):
        omendb.open(tmp_path / "absent", read_only=True)


def flip_byte(path: Path, offset: int) -> None:
    with open(path, "r+b") as file:
        file.seek(offset)
        byte = file.read(1)
        file.seek(offset)
        file.write(bytes([byte[0] ^ 0x40]))


def make_database(path: Path) -> None:
    with omendb.open(path) as db:
        db.bulk_load(list(range(1000)), [b"value %d" % k for k in range(1000)])
        for key in range(1000, 1010):
            db[key] = b"logged"


def test_corrupted_run_file(tmp_path: Path) -> None:
    path = tmp_path / "db"
    make_database(path)
    run = next(name for name in os.listdir(path) if name.endswith(".run"))
    flip_byte(path / run, 40)  # inside the value heap: open checks every section but
    # the heap (docs/format.md), so verify() is what finds it
    with omendb.open(path) as db:
        with pytest.raises(omendb.CorruptionError, match=run.split(".")[0]):
            db.verify()
    with omendb.open(path, read_only=True) as db:
        with pytest.raises(omendb.CorruptionError):
            db.verify()


def test_damaged_value_bytes_are_refused_by_every_read(tmp_path: Path) -> None:
    # 1000 values of 100 bytes: key k's value is heap bytes [100k, 100k + 100), the
    # heap starts at file offset 32 and has a checksum per 4096-byte block.
    path = tmp_path / "db"
    values = [bytes((k + i) % 256 for i in range(100)) for k in range(1000)]
    with omendb.open(path) as db:
        db.bulk_load(list(range(1000)), values)
    run = next(name for name in os.listdir(path) if name.endswith(".run"))
    flip_byte(path / run, 32 + 100 * 500 + 3)
    block_offset = 32 + (100 * 500 + 3) // 4096 * 4096
    damaged = re.escape(run) + f".*offset {block_offset}"
    with omendb.open(path) as db:
        with pytest.raises(omendb.CorruptionError, match=damaged):
            db.get(500)
        with pytest.raises(omendb.CorruptionError, match=damaged):
            db[500]
        with pytest.raises(omendb.CorruptionError, match=damaged):
            db.multi_get([1, 500])
        with pytest.raises(omendb.CorruptionError, match=damaged):
            list(db.items())
        with pytest.raises(omendb.CorruptionError, match=damaged):
            list(db.items(reverse=True))
        with db.snapshot() as snapshot:
            with pytest.raises(omendb.CorruptionError, match=damaged):
                snapshot.get(500)
            with pytest.raises(omendb.CorruptionError, match=damaged):
                snapshot.multi_get([500])
            with pytest.raises(omendb.CorruptionError, match=damaged):
                snapshot.multi_get_bytes([2, 500])
        # Values in other blocks still read; those sharing the damaged block do not.
        assert db.get(0) == values[0] and db.get(999) == values[999]
        assert [k for k, _ in db.items(hi=450)] == list(range(450))
        with pytest.raises(omendb.CorruptionError, match=damaged):
            db.get(491)  # bytes 49100..49199: the same block as key 500's byte 3
        with pytest.raises(omendb.CorruptionError, match=damaged):
            db.verify()
        db[5000] = b"newer run"
        db.flush()
        with pytest.raises(omendb.CorruptionError, match=damaged):
            db.compact()  # must not copy the damage into a new run
        assert db.get(5000) == b"newer run"


def test_corrupted_run_footer_is_refused_at_open(tmp_path: Path) -> None:
    path = tmp_path / "db"
    make_database(path)
    run = next(name for name in os.listdir(path) if name.endswith(".run"))
    flip_byte(path / run, os.path.getsize(path / run) - 12)  # inside the footer
    with pytest.raises(omendb.CorruptionError, match=run.split(".")[0]):
        omendb.open(path)
    with pytest.raises(omendb.CorruptionError):
        omendb.open(path, read_only=True)


def test_corrupted_manifest(tmp_path: Path) -> None:
    path = tmp_path / "db"
    make_database(path)
    flip_byte(path / "MANIFEST", 20)
    with pytest.raises(omendb.CorruptionError, match="MANIFEST"):
        omendb.open(path)


def test_corrupted_log_record_followed_by_valid_ones(tmp_path: Path) -> None:
    path = tmp_path / "db"
    make_database(path)
    log = next(name for name in os.listdir(path) if name.endswith(".log") and os.path.getsize(path / name) > 100)
    flip_byte(path / log, 32 + 30)  # inside the first record's body
    with pytest.raises(omendb.CorruptionError):
        omendb.open(path)


def test_killed_writer_loses_no_acknowledged_commit(tmp_path: Path) -> None:
    path = str(tmp_path / "db")
    child = python("""
        import sys, omendb
        db = omendb.open(sys.argv[1], sync="full")
        key = 0
        while True:
            with db.write_batch() as batch:
                batch[key] = b"a%d" % key
                batch[-key - 1] = b"b%d" % key
            print(key, flush=True)  # acknowledged: committed and synced
            key += 1
        """, path)
    acknowledged = -1
    for line in child.stdout:
        acknowledged = int(line)
        if acknowledged >= 150:
            break
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=60)
    with omendb.open(path) as db:
        items = dict(db.items())
        for key in range(acknowledged + 1):
            assert items[key] == b"a%d" % key and items[-key - 1] == b"b%d" % key
        # Batches are atomic: every key present has its pair.
        assert all((-key - 1) in items for key in items if key >= 0)
        assert all((-key - 1) in items for key in items if key < 0)
        db.verify()
