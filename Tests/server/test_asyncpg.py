"""asyncpg: a pool (its reset queries on release), prepared statements, binary types,
copy_records_to_table, transactions."""
from __future__ import annotations

import asyncio
import random

import asyncpg
import pytest


def run(coroutine):
    return asyncio.run(coroutine)


def test_pool_prepared_and_types(server, seed):
    async def go():
        pool = await asyncpg.create_pool(server.url, min_size=2, max_size=4)
        try:
            await pool.execute("CREATE TABLE ap_t (k bigint PRIMARY KEY, i int, s smallint, f double precision, "
                               "r real, b boolean, t text, y bytea)")
            rng = random.Random(seed)
            rows = [(k, rng.randrange(-2**31, 2**31), rng.randrange(-2**15, 2**15), rng.random(), 0.5,
                     k % 2 == 0, f"t{k}", bytes([k % 256, 0])) for k in range(300)]
            await pool.executemany("INSERT INTO ap_t VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", rows)

            async def lookups(n):
                async with pool.acquire() as conn:
                    statement = await conn.prepare("SELECT k, i, s, f, r, b, t, y FROM ap_t WHERE k = $1")
                    for k in random.Random(seed + n).sample(range(300), 30):
                        record = await statement.fetchrow(k)
                        assert tuple(record) == rows[k], f"seed {seed}"
            await asyncio.gather(*(lookups(n) for n in range(8)))
            assert await pool.fetchval("SELECT count(*) FROM ap_t WHERE b") == 150
        finally:
            await pool.close()
    run(go())


def test_copy_records_and_transactions(server):
    async def go():
        conn = await asyncpg.connect(server.url)
        try:
            await conn.execute("CREATE TABLE ap_copy (k int PRIMARY KEY, v text, x double precision)")
            records = [(k, f"v{k}", k / 4) for k in range(1000)]
            result = await conn.copy_records_to_table("ap_copy", records=records)
            assert result == "COPY 1000"
            with pytest.raises(asyncpg.UniqueViolationError):
                async with conn.transaction():
                    await conn.execute("INSERT INTO ap_copy VALUES (5000, 'x', 0)")
                    await conn.execute("INSERT INTO ap_copy VALUES (1, 'dup', 0)")
            assert await conn.fetchval("SELECT count(*) FROM ap_copy WHERE k = 5000") == 0
            async with conn.transaction(isolation="serializable"):
                await conn.execute("UPDATE ap_copy SET v = 'changed' WHERE k = 3")
            assert await conn.fetchval("SELECT v FROM ap_copy WHERE k = $1", 3) == "changed"
            got = await conn.fetch("SELECT k, v, x FROM ap_copy ORDER BY k")
            assert [tuple(r) for r in got][:3] == [(0, "v0", 0.0), (1, "v1", 0.25), (2, "v2", 0.5)]
            assert len(got) == 1000
        finally:
            await conn.close()
    run(go())


def test_cursor(server):
    async def go():
        conn = await asyncpg.connect(server.url)
        try:
            await conn.execute("CREATE TABLE ap_cur (k int PRIMARY KEY)")
            await conn.executemany("INSERT INTO ap_cur VALUES ($1)", [(k,) for k in range(250)])
            async with conn.transaction():
                # asyncpg's cursors fetch with Execute row limits (PortalSuspended).
                seen = [r["k"] async for r in conn.cursor("SELECT k FROM ap_cur ORDER BY k", prefetch=40)]
            assert seen == list(range(250))
        finally:
            await conn.close()
    run(go())
