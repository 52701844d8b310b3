"""psycopg 3, sync and async: autocommit and transactions, executemany, COPY, types in
text and binary."""
from __future__ import annotations

import asyncio
import random

import psycopg
import pytest


def connect(server, **kwargs):
    return psycopg.connect(server.dsn, **kwargs)


def test_autocommit_and_transactions(server):
    with connect(server, autocommit=True) as conn:
        conn.execute("CREATE TABLE pc_t (k int PRIMARY KEY, v text)")
        conn.execute("INSERT INTO pc_t VALUES (%s, %s)", (1, "one"))
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    with connect(server) as conn:
        with conn.transaction():
            conn.execute("INSERT INTO pc_t VALUES (2, 'two')")
        with pytest.raises(RuntimeError):
            with conn.transaction():
                conn.execute("INSERT INTO pc_t VALUES (3, 'three')")
                raise RuntimeError("roll back")
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("INSERT INTO pc_t VALUES (1, 'dup')")
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.INERROR
        conn.rollback()
        assert conn.execute("SELECT k, v FROM pc_t ORDER BY k").fetchall() == [(1, "one"), (2, "two")]
        conn.commit()


def test_executemany_and_prepared(server, seed):
    rng = random.Random(seed)
    rows = [(k, rng.randrange(-2**62, 2**62), rng.random() * 1e6, f"v{k}") for k in range(500)]
    with connect(server, autocommit=True) as conn:
        conn.execute("CREATE TABLE pc_many (k int PRIMARY KEY, big bigint, f double precision, v text)")
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO pc_many VALUES (%s, %s, %s, %s)", rows)
            # prepare=True: a named server-side statement, run many times.
            for k in rng.sample(range(500), 20):
                got = cur.execute("SELECT k, big, f, v FROM pc_many WHERE k = %s", (k,), prepare=True).fetchone()
                assert got == rows[k], f"seed {seed}"
        total = sum(r[1] for r in rows)
        if server.name == "omendb" and not -2**63 <= total < 2**63:
            # A known difference (docs/server.md, "SQL"): a bigint sum beyond 64 bits is an
            # overflow (22003) where PostgreSQL's sum(bigint) returns a numeric.
            with pytest.raises(psycopg.errors.NumericValueOutOfRange):
                conn.execute("SELECT count(*), sum(big) FROM pc_many").fetchone()
        else:
            assert conn.execute("SELECT count(*), sum(big) FROM pc_many").fetchone() == (500, total)


@pytest.mark.parametrize("binary", [False, True])
def test_types(server, binary):
    values = (7, 2**40, -32768, 1.25, float("inf"), True, "héllo\tworld", b"\x00\xff", None)
    with connect(server, autocommit=True) as conn:
        table = f"pc_types_{int(binary)}"
        conn.execute(f"CREATE TABLE {table} (k int PRIMARY KEY, b bigint, s smallint, f double precision, "
                     "g double precision, t boolean, x text, y bytea, n text)")
        with conn.cursor(binary=binary) as cur:
            cur.execute(f"INSERT INTO {table} VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)", values)
            got = cur.execute(f"SELECT k, b, s, f, g, t, x, y, n FROM {table}").fetchone()
        assert got == values


def test_copy(server, seed):
    rng = random.Random(seed)
    rows = [(k, f"row {k} {rng.random()}", None if k % 7 == 0 else k * 1.5) for k in range(2000)]
    with connect(server, autocommit=True) as conn:
        conn.execute("CREATE TABLE pc_copy (k int PRIMARY KEY, v text, x double precision)")
        with conn.cursor() as cur:
            with cur.copy("COPY pc_copy (k, v, x) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            assert cur.rowcount == len(rows)
            with cur.copy("COPY (SELECT k, v, x FROM pc_copy ORDER BY k) TO STDOUT") as copy:
                copy.set_types(["int4", "text", "float8"])
                got = list(copy.rows())
        assert got == rows, f"seed {seed}"


def test_async(server):
    async def run():
        async with await psycopg.AsyncConnection.connect(server.dsn, autocommit=True) as conn:
            await conn.execute("CREATE TABLE pc_async (k int PRIMARY KEY, v int)")

        async def worker(w):
            async with await psycopg.AsyncConnection.connect(server.dsn) as conn:
                async with conn.transaction():
                    for i in range(50):
                        await conn.execute("INSERT INTO pc_async VALUES (%s, %s)", (w * 1000 + i, w))
                cur = await conn.execute("SELECT count(*) FROM pc_async WHERE v = %s", (w,))
                return (await cur.fetchone())[0]

        counts = await asyncio.gather(*(worker(w) for w in range(4)))
        assert counts == [50] * 4
        async with await psycopg.AsyncConnection.connect(server.dsn) as conn:
            cur = await conn.execute("SELECT count(*) FROM pc_async")
            assert (await cur.fetchone())[0] == 200
            async with conn.cursor() as cur:
                async with cur.copy("COPY pc_async TO STDOUT") as copy:
                    lines = [bytes(data) async for data in copy]
            assert b"".join(lines).count(b"\n") == 200

    asyncio.run(run())
