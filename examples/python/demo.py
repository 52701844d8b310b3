"""OmenDB from Python: an embedded, durable key-value database (int64 keys, bytes values).

Opens (or creates) the database directory ./omendb-demo.db in the current working
directory — or the directory given as the first argument — writes, reads,
iterates a range both ways, uses an atomic batch, a snapshot and transactions,
deletes a range, takes an online backup, and prints the statistics. It starts from an empty database each time (the directory is
removed first, only if it looks like an OmenDB directory).

Run from the repository root after `swift build -c release`:

    OMENDB_LIBRARY=$PWD/.build/release/libomendb.so python examples/python/demo.py [DIR]

(or `pip install ./bindings/python` first; without the install, this script
falls back to the source tree in bindings/python). `bash scripts/demo.sh` runs
it against the installed library.
"""

from __future__ import annotations

import os
import shutil
import sys
import time

import numpy as np

try:
    import omendb
except ImportError:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bindings", "python"))
    import omendb

SENSORS = 100
READINGS = 2_000  # per sensor


def key_of(sensor: int, minute: int) -> int:
    """Key = sensor id in the high bits, minute in the low bits: one sensor's readings are contiguous."""
    return (sensor << 32) | minute


def fresh_directory(path: str) -> None:
    if os.path.isdir(path):
        if not os.path.exists(os.path.join(path, "MANIFEST")) and os.listdir(path):
            sys.exit(f"{path} exists and is not an OmenDB database; refusing to remove it")
        shutil.rmtree(path)


def main() -> None:
    path = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "omendb-demo.db")
    fresh_directory(path)
    print(f"omendb {omendb.__version__}, library {omendb.library_version()} at {omendb.library_path()}")
    print(f"database directory: {path}")

    with omendb.open(path, sync="normal") as db:
        # 1. Bulk load: sorted keys with their values, one run file, one atomic step.
        keys = np.array([key_of(s, m) for s in range(SENSORS) for m in range(READINGS)], dtype=np.int64)
        rng = np.random.default_rng(7)
        temperatures = rng.normal(20.0, 5.0, len(keys)).astype(np.float32)
        started = time.perf_counter()
        db.bulk_load(keys, [t.tobytes() for t in temperatures])  # 4-byte values
        print(f"bulk-loaded {len(keys):,} readings in {time.perf_counter() - started:.2f} s")

        # 2. Single writes and reads: the mapping protocol.
        db[key_of(7, 5000)] = np.float32(99.5).tobytes()  # numpy buffers are bytes-like
        db.put(-1, b"metadata: 100 sensors, one reading a minute")
        print(f"db[-1] = {db[-1]!r}")
        print(f"sensor 7, minute 5000 -> {np.frombuffer(db[key_of(7, 5000)], dtype=np.float32)[0]}")
        print(f"sensor 7, minute 9999 present? {key_of(7, 9999) in db}; get -> {db.get(key_of(7, 9999))}")

        # 3. An atomic batch: all of it or nothing.
        with db.write_batch() as batch:
            for minute in range(10):
                del batch[key_of(3, minute)]  # drop sensor 3's first ten readings
            batch[key_of(3, 0)] = b"\x00\x00\x00\x00"  # ... and store a zero for minute 0
        try:
            with db.write_batch() as batch:
                batch[key_of(4, 0)] = b"never stored"
                raise RuntimeError("something went wrong mid-batch")
        except RuntimeError:
            pass
        print(f"after the aborted batch, sensor 4 minute 0 is still {db[key_of(4, 0)]!r}")

        # 4. Range iteration (keys in [lo, hi)), forward and reverse.
        lo, hi = key_of(3, 0), key_of(3, 15)
        print("sensor 3, minutes 0-14:", [k & 0xFFFFFFFF for k in db.keys(lo, hi)])
        newest = [(k & 0xFFFFFFFF, round(float(np.frombuffer(v, np.float32)[0]), 2))
                  for k, v in db.items(key_of(9, 0), key_of(10, 0), reverse=True)][:3]
        print("sensor 9, three newest readings:", newest)
        mean = np.mean([np.frombuffer(v, np.float32)[0] for v in db.values(key_of(42, 0), key_of(43, 0))])
        print(f"sensor 42: mean of {READINGS} readings = {mean:.2f}")

        # 5. Batch reads through numpy: one consistent view, bytes or None.
        wanted = np.array([key_of(1, 1), key_of(1, 10**6), key_of(2, 2)], dtype=np.int64)
        print("multi_get:", db.multi_get(wanted))

        # 6. A snapshot: a consistent read view; its get() is zero-copy.
        with db.snapshot() as snapshot:
            db[key_of(1, 1)] = np.float32(-40.0).tobytes()  # a write after the snapshot
            seen = np.frombuffer(snapshot[key_of(1, 1)], dtype=np.float32)[0]
            now = np.frombuffer(db[key_of(1, 1)], dtype=np.float32)[0]
            print(f"snapshot sees {seen:.2f}, the database now has {now:.2f}")
            del seen  # a float: the zero-copy view itself is released when the snapshot closes

        # 7. Transactions: reads see the transaction's own writes; commit on leaving
        #    the block; a conflicting concurrent commit raises ConflictError.
        calibration = key_of(SENSORS, 0)  # one counter after the last sensor
        with db.transaction() as txn:  # serializable by default
            txn[calibration] = b"0"
            total = sum(np.frombuffer(v, np.float32)[0] for v in txn.values(key_of(5, 0), key_of(5, 10)))
            txn[key_of(5, 0)] = np.float32(total / 10).tobytes()
        first, second = db.transaction(), db.transaction()
        first[calibration] = b"%d" % (int(first[calibration]) + 1)
        second[calibration] = b"%d" % (int(second[calibration]) + 1)
        first.commit()
        try:
            second.commit()
        except omendb.ConflictError as error:
            print(f"second transaction refused: {error}")

        def calibrate(txn: omendb.Transaction) -> int:  # run_transaction retries it on conflicts
            count = int(txn[calibration]) + 1
            txn[calibration] = b"%d" % count
            return count

        print(f"calibrations so far: {db.run_transaction(calibrate)}")

        # 8. Range delete and exact counts: sensor 7's first day goes with one range
        # tombstone, whatever it holds; counts stay exact.
        day = 24 * 60
        print(f"sensor 7 readings before: {db.count(key_of(7, 0), key_of(8, 0)):,}")
        db.delete_range(key_of(7, 0), key_of(7, day))
        print(f"after deleting its first day: {db.count(key_of(7, 0), key_of(8, 0)):,}")

        # 9. An online backup: a consistent copy, openable on its own.
        backup = path + ".backup"
        if os.path.isdir(backup):
            fresh_directory(backup)
        sequence = db.checkpoint(backup)
        with omendb.open(backup, read_only=True) as copy:
            print(f"checkpoint at sequence {sequence}: {len(copy):,} keys in {backup}")
        shutil.rmtree(backup)

        # 10. Durability and maintenance, then statistics.
        db.flush()
        db.compact()
        db.verify()
        stats = db.stats()
        print(f"stats: {stats.run_count} run file(s), {stats.cold_keys:,} keys in runs, "
              f"{stats.hot_keys:,} in memory, {stats.model_count} learned-model segment(s), "
              f"index {stats.bytes_per_key_index:.2f} bytes/key, last sequence {stats.last_sequence}")
        print(f"exact count {len(db):,}; approximate count {db.approximate_count:,}")

    # 11. Reopen read-only: everything is there; writes are refused.
    with omendb.open(path, read_only=True) as db:
        try:
            db[0] = b"x"
        except omendb.ReadOnlyError as error:
            print(f"read-only: {error}")
        print(f"reopened read-only: {len(db):,} keys, db[-1] = {db[-1]!r}")
    print("done")


if __name__ == "__main__":
    main()
