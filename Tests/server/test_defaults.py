"""Column DEFAULTs on INSERT and COPY FROM, and INSERT ... RETURNING of a serial key:
another session's DDL is seen at once (a cached schema would apply an old default);
parameters keep the types the drivers encode by; seeded random rows, executemany."""
from __future__ import annotations

import asyncio
import random

import asyncpg
import psycopg


def connect(server):
    return psycopg.connect(server.dsn, autocommit=True)


def test_other_sessions_ddl_changes_the_defaults(server):
    with connect(server) as a, connect(server) as b:
        a.execute("CREATE TABLE df_x (id bigserial PRIMARY KEY, v text)")
        assert a.execute("INSERT INTO df_x (v) VALUES ('one') RETURNING id, v").fetchall() == [(1, "one")]
        b.execute("ALTER TABLE df_x ADD COLUMN n int DEFAULT 7")
        assert a.execute("INSERT INTO df_x (v) VALUES ('two') RETURNING id, n").fetchall() == [(2, 7)]
        b.execute("DROP TABLE df_x")
        b.execute("CREATE TABLE df_x (id bigserial PRIMARY KEY, v text DEFAULT 'fresh', n int DEFAULT 8)")
        assert a.execute("INSERT INTO df_x (n) VALUES (1), (DEFAULT) RETURNING v, n").fetchall() == [("fresh", 1), ("fresh", 8)]
        assert a.execute("SELECT v, n FROM df_x ORDER BY n").fetchall() == [("fresh", 1), ("fresh", 8)]
        a.execute("DROP TABLE df_x")


def test_prepared_insert_sees_a_default_added_later(server):
    # PostgreSQL re-plans a prepared statement after DDL: a column added with a DEFAULT
    # gets it, whether the statement was prepared by Parse or by SQL PREPARE.
    with connect(server) as a, connect(server) as b:
        a.execute("CREATE TABLE df_prep (id bigserial PRIMARY KEY, v text)")
        insert = "INSERT INTO df_prep (v) VALUES (%s) RETURNING id"
        assert a.execute(insert, ("one",), prepare=True).fetchall() == [(1,)]
        a.execute("PREPARE df_sql (text) AS INSERT INTO df_prep (v) VALUES ($1)")
        a.execute("EXECUTE df_sql ('two')")
        b.execute("ALTER TABLE df_prep ADD COLUMN n int DEFAULT 7")
        assert a.execute(insert, ("three",), prepare=True).fetchall() == [(3,)]
        a.execute("EXECUTE df_sql ('four')")
        b.execute("ALTER TABLE df_prep ADD COLUMN t text DEFAULT 'late'")
        a.execute("EXECUTE df_sql ('five')")
        # ADD COLUMN ... DEFAULT also gives the rows already there the default.
        assert a.execute("SELECT id, v, n, t FROM df_prep ORDER BY id").fetchall() == [
            (k, v, 7, "late") for k, v in enumerate(["one", "two", "three", "four", "five"], 1)]
        a.execute("DEALLOCATE df_sql")
        a.execute("DROP TABLE df_prep")


def test_executemany_returning_keys(server, seed):
    rng = random.Random(seed)
    names = [f"n{rng.randrange(10**6)}" for _ in range(50)]
    with connect(server) as conn:
        conn.execute("CREATE TABLE df_many (id serial PRIMARY KEY, name text, score int DEFAULT 10 * 10)")
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO df_many (name) VALUES (%s) RETURNING id, score", [(n,) for n in names],
                            returning=True)
            returned = []
            while True:
                returned += cur.fetchall()
                if not cur.nextset():
                    break
        assert returned == [(k, 100) for k in range(1, 51)]
        assert conn.execute("SELECT id, name, score FROM df_many ORDER BY id").fetchall() == \
            [(k + 1, n, 100) for k, n in enumerate(names)]
        conn.execute("DROP TABLE df_many")


def test_copy_from_applies_defaults(server):
    with connect(server) as conn:
        conn.execute("CREATE TABLE df_copy (id serial PRIMARY KEY, v text, n int DEFAULT 3 + 4, t text DEFAULT 'dflt')")
        with conn.cursor() as cur:
            with cur.copy("COPY df_copy (v, t) FROM STDIN") as copy:
                copy.write_row(("a", "given"))
                copy.write_row(("b", None))
        assert conn.execute("SELECT id, v, n, t FROM df_copy ORDER BY id").fetchall() == \
            [(1, "a", 7, "given"), (2, "b", 7, None)]
        conn.execute("DROP TABLE df_copy")


def test_asyncpg_parameter_types_with_quoted_table(server):
    async def go():
        conn = await asyncpg.connect(server.url)
        try:
            await conn.execute('CREATE TABLE "Df Quoted" (k bigserial PRIMARY KEY, "Num" int, note text DEFAULT \'n\')')
            # asyncpg encodes each parameter by its described type: an int for int4, a str for text.
            statement = await conn.prepare('INSERT INTO "Df Quoted" ("Num") VALUES ($1) RETURNING *')
            assert [t.name for t in statement.get_parameters()] == ["int4"]
            assert [tuple(r) for r in await statement.fetch(5)] == [(1, 5, "n")]
            assert [tuple(r) for r in await conn.fetch('INSERT INTO public."Df Quoted" ("Num", note) VALUES ($1, DEFAULT), '
                                                       '($2, $3) RETURNING k, "Num", note', 6, 7, "m")] == \
                [(2, 6, "n"), (3, 7, "m")]
            await conn.execute('DROP TABLE "Df Quoted"')
        finally:
            await conn.close()
    asyncio.run(go())
