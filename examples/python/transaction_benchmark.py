"""What a transaction costs from Python, next to the plain calls, in one run.

Prints: a point read in a transaction against Database.get; an empty read-only
transaction's begin + commit; a read-modify-write through run_transaction
against Database.put; and THREADS threads incrementing one counter through
run_transaction under serializable isolation (commits/s, conflicts). A scratch
database in a temporary directory, sync="off" (the figures are the binding and
engine, not the disk). Takes about 10 s.

    OMENDB_LIBRARY=$PWD/.build/release/libomendb.so python examples/python/transaction_benchmark.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
import timeit

try:
    import omendb
except ImportError:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bindings", "python"))
    import omendb

THREADS = 4
INCREMENTS = 500  # per thread


def best(function, number: int) -> float:
    """Seconds per call: the best of 5 timings of ``number`` calls."""
    return min(timeit.repeat(function, number=number, repeat=5)) / number


def main() -> None:
    with tempfile.TemporaryDirectory() as directory, omendb.open(directory + "/db", sync="off") as db:
        for key in range(10_000):
            db[key] = b"x" * 100
        get = best(lambda: db.get(4242), 200_000)
        with db.transaction(read_only=True) as txn:
            txn_get = best(lambda: txn.get(4242), 200_000)
        empty = best(lambda: db.transaction(read_only=True).commit(), 50_000)

        def read_modify_write(txn: omendb.Transaction) -> None:
            txn[7] = txn[7]

        rmw = best(lambda: db.run_transaction(read_modify_write), 50_000)
        put = best(lambda: db.put(7, b"x" * 100), 50_000)
        print(f"get: Database.get {get * 1e9:.0f} ns, Transaction.get {txn_get * 1e9:.0f} ns "
              f"({txn_get / get:.2f}x)")
        print(f"read-only transaction begin + commit: {empty * 1e9:.0f} ns ({empty / get:.1f} gets)")
        print(f"run_transaction(read + write): {rmw * 1e6:.1f} us; Database.put: {put * 1e6:.1f} us")

        db[0] = b"0"
        attempts = [0] * THREADS

        def work(index: int) -> None:
            def increment(txn: omendb.Transaction) -> None:
                attempts[index] += 1
                txn[0] = b"%d" % (int(txn[0]) + 1)

            for _ in range(INCREMENTS):
                db.run_transaction(increment, retries=1000)

        conflicts_before = db.stats().conflicts
        workers = [threading.Thread(target=work, args=(index,)) for index in range(THREADS)]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        elapsed = time.perf_counter() - started
        commits = THREADS * INCREMENTS
        assert db[0] == b"%d" % commits
        conflicts = db.stats().conflicts - conflicts_before
        print(f"{THREADS} threads x {INCREMENTS} increments of one counter (serializable): "
              f"{commits / elapsed:,.0f} commits/s, {sum(attempts)} attempts, {conflicts} conflicts "
              f"({conflicts / sum(attempts):.1%} of attempts)")


if __name__ == "__main__":
    main()
