"""Type-checked, not run: what a user's code sees of the package's types.

`mypy --strict` over this file (bindings/python/ci.sh, scripts/test.sh python)
fails when a public signature loses precision: each assignment below names the
type a call must produce, and each `type: ignore[...]` marks a misuse the types
must reject (under --strict an ignore that is not needed is itself an error).
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Iterator, List, Optional, Tuple

import numpy as np

import omendb


def usage(path: str) -> None:
    db = omendb.open(path, sync="off", index_kind="pgm", hot_tier_bytes=1 << 20)
    mapping: MutableMapping[int, bytes] = db
    maybe: Optional[bytes] = db.get(1)
    value: bytes = db.get(1, b"")
    either: bytes | int = db.get(1, 0)
    item: bytes = db[1]
    popped: bytes = db.pop(1, b"")
    keys: Iterator[int] = iter(db)
    pairs: Iterator[Tuple[int, bytes]] = db.items(lo=0, hi=10, reverse=True)
    many: List[Optional[bytes]] = db.multi_get(np.arange(10, dtype=np.int64))
    arrays: omendb.ValueArrays = db.multi_get_arrays([1, 2, 3])
    offsets: np.ndarray = arrays.offsets
    scanned: omendb.ValueArrays = db.items_arrays(limit=100)
    with db.snapshot() as snapshot:
        view: Optional[memoryview] = snapshot.get(1)
        views: List[Optional[memoryview]] = snapshot.multi_get([1, 2])
    with db.transaction() as txn:
        read: Optional[bytes] = txn.get(1)
    db.update({2: b"two"})
    db.setdefault(3, b"three")
    counted: int = db.count(0, 10) + db.count()
    db.delete_range(0, 10)
    sequence: int = db.checkpoint(path + ".copy", copy=True, progress=lambda done, total: None)
    db.compact(progress=True)
    db.compact(progress=1)  # type: ignore[arg-type]
    db.delete_range("0", 1)  # type: ignore[arg-type]
    omendb.open(path, sync="fast")  # type: ignore[arg-type]
    omendb.open(path, cache_size=1)  # type: ignore[call-arg]
    db.get("1")  # type: ignore[call-overload]
    db[1] = "text"  # type: ignore[arg-type]
    table: omendb.Table = db.table("users", create=True)
    table_mapping: MutableMapping[int, bytes] = table
    table_value: Optional[bytes] = table.get(1)
    names: List[str] = db.tables()
    with db.write_batch() as batch:
        batch.table(table)[1] = b"one"
    with db.transaction() as txn:
        in_txn: omendb.TransactionTable = txn.table(table)
        table_read: Optional[bytes] = in_txn.get(1)
    db.drop_table("users")
    db.table(1)  # type: ignore[arg-type]
    del (mapping, maybe, value, either, item, popped, keys, pairs, many, arrays, offsets, scanned, view, views,
         read, counted, sequence, table_mapping, table_value, names, in_txn, table_read)
