#!/usr/bin/env python3
"""Differential test: random SQL against an ``omendb`` virtual table and against an
ordinary SQLite table of the same schema, in one connection; every result must agree.

    python3 Tests/sql/differential.py                        # random seed, printed
    python3 Tests/sql/differential.py --seed 42 --statements 3000
    python3 Tests/sql/differential.py --native               # the harness alone (no module)

Each workload starts from a fresh OmenDB directory and runs ``--statements``
statements for one key distribution (sequential, uniform, lognormal, clustered with
gaps, the Int64 extremes, an empty table). A statement is generated as a pair (the
form for the virtual table ``v``, the form for the reference table ``r``; they differ
only in the table name, and for upserts, which SQLite refuses on virtual tables: the
reference's ``ON CONFLICT DO NOTHING`` / ``DO UPDATE`` of every column is the virtual
table's ``INSERT OR IGNORE`` / ``OR REPLACE``). Transaction control (BEGIN, COMMIT,
ROLLBACK, SAVEPOINT, RELEASE, ROLLBACK TO) runs once and covers both tables.

Compared per statement: the rows (in order when the query has ORDER BY, as a sorted
multiset otherwise), or the error class (constraint violation vs other error), and
the connection's transaction state. Every query with a key predicate is also checked
with EXPLAIN QUERY PLAN: the virtual table must receive the constraint (never a full
scan). On a mismatch the seed, the statement, both results and a minimal repro (the
shortest statement sequence found by delta debugging that still disagrees) are printed
and the exit status is 1.

After the statements, each workload adds two columns of a random type and DEFAULT to
both tables (``omendb_add_column`` on ``v``, SQLite's own ``ALTER TABLE ... ADD
COLUMN`` on ``r``), then updates a key range and inserts a row naming every column:
the rows stored before must read the same defaults, and the new ones the same values.

``--native`` replaces the virtual table by a ``WITHOUT ROWID`` table: a different
storage path of SQLite's own, which keeps the generator and comparison honest
without the module (statements whose rowid-table semantics differ by design, an
INSERT without id or a non-integer id, are then not generated).

The connection comes from ``omendb.sql.connect`` (libomendb_sql via
$OMENDB_SQL_LIBRARY or the places that function searches).
"""

from __future__ import annotations

import argparse
import math
import os
import random
import re
import shutil
import sqlite3
import struct
import sys
import tempfile
import time
from typing import Callable, Dict, List, Optional, Sequence, Tuple

INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1

COLUMNS = "id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c REAL, d BLOB"
DISTRIBUTIONS = ("sequential", "uniform", "lognormal", "clustered", "extremes", "empty")

# A generated statement: (SQL for v, SQL for r, parameters, kind). kind is "query"
# (compare rows as a multiset), "ordered" (compare rows in order), "write", "keyless"
# (an INSERT without id: v's key allocator picks the key like a sequence, never
# reusing one, where SQLite takes max + 1; r gets the key v took, read with
# last_insert_rowid()), "control" (transaction control: run once) or "refused" (v must
# fail, r is not run).
Statement = Tuple[str, str, Tuple[object, ...], str]
Outcome = Tuple[str, object]


class Keys:
    """Draws keys of one distribution; remembers the keys it handed out for inserts
    so that lookups, deletes and duplicate inserts hit existing rows."""

    def __init__(self, distribution: str, rng: random.Random) -> None:
        self.distribution = distribution
        self.rng = rng
        self.used: List[int] = []
        self.next_sequential = rng.randrange(-1000, 1000)
        self.clusters = [rng.randrange(-(1 << 40), 1 << 40) for _ in range(8)]

    def fresh(self) -> int:
        rng = self.rng
        d = self.distribution
        if d == "sequential":
            self.next_sequential += 1
            key = self.next_sequential
        elif d == "uniform":
            key = rng.randrange(INT64_MIN, INT64_MAX + 1)
        elif d == "lognormal":
            key = min(INT64_MAX, int(rng.lognormvariate(0, 4) * 1000))
        elif d == "clustered":
            base = rng.choice(self.clusters)
            key = base + rng.randrange(0, 200) * rng.choice((1, 1, 1, 7, 1000))
        elif d == "extremes":
            key = rng.choice((INT64_MIN, INT64_MIN + 1, INT64_MIN + 2, -1, 0, 1,
                              INT64_MAX - 2, INT64_MAX - 1, INT64_MAX,
                              rng.randrange(INT64_MIN, INT64_MIN + 50), rng.randrange(INT64_MAX - 50, INT64_MAX + 1)))
        else:  # empty: keys are only ever probed
            key = rng.randrange(-100, 100)
        if d != "empty":
            self.used.append(key)
        return key

    def any(self) -> int:
        """An existing key (most of the time), a neighbour of one, or a fresh one."""
        rng = self.rng
        if self.used and rng.random() < 0.7:
            key = rng.choice(self.used)
            if rng.random() < 0.2:
                key = max(INT64_MIN, min(INT64_MAX, key + rng.choice((-1, 1))))
            return key
        return self.fresh() if self.distribution != "empty" else rng.randrange(-100, 100)

    def range(self, narrow: bool = False) -> Tuple[int, int]:
        lo = self.any()
        width = self.rng.choice((0, 1, 5, 50) if narrow else (0, 1, 5, 50, 1000, 1 << 20, 1 << 62))
        hi = min(INT64_MAX, lo + width)
        if self.rng.random() < 0.1:
            lo, hi = hi, lo  # an empty range
        return lo, hi


class Generator:
    def __init__(self, distribution: str, rng: random.Random, native: bool) -> None:
        self.rng = rng
        self.keys = Keys(distribution, rng)
        self.native = native
        self.distribution = distribution
        self.depth = 0          # savepoints open
        self.in_transaction = False
        self.savepoint_names: List[str] = []

    # -- values ----------------------------------------------------------------

    def value(self, column: str) -> object:
        rng = self.rng
        if rng.random() < 0.15:
            return None
        if column == "a":
            return rng.choice((rng.randrange(-100, 100), rng.randrange(INT64_MIN, INT64_MAX + 1)))
        if column == "b":
            return "".join(rng.choice("abcxyz é") for _ in range(rng.randrange(0, 12)))
        if column == "c":
            return rng.choice((rng.uniform(-1e6, 1e6), 0.5, -0.0, 1e300, float(rng.randrange(-10, 10))))
        return bytes(rng.randrange(256) for _ in range(rng.choice((0, 1, 8, 100, 3000))))

    def row(self, key: Optional[int]) -> Tuple[object, ...]:
        return (key, self.value("a"), self.value("b"), self.value("c"), self.value("d"))

    def key_predicate(self, narrow: bool = False) -> Tuple[str, Tuple[object, ...]]:
        """A predicate on id; ``narrow``: mostly points and bounded ranges (for writes)."""
        rng = self.rng
        shape = rng.randrange(5 if narrow and rng.random() < 0.9 else 9)
        if shape == 0:
            return "id = ?", (self.keys.any(),)
        if shape == 1:
            keys = tuple(self.keys.any() for _ in range(rng.choice((1, 2, 5, 30))))
            return f"id IN ({', '.join('?' * len(keys))})", keys
        lo, hi = self.keys.range(narrow)
        if shape == 2:
            return "id BETWEEN ? AND ?", (lo, hi)
        if shape == 3:
            return "id >= ? AND id < ?", (lo, hi)
        if shape == 4:
            return "id > ? AND id <= ?", (lo, hi)
        if shape == 5:
            return "id > ?", (lo,)
        if shape == 6:
            return "id <= ?", (hi,)
        if shape == 7:
            return "id < ?", (hi,)
        return "id >= ?", (lo,)

    # -- statements --------------------------------------------------------------

    def same(self, sql: str, params: Tuple[object, ...], kind: str) -> Statement:
        return sql.replace("{T}", "v"), sql.replace("{T}", "r"), params, kind

    def insert(self) -> Statement:
        rng = self.rng
        choice = rng.randrange(10)
        if self.distribution == "empty":
            choice = 9  # INSERT ... SELECT from the (empty) table itself: adds nothing
        rows = [self.row(self.keys.fresh() if rng.random() < 0.7 else self.keys.any())
                for _ in range(rng.choice((1, 1, 1, 3, 10)))]
        if choice in (0, 1, 2):
            values = ", ".join("(?, ?, ?, ?, ?)" for _ in rows)
            params = tuple(x for row in rows for x in row)
            return self.same(f"INSERT INTO {{T}}(id, a, b, c, d) VALUES {values}", params, "write")
        if choice == 3:
            return self.same("INSERT OR IGNORE INTO {T}(id, a, b, c, d) VALUES (?, ?, ?, ?, ?)", rows[0], "write")
        if choice == 4:
            return self.same("INSERT OR REPLACE INTO {T}(id, a, b, c, d) VALUES (?, ?, ?, ?, ?)", rows[0], "write")
        if choice == 5:
            # Upserts: SQLite refuses them on virtual tables; the equivalent conflict clause.
            return ("INSERT OR IGNORE INTO v(id, a, b, c, d) VALUES (?, ?, ?, ?, ?)",
                    "INSERT INTO r(id, a, b, c, d) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", rows[0], "write")
        if choice == 6:
            return ("INSERT OR REPLACE INTO v(id, a, b, c, d) VALUES (?, ?, ?, ?, ?)",
                    "INSERT INTO r(id, a, b, c, d) VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
                    "a = excluded.a, b = excluded.b, c = excluded.c, d = excluded.d", rows[0], "write")
        if choice == 7 and not self.native:
            if rng.random() < 0.5 and self.distribution not in ("extremes", "uniform"):
                # No id: v allocates the key; r is given the same one.
                return ("INSERT INTO v(a, b, c, d) VALUES (?, ?, ?, ?)", "INSERT INTO r(id, a, b, c, d) VALUES (?, ?, ?, ?, ?)",
                        rows[0][1:], "keyless")
            bad = rng.choice(("12x", 1.5, b"\x01", "7", float(INT64_MIN), float(INT64_MAX), 2.0))
            return self.same("INSERT INTO {T}(id, a) VALUES (?, 1)", (bad,), "write")
        if choice == 8:
            # INSERT ... SELECT from the native join table (shifted keys).
            # Keys overflowing to REAL are a datatype mismatch for the rowid (not for WITHOUT ROWID).
            offset = rng.choice((0, 1, -3, 1000))
            guard = " AND k BETWEEN ? AND ?" if self.native else ""
            extra: Tuple[object, ...] = (max(INT64_MIN, INT64_MIN - offset),
                                         min(INT64_MAX, INT64_MAX - offset)) if self.native else ()
            return self.same(f"INSERT INTO {{T}}(id, a, b) SELECT k + ?, length(w), w FROM j WHERE k BETWEEN ? AND ?"
                             f"{guard}", (offset,) + tuple(sorted(self.keys.range())) + extra, "write")
        # INSERT ... SELECT from the table itself (conflicts abort the whole statement).
        shift = rng.choice((1, 2, 100, 1 << 32))
        lo, hi = self.keys.range()
        return self.same(f"INSERT {rng.choice(('', 'OR IGNORE ', 'OR REPLACE '))}INTO {{T}}(id, a, b, c, d) "
                         "SELECT id + ?, a, b, c, d FROM {T} WHERE id BETWEEN ? AND ? AND id <= ? - ?",
                         (shift, lo, hi, INT64_MAX, shift), "write")

    def update(self) -> Statement:
        rng = self.rng
        predicate, params = self.key_predicate(narrow=True)
        if rng.random() < 0.3:
            shift = rng.choice((1, -1, 10, 1 << 20))
            guard = "id <= ? - ?" if shift > 0 else "id >= ? - ?"
            bound = INT64_MAX if shift > 0 else INT64_MIN
            return self.same(f"UPDATE {{T}} SET id = id + ? WHERE {predicate} AND {guard}",
                             (shift,) + params + (bound, shift), "write")
        if rng.random() < 0.1:
            key = self.keys.any()
            return self.same(f"UPDATE {{T}} SET id = ? WHERE {predicate}", (key,) + params, "write")
        column = rng.choice("abcd")
        if column == "a" and rng.random() < 0.5:
            return self.same(f"UPDATE {{T}} SET a = coalesce(a, 0) / 2 + 1, b = b || 'u' WHERE {predicate}",
                             params, "write")
        return self.same(f"UPDATE {{T}} SET {column} = ? WHERE {predicate}", (self.value(column),) + params, "write")

    def delete(self) -> Statement:
        predicate, params = self.key_predicate(narrow=True)
        if self.rng.random() < 0.2:
            return self.same(f"DELETE FROM {{T}} WHERE {predicate} AND a > ?", params + (0,), "write")
        return self.same(f"DELETE FROM {{T}} WHERE {predicate}", params, "write")

    def select(self) -> Statement:
        rng = self.rng
        predicate, params = self.key_predicate()
        columns = rng.choice(("*", "id", "id, b", "d, c, a"))
        shape = rng.randrange(10)
        if shape < 4:
            return self.same(f"SELECT {columns} FROM {{T}} WHERE {predicate}", params, "query")
        if shape < 7:
            order = rng.choice(("ASC", "DESC"))
            limit = ""
            extra: Tuple[object, ...] = ()
            if rng.random() < 0.7:
                limit = " LIMIT ?"
                extra = (rng.choice((0, 1, 3, 10, 100, -1)),)
                if rng.random() < 0.5:
                    limit += " OFFSET ?"
                    extra += (rng.choice((0, 1, 5, 50)),)
            where = f" WHERE {predicate}" if rng.random() < 0.8 else ""
            if not where:
                params = ()
            return self.same(f"SELECT {columns} FROM {{T}}{where} ORDER BY id {order}{limit}",
                             params + extra, "ordered")
        if shape == 7:
            return self.same(f"SELECT count(*), sum(a), min(id), max(id), total(c), count(d), "
                             f"group_concat(b, ',') FILTER (WHERE b IS NOT NULL) "
                             f"FROM (SELECT * FROM {{T}} WHERE {predicate} ORDER BY id)", params, "query")
        if shape == 8:
            return self.same(f"SELECT a % 3, count(*), max(id) FROM {{T}} WHERE {predicate} GROUP BY a % 3",
                             params, "query")
        # Joins with the native table, the virtual table on either side.
        if rng.random() < 0.5:
            return self.same("SELECT j.k, j.w, {T}.b FROM j JOIN {T} ON {T}.id = j.k", (), "query")
        return self.same(f"SELECT {{T}}.id, j.w FROM {{T}} LEFT JOIN j ON j.k = {{T}}.id WHERE {{T}}.{predicate}",
                         params, "query")

    def control(self) -> Optional[Statement]:
        rng = self.rng
        if not self.in_transaction:
            self.in_transaction = True
            return "BEGIN", "", (), "control"
        if self.savepoint_names and rng.random() < 0.5:
            name = rng.choice(self.savepoint_names)
            if rng.random() < 0.6:
                # Cancels the savepoints opened after it; it stays open itself.
                del self.savepoint_names[self.savepoint_names.index(name) + 1:]
                return f"ROLLBACK TO {name}", "", (), "control"
            del self.savepoint_names[self.savepoint_names.index(name):]
            return f"RELEASE {name}", "", (), "control"
        if rng.random() < 0.4:
            name = f"s{len(self.savepoint_names)}"
            if name not in self.savepoint_names:
                self.savepoint_names.append(name)
            return f"SAVEPOINT {name}", "", (), "control"
        self.in_transaction = False
        self.savepoint_names = []
        return rng.choice(("COMMIT", "ROLLBACK")), "", (), "control"

    def next(self) -> Statement:
        rng = self.rng
        r = rng.random()
        if r < 0.06:
            statement = self.control()
            if statement is not None:
                return statement
        if r < 0.01 and not self.native:
            return ("INSERT INTO v(id) VALUES (1) ON CONFLICT DO NOTHING", "", (), "refused")
        if r < 0.35:
            return self.insert()
        if r < 0.45:
            return self.update()
        if r < 0.52:
            return self.delete()
        return self.select()


# -- running -----------------------------------------------------------------------

def classify(error: sqlite3.Error) -> str:
    if isinstance(error, sqlite3.IntegrityError):
        return "constraint"
    return "error"


def run(conn: sqlite3.Connection, sql: str, params: Sequence[object], ordered: bool) -> Outcome:
    try:
        rows = conn.execute(sql, params).fetchall()
    except sqlite3.Error as error:
        return classify(error), str(error)
    if not ordered:
        rows.sort(key=sort_key)
    return "ok", rows


def sort_key(row: Tuple[object, ...]) -> str:
    """A total order for multisets of rows; -0.0 sorts as 0.0 (they are equal in SQL:
    SQLite's REAL columns store integral reals as integers, so a native table reads
    -0.0 back as 0.0 while a virtual table may keep the sign)."""
    return repr(tuple(0.0 if isinstance(x, float) and x == 0 else x for x in row))


def describe(outcome: Outcome, other: Outcome) -> str:
    """An outcome for a mismatch report: errors whole, rows as a count plus the first
    row that differs from ``other`` (long values shortened)."""
    if outcome[0] != "ok" or not isinstance(outcome[1], list):
        return repr(outcome)
    rows = outcome[1]
    theirs = other[1] if other[0] == "ok" and isinstance(other[1], list) else []
    index = next((i for i, row in enumerate(rows) if i >= len(theirs) or not _same_with_nan(row, theirs[i])),
                 len(rows))
    first = _shorten(rows[index]) if index < len(rows) else "(none: a prefix of the other)"
    return f"{len(rows)} rows; first difference at row {index}: {first}"


def _shorten(row: object) -> str:
    text = repr(row)
    return text if len(text) <= 300 else text[:300] + "..."


def same_outcome(a: Outcome, b: Outcome) -> bool:
    if a[0] != b[0]:
        return False
    if a[0] != "ok":
        return True  # errors compare by class
    return a[1] == b[1] or _same_with_nan(a[1], b[1])


def _same_with_nan(x: object, y: object) -> bool:
    if isinstance(x, float) and isinstance(y, float):
        return x == y or (math.isnan(x) and math.isnan(y))
    if isinstance(x, (list, tuple)) and isinstance(y, (list, tuple)) and len(x) == len(y):
        return all(_same_with_nan(p, q) for p, q in zip(x, y))
    return bool(x == y)


KEY_PLAN = re.compile(r"SCAN v VIRTUAL TABLE INDEX (-?\d+):(.*)")


def check_plan(conn: sqlite3.Connection, sql: str, params: Sequence[object], native: bool) -> Optional[str]:
    """None when the plan reads ``v`` through its key; otherwise the plan."""
    details = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()]
    for detail in details:
        if native:
            if re.match(r"(SCAN|SEARCH) v\b", detail):
                if detail.startswith("SEARCH v USING PRIMARY KEY"):
                    return None
                return "; ".join(details)
        else:
            match = KEY_PLAN.match(detail)
            if match:
                return None if (match.group(1) != "0" or match.group(2)) else "; ".join(details)
    return "; ".join(details) or "(no plan)"


class Session:
    """A fresh connection: the OmenDB directory, v, r and the join table j."""

    def __init__(self, native: bool, seed: int) -> None:
        self.directory = tempfile.mkdtemp(prefix="omendb-sqldiff-")
        self.native = native
        if native:
            self.conn = sqlite3.connect(":memory:", isolation_level=None)
            self.conn.execute(f"CREATE TABLE v({COLUMNS}) WITHOUT ROWID")
        else:
            import omendb.sql
            self.conn = omendb.sql.connect(os.path.join(self.directory, "db"), isolation_level=None)
            self.conn.execute(f"CREATE VIRTUAL TABLE v USING omendb({COLUMNS})")
        self.conn.execute(f"CREATE TABLE r({COLUMNS})")
        self.conn.execute("CREATE TABLE j(k INTEGER PRIMARY KEY, w TEXT)")
        rng = random.Random(seed)
        join_keys = set()
        for _ in range(60):
            join_keys.add(rng.randrange(-50, 50))
        self.join_rows = [(k, f"w{k}") for k in sorted(join_keys)]

    def close(self) -> None:
        self.conn.close()
        shutil.rmtree(self.directory, ignore_errors=True)


def reference_params(conn: sqlite3.Connection, statement: Statement, v_out: Outcome) -> Tuple[object, ...]:
    """The parameters for r: a keyless insert gets the key v's insert took (after a
    failed insert on v, r's insert without that key runs, so that the outcomes differ)."""
    params = statement[2]
    if statement[3] != "keyless":
        return params
    key = conn.execute("SELECT last_insert_rowid()").fetchone()[0] if v_out[0] == "ok" else None
    return (key,) + tuple(params)


def execute(session: Session, statement: Statement, check_plans: bool) -> Optional[str]:
    """Runs one statement on both sides; a description of the disagreement, or None."""
    conn = session.conn
    v_sql, r_sql, params, kind = statement
    if kind == "control":
        outcome = run(conn, v_sql, params, True)
        return None if outcome[0] == "ok" else f"{v_sql} failed: {outcome[1]}"
    if kind == "refused":
        outcome = run(conn, v_sql, params, True)
        return None if outcome[0] != "ok" else f"{v_sql} succeeded; SQLite refuses UPSERT on virtual tables"
    ordered = kind == "ordered"
    before = conn.in_transaction
    v_out = run(conn, v_sql, params, ordered)
    v_txn = conn.in_transaction
    r_out = run(conn, r_sql, reference_params(conn, statement, v_out), ordered)
    if not same_outcome(v_out, r_out):
        return f"v: {describe(v_out, r_out)}\n  r: {describe(r_out, v_out)}"
    if v_txn != before:
        return f"the statement on v changed the transaction state ({before} -> {v_txn})"
    if check_plans and kind in ("query", "ordered", "write") and " WHERE " in v_sql and \
            not v_sql.startswith("INSERT") and " JOIN " not in v_sql and "WHERE id" in v_sql \
            and " OR " not in v_sql.split("WHERE", 1)[1]:
        problem = check_plan(conn, v_sql, params, session.native)
        if problem is not None:
            return f"full scan of v for a key predicate: {problem}"
    return None


def replay(statements: Sequence[Statement], native: bool, seed: int) -> bool:
    """True when the last statement still disagrees after the others replayed."""
    session = Session(native, seed)
    try:
        session.conn.executemany("INSERT OR IGNORE INTO j VALUES (?, ?)", session.join_rows)
        for statement in statements[:-1]:
            conn = session.conn
            if statement[3] in ("control", "refused"):
                run(conn, statement[0], statement[2], True)
            else:
                v_out = run(conn, statement[0], statement[2], False)
                run(conn, statement[1], reference_params(conn, statement, v_out), False)
        return execute(session, statements[-1], True) is not None
    finally:
        session.close()


def minimize(history: List[Statement], native: bool, seed: int, budget: float) -> List[Statement]:
    """Delta debugging over the statements before the failing one (bounded by time)."""
    deadline = time.monotonic() + budget
    prefix, last = history[:-1], history[-1]
    chunk = max(1, len(prefix) // 2)
    while chunk >= 1 and time.monotonic() < deadline:
        i = 0
        changed = False
        while i < len(prefix) and time.monotonic() < deadline:
            candidate = prefix[:i] + prefix[i + chunk:]
            if replay(candidate + [last], native, seed):
                prefix = candidate
                changed = True
            else:
                i += chunk
        if not changed:
            chunk //= 2
    return prefix + [last]


def render(statement: Statement) -> str:
    v_sql, r_sql, params, kind = statement

    def inline(sql: str) -> str:
        out = sql
        for p in params:
            if p is None:
                text = "NULL"
            elif isinstance(p, bytes):
                text = "x'" + p.hex() + "'"
            elif isinstance(p, str):
                text = "'" + p.replace("'", "''") + "'"
            elif isinstance(p, float):
                text = repr(struct.unpack("<d", struct.pack("<d", p))[0])
            else:
                text = str(p)
            out = out.replace("?", text, 1)
        return out + ";"

    if kind in ("control", "refused"):
        return inline(v_sql)
    return f"{inline(v_sql)}\n    -- reference: {inline(r_sql)}"


ADDED_COLUMNS = ("INTEGER DEFAULT '7'", "TEXT DEFAULT 5", "REAL DEFAULT -1", "BLOB DEFAULT x'00ff'", "TEXT",
                 "NUMERIC DEFAULT '2.0'", "DEFAULT 'x'", "INTEGER DEFAULT NULL")


def add_columns(session: Session, generator: Generator, rng: random.Random) -> Optional[str]:
    """Adds two columns to v (omendb_add_column; ALTER TABLE when native) and to r
    (SQLite's ALTER TABLE ... ADD COLUMN): the rows stored before read the same
    defaults, and rows written after store the new columns the same way."""
    conn = session.conn
    if conn.in_transaction:
        conn.execute("COMMIT")
    for name in ("e", "f"):
        definition = f"{name} {rng.choice(ADDED_COLUMNS)}"
        if session.native:
            conn.execute(f"ALTER TABLE v ADD COLUMN {definition}")
        else:
            conn.execute("SELECT omendb_add_column('v', ?)", (definition,))
        conn.execute(f"ALTER TABLE r ADD COLUMN {definition}")
        low, high = generator.keys.range()
        value = generator.value(rng.choice("abcd"))
        key = generator.keys.fresh()
        row = generator.row(key) + (value,) * (2 if name == "f" else 1)
        places = ", ".join("?" * len(row))
        writes = [(f"UPDATE {{T}} SET {name} = ? WHERE id BETWEEN ? AND ?", (value, low, high)),
                  (f"INSERT OR REPLACE INTO {{T}} VALUES ({places})", row)]
        for sql, params in writes:
            outcomes = [run(conn, sql.replace("{T}", table), params, False) for table in ("v", "r")]
            if not same_outcome(*outcomes):
                return f"{definition}: {sql} {params}: {describe(*outcomes)}"
        for sql in ("SELECT * FROM {T} ORDER BY id", f"SELECT {name}, typeof({name}), count(*) FROM {{T}} GROUP BY 1, 2"):
            outcomes = [run(conn, sql.replace("{T}", table), (), "ORDER BY" in sql) for table in ("v", "r")]
            if not same_outcome(*outcomes):
                return f"{definition}: {sql}: {describe(*outcomes)}"
    return None


def workload(distribution: str, seed: int, count: int, native: bool, check_plans: bool) -> Tuple[bool, Dict[str, int]]:
    rng = random.Random(seed)
    session = Session(native, seed)
    generator = Generator(distribution, rng, native)
    stats: Dict[str, int] = {}
    history: List[Statement] = []
    try:
        session.conn.executemany("INSERT OR IGNORE INTO j VALUES (?, ?)", session.join_rows)
        if distribution != "empty":
            # j also holds some of the workload's keys, inserted into v and r by INSERT ... SELECT.
            extra = [generator.keys.fresh() for _ in range(40)]
            session.conn.executemany("INSERT OR IGNORE INTO j VALUES (?, ?)", [(k, f"w{k}") for k in extra])
            history.extend((f"INSERT OR IGNORE INTO j VALUES ({k}, 'w{k}')", "", (), "control") for k in extra)
        for index in range(count):
            statement = generator.next()
            history.append(statement)
            stats[statement[3]] = stats.get(statement[3], 0) + 1
            problem = execute(session, statement, check_plans)
            if problem is not None:
                print(f"MISMATCH distribution={distribution} seed={seed} statement #{index}:")
                print(f"  {render(statement)}")
                print(f"  {problem}")
                session.close()
                session = None  # type: ignore[assignment]
                print("minimizing (replaying on fresh databases)...", flush=True)
                repro = minimize(history, native, seed, budget=60.0)
                print(f"minimal repro ({len(repro)} statements; the schema: v USING omendb({COLUMNS}), r({COLUMNS}), "
                      f"j(k INTEGER PRIMARY KEY, w TEXT) holding (k, 'w' || k) for 60 draws of "
                      f"random.Random({seed}).randrange(-50, 50)):")
                for s in repro:
                    print(f"  {render(s)}")
                return False, stats
        # The final contents agree too (what no query happened to look at).
        v_all = run(session.conn, "SELECT * FROM v ORDER BY id", (), True)
        r_all = run(session.conn, "SELECT * FROM r ORDER BY id", (), True)
        if not same_outcome(v_all, r_all):
            print(f"MISMATCH distribution={distribution} seed={seed}: final contents differ "
                  f"(v {len(v_all[1]) if v_all[0] == 'ok' else v_all}, "
                  f"r {len(r_all[1]) if r_all[0] == 'ok' else r_all} rows)")
            return False, stats
        stats["rows"] = len(r_all[1]) if isinstance(r_all[1], list) else 0
        problem = add_columns(session, generator, rng)
        if problem is not None:
            print(f"MISMATCH distribution={distribution} seed={seed} after adding columns: {problem}")
            return False, stats
        return True, stats
    finally:
        if session is not None:
            session.close()


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=None, help="base seed (default: random, printed)")
    parser.add_argument("--statements", type=int, default=2000, help="statements per distribution")
    parser.add_argument("--distribution", action="append", choices=DISTRIBUTIONS,
                        help="only these distributions (repeatable; default all)")
    parser.add_argument("--native", action="store_true",
                        help="a WITHOUT ROWID table instead of the omendb module (checks the harness)")
    parser.add_argument("--no-plan-check", action="store_true", help="skip the EXPLAIN QUERY PLAN checks")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "little")
    print(f"sql differential: seed {seed} ({'native WITHOUT ROWID' if args.native else 'omendb module'}, "
          f"{args.statements} statements per distribution; rerun with --seed {seed})", flush=True)
    ok = True
    for offset, distribution in enumerate(args.distribution or DISTRIBUTIONS):
        started = time.monotonic()
        passed, stats = workload(distribution, seed + offset, args.statements, args.native,
                                 not args.no_plan_check)
        summary = ", ".join(f"{k} {v}" for k, v in sorted(stats.items()))
        print(f"  {distribution:<10} seed {seed + offset}: {'ok' if passed else 'FAILED'} "
              f"({summary}; {time.monotonic() - started:.1f} s)", flush=True)
        ok = ok and passed
        if not passed:
            break
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
