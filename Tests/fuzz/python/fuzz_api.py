"""Fuzzes the argument handling of the omendb Python binding under atheris.

Every public call of Database, WriteBatch, Snapshot, Transaction and LearnedIndex gets arguments
of fuzzed types and values (ints of any size, bools, floats, strings, bytes-likes,
numpy arrays of assorted dtypes, shapes and strides, None, containers). The only
exceptions allowed out are the documented ones: omendb.Error subclasses (but not
InternalError), TypeError, ValueError, OverflowError, KeyError, IndexError. Any
other exception, or a crash of the process, is a failure.

    OMENDB_LIBRARY=.../libomendb.so PYTHONPATH=bindings/python \\
        python Tests/fuzz/python/fuzz_api.py -max_total_time=60

(Tests/fuzz/run.sh python does this.)
"""

import itertools
import os
import pickle
import shutil
import sys
import tempfile

import atheris
import numpy as np

with atheris.instrument_imports():
    import omendb

ALLOWED = (omendb.Error, TypeError, ValueError, OverflowError, KeyError, IndexError)
KINDS = ["pgm", "auto", "linear", "rmi", "alex"]
DTYPES = [np.int64, np.int32, np.uint64, np.uint8, np.float64, np.bool_, object]
# Opening a new database every so many inputs keeps the directory small.
REOPEN_EVERY = 2000


def number(fdp):
    """An integer around the interesting edges (int64, uint64, zero) or anywhere."""
    choice = fdp.ConsumeIntInRange(0, 5)
    if choice == 0:
        return fdp.ConsumeIntInRange(-3, 3)
    if choice == 1:
        return fdp.PickValueInList([2**63 - 1, -2**63, 2**63, -2**63 - 1, 2**64 - 1, 2**64, 2**31, 2**32])
    if choice == 2:
        return fdp.ConsumeInt(16)
    return fdp.ConsumeIntInRange(-1000, 100_000)


def array(fdp):
    """A numpy array: a fuzzed dtype, sometimes sorted, 2-D, strided, read-only or empty."""
    length = fdp.ConsumeIntInRange(0, 64)
    data = [number(fdp) for _ in range(length)]
    dtype = fdp.PickValueInList(DTYPES)
    try:
        result = np.array(data, dtype=dtype)
    except (OverflowError, ValueError):
        result = np.array(data, dtype=object)
    shape = fdp.ConsumeIntInRange(0, 4)
    if shape == 1 and result.dtype != object:
        result = np.sort(result)
    elif shape == 2 and length % 2 == 0:
        result = result.reshape(2, -1)
    elif shape == 3:
        result = result[::2]
    elif shape == 4:
        result.flags.writeable = False
    return result


def value(fdp, depth=0):
    """Any Python value a caller might pass."""
    choice = fdp.ConsumeIntInRange(0, 13)
    if choice <= 3:
        return number(fdp)
    if choice == 4:
        return fdp.ConsumeBool()
    if choice == 5:
        return fdp.PickValueInList([0.5, float("nan"), float("inf"), -0.0, 1e300])
    if choice == 6:
        return fdp.ConsumeUnicodeNoSurrogates(8)
    if choice == 7:
        return fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 300))
    if choice == 8:
        return bytearray(fdp.ConsumeBytes(8))
    if choice == 9:
        return memoryview(fdp.ConsumeBytes(16))[:: fdp.ConsumeIntInRange(1, 3)]
    if choice == 10:
        return None
    if choice == 11 and depth < 2:
        return [value(fdp, depth + 1) for _ in range(fdp.ConsumeIntInRange(0, 6))]
    if choice == 12 and depth < 2:
        return tuple(number(fdp) for _ in range(fdp.ConsumeIntInRange(0, 6)))
    return array(fdp)


def key(fdp):
    return number(fdp) if fdp.ConsumeIntInRange(0, 4) else value(fdp)


def keys(fdp):
    if fdp.ConsumeBool():
        return sorted(number(fdp) for _ in range(fdp.ConsumeIntInRange(0, 40)))
    return value(fdp)


def payload(fdp):
    return fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 200)) if fdp.ConsumeIntInRange(0, 3) else value(fdp)


class State:
    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="omendb-atheris-")
        self.inputs = 0
        self.db = None
        self.generation = 0
        self.index = omendb.LearnedIndex(np.arange(0, 3000, 3, dtype=np.int64))
        self.models = self.index.serialize()

    def database(self):
        if self.db is None or self.inputs % REOPEN_EVERY == 0:
            if self.db is not None:
                self.db.close()
                shutil.rmtree(self.db.path, ignore_errors=True)
            self.generation += 1
            self.db = omendb.Database(os.path.join(self.root, f"db{self.generation}"), sync="off",
                                      hot_tier_bytes=1 << 16)
        return self.db


STATE = None


def database_call(fdp, db):
    op = fdp.ConsumeIntInRange(0, 24)
    if op == 0:
        db.put(key(fdp), payload(fdp))
    elif op == 1:
        db[key(fdp)] = payload(fdp)
    elif op == 2:
        db.get(key(fdp), value(fdp))
    elif op == 3:
        _ = db[key(fdp)]
    elif op == 4:
        _ = key(fdp) in db
    elif op == 5:
        db.delete(key(fdp))
    elif op == 6:
        del db[key(fdp)]
    elif op == 7:
        db.multi_get(keys(fdp))
    elif op == 8:
        db.bulk_load(keys(fdp), [payload(fdp) for _ in range(fdp.ConsumeIntInRange(0, 8))]
                     if fdp.ConsumeBool() else value(fdp))
    elif op == 9:
        with db.write_batch() as batch:
            for _ in range(fdp.ConsumeIntInRange(0, 6)):
                if fdp.ConsumeBool():
                    batch.put(key(fdp), payload(fdp))
                else:
                    batch.delete(key(fdp))
            len(batch)
    elif op == 10:
        lo = key(fdp) if fdp.ConsumeBool() else None
        hi = key(fdp) if fdp.ConsumeBool() else None
        reverse = value(fdp) if fdp.ConsumeIntInRange(0, 3) == 0 else fdp.ConsumeBool()
        which = fdp.PickValueInList([db.items, db.keys, db.values])
        list(itertools.islice(which(lo, hi, reverse), fdp.ConsumeIntInRange(0, 50)))
    elif op == 11:
        with db.snapshot() as snapshot:
            snapshot.get(key(fdp))
            snapshot.multi_get(keys(fdp))
            snapshot.multi_get_bytes(keys(fdp))
            _ = key(fdp) in snapshot
            list(itertools.islice(snapshot.items(key(fdp) if fdp.ConsumeBool() else None), 20))
    elif op == 12:
        len(db)
        db.approximate_count()
        db.stats()
    elif op == 13:
        db.flush()
    elif op == 14:
        db.verify()
    elif op == 15:
        # A second handle on the same directory, with fuzzed options.
        options = {name: value(fdp) for name in ["read_only", "sync", "index_kind", "hot_tier_bytes", "max_value_size",
                                                 "create_if_missing", "error_if_exists"] if fdp.ConsumeBool()}
        omendb.Database(db.path, **options).close()
    elif op == 16:
        # A new directory with fuzzed options (or a path of a fuzzed type).
        options = {"sync": fdp.PickValueInList(["off", "normal", "full", value(fdp)])}
        if fdp.ConsumeBool():
            options["hot_tier_bytes"] = value(fdp)
        if fdp.ConsumeBool():
            options["max_value_size"] = value(fdp)
        path = os.path.join(STATE.root, "other") if fdp.ConsumeIntInRange(0, 3) else value(fdp)
        if isinstance(path, (str, bytes)) and path != os.path.join(STATE.root, "other"):
            return  # never create directories outside the scratch root
        with omendb.Database(path, **options) as other:
            other.put(number(fdp), payload(fdp))
    elif op == 17:
        db.get(key(fdp), default=None)
    elif op == 18:
        db.put(key(fdp), np.frombuffer(fdp.ConsumeBytes(16), dtype=np.uint8))
    elif op == 20:
        transaction_call(fdp, db)
    elif op == 21:
        result = db.multi_get_arrays(keys(fdp))
        if len(result.keys):
            result.value(fdp.ConsumeIntInRange(0, len(result.keys) - 1))
    elif op == 22:
        db.items_arrays(key(fdp) if fdp.ConsumeBool() else None, key(fdp) if fdp.ConsumeBool() else None,
                        reverse=fdp.ConsumeBool(), limit=value(fdp) if fdp.ConsumeBool() else None)
    elif op == 23:
        # The MutableMapping methods, with fuzzed keys and values.
        which = fdp.ConsumeIntInRange(0, 3)
        if which == 0:
            db.pop(key(fdp), None) if fdp.ConsumeBool() else db.pop(key(fdp))
        elif which == 1:
            db.setdefault(key(fdp), payload(fdp))
        elif which == 2:
            db.update({key(fdp): payload(fdp) for _ in range(fdp.ConsumeIntInRange(0, 4))})
        else:
            list(itertools.islice(iter(db), 10))
    elif op == 24:
        range_call(fdp, db)
    else:
        _ = db[value(fdp)]


def range_call(fdp, db):
    """Range deletes, counts, checkpoints and progress callbacks (which cancel by
    raising after a fuzzed number of reports), with fuzzed bounds and arguments."""
    lo = key(fdp) if fdp.ConsumeBool() else None
    hi = key(fdp) if fdp.ConsumeBool() else None
    reports = []
    stop_after = fdp.ConsumeIntInRange(0, 4)

    def progress(done, total):
        reports.append((done, total))
        if len(reports) > stop_after:
            raise KeyError("cancelled by the fuzzer")

    chosen = fdp.PickValueInList([progress, None, True, value(fdp)])
    which = fdp.ConsumeIntInRange(0, 5)
    if which == 0:
        db.delete_range(lo, hi)
    elif which == 1:
        db.count(lo, hi)
    elif which == 2:
        with db.write_batch() as batch:
            batch.put(key(fdp), payload(fdp))
            batch.delete_range(lo, hi)
    elif which == 3:
        with db.snapshot() as snapshot:
            snapshot.count(lo, hi)
    elif which == 4:
        fdp.PickValueInList([db.compact, db.verify])(progress=chosen)
    else:
        path = os.path.join(STATE.root, "checkpoint")
        try:
            db.checkpoint(path, copy=fdp.ConsumeBool(), progress=chosen)
        finally:
            shutil.rmtree(path, ignore_errors=True)


def transaction_call(fdp, db):
    """A transaction with fuzzed options and operations, ended every possible way
    (and then used again)."""
    isolation = fdp.PickValueInList(["serializable", "repeatable read", "READ_COMMITTED", "read-uncommitted",
                                     value(fdp)])
    read_only = fdp.PickValueInList([False, True, value(fdp)])
    txn = db.transaction(isolation, read_only) if fdp.ConsumeBool() else db.transaction(isolation=isolation)
    iterator = None
    for _ in range(fdp.ConsumeIntInRange(0, 8)):
        op = fdp.ConsumeIntInRange(0, 7)
        if op == 0:
            txn[key(fdp)] = payload(fdp)
        elif op == 1:
            txn.get(key(fdp), value(fdp))
        elif op == 2:
            _ = txn[key(fdp)]
        elif op == 3:
            txn.delete(key(fdp)) if fdp.ConsumeBool() else txn.__delitem__(key(fdp))
        elif op == 4:
            lo = key(fdp) if fdp.ConsumeBool() else None
            hi = key(fdp) if fdp.ConsumeBool() else None
            which = fdp.PickValueInList([txn.items, txn.keys, txn.values])
            iterator = which(lo, hi, fdp.ConsumeBool())
            list(itertools.islice(iterator, fdp.ConsumeIntInRange(0, 20)))
        elif op == 5:
            db.put(key(fdp), payload(fdp))  # a concurrent commit
        elif op == 6:
            _ = key(fdp) in txn
        else:
            list(itertools.islice(iterator, 5)) if iterator is not None else None
    end = fdp.ConsumeIntInRange(0, 3)
    if end == 0:
        txn.commit()
    elif end == 1:
        txn.rollback()
    elif end == 2:
        db.run_transaction(lambda again: again.get(key(fdp)), retries=value(fdp))
        return  # txn is dropped: collected, rolled back
    txn.get(key(fdp))  # raises MisuseError once ended


def index_call(fdp):
    op = fdp.ConsumeIntInRange(0, 11)
    index = STATE.index
    if op == 0:
        built = omendb.LearnedIndex(keys(fdp), kind=fdp.PickValueInList(KINDS + [value(fdp)]),
                                    epsilon=number(fdp) if fdp.ConsumeBool() else 64,
                                    recursive_epsilon=number(fdp) if fdp.ConsumeBool() else 4,
                                    rmi_leaves=number(fdp) if fdp.ConsumeBool() else 0,
                                    search=fdp.PickValueInList(["branchy", "branchless", value(fdp)]),
                                    copy=fdp.PickValueInList([True, False, value(fdp)]))
        with built:
            built.find(key(fdp))
            built.lower_bound(key(fdp))
            built.find_batch(keys(fdp))
            models = built.serialize()
            omendb.LearnedIndex.load(built.keys, models).close()
            pickle.loads(pickle.dumps(built)).close()
    elif op == 1:
        index.find(key(fdp))
    elif op == 2:
        index.lower_bound(key(fdp))
    elif op == 3:
        index.range(key(fdp), key(fdp))
    elif op == 4:
        index.slice(key(fdp), key(fdp))
    elif op == 5:
        out = array(fdp) if fdp.ConsumeBool() else None
        index.find_batch(keys(fdp), out=out)
    elif op == 6:
        out = array(fdp) if fdp.ConsumeBool() else None
        index.lower_bound_batch(keys(fdp), out=out)
    elif op == 7:
        # Damaged or foreign models over the index's keys or fuzzed keys.
        models = bytearray(STATE.models)
        for _ in range(fdp.ConsumeIntInRange(0, 4)):
            models[fdp.ConsumeIntInRange(0, len(models) - 1)] = fdp.ConsumeIntInRange(0, 255)
        source = fdp.PickValueInList([bytes(models), models, memoryview(models)[::2], value(fdp)])
        target = index.keys if fdp.ConsumeBool() else keys(fdp)
        omendb.LearnedIndex.load(target, source, copy=fdp.PickValueInList([True, False, value(fdp)])).close()
    elif op == 8:
        _ = key(fdp) in index
    elif op == 9:
        index.stats
        repr(index)
        len(index)
    elif op == 10:
        closed = omendb.LearnedIndex(np.arange(10, dtype=np.int64))
        closed.close()
        closed.find(key(fdp))
    else:
        omendb.LearnedIndex(value(fdp), kind=value(fdp))


def test_one_input(data):
    global STATE
    if STATE is None:
        STATE = State()
    STATE.inputs += 1
    fdp = atheris.FuzzedDataProvider(data)
    db = STATE.database()
    for _ in range(fdp.ConsumeIntInRange(1, 4)):
        try:
            if fdp.ConsumeBool():
                database_call(fdp, db)
            else:
                index_call(fdp)
        except omendb.InternalError:
            raise
        except ALLOWED:
            pass


def main():
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
