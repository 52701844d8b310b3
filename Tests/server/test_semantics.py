"""Where SQLite's meaning differs from PostgreSQL's, omendb-server answers as PostgreSQL or
refuses: NULL sorts above every value (ASC NULLS LAST, DESC NULLS FIRST); booleans written
or compared as text ('t', 'no') are booleans, not text; date/time values
are stored, compared and returned as PostgreSQL's, and arithmetic on them, which SQLite
would do on their text as numbers ('2024-01-01' + 1 is 2025), is refused with 0A000; a
value a column's type cannot hold (3000000000 in int4, 'toolong' in varchar(5)) is refused
with PostgreSQL's SQLSTATE, where SQLite would store it. Seeded rows; every check runs
against both servers."""
from __future__ import annotations

import datetime
import random

import psycopg
import pytest

QUERIES = {
    "SELECT d + 1 FROM dt_x": datetime.date(2024, 2, 1),
    "SELECT 1 + x.d FROM dt_x x": datetime.date(2024, 2, 1),
    'SELECT x."d" - 1 FROM dt_x x': datetime.date(2024, 1, 30),
    "SELECT d - date '2024-01-01' FROM dt_x": 30,
    "SELECT '2024-01-31'::date + n FROM dt_x": datetime.date(2024, 2, 5),
    "SELECT date '2024-01-31' - 1": datetime.date(2024, 1, 30),
    "SELECT current_date - current_date": 0,
    "SELECT count(*) FROM dt_x WHERE d > current_date - 100000": 1,
}


@pytest.mark.parametrize("query", QUERIES)
def test_date_arithmetic_is_postgresqls_or_refused(server, query):
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS dt_x")
        conn.execute("CREATE TABLE dt_x (id int PRIMARY KEY, d date, ts timestamptz, n int)")
        conn.execute("INSERT INTO dt_x VALUES (1, '2024-01-31', '2024-01-31 10:00:00+00', 5)")
        try:
            got = conn.execute(query).fetchone()[0]
        except psycopg.errors.FeatureNotSupported as error:
            assert server.name == "omendb", f"{query}: {error}"
            assert "arithmetic on" in str(error)
        else:
            assert got == QUERIES[query], query
        conn.execute("DROP TABLE dt_x")


def test_date_values_compare_and_round_trip(server):
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE dt_y (id int PRIMARY KEY, d date, n int)")
        conn.execute("INSERT INTO dt_y VALUES (1, '2024-01-31', 1), (2, '2023-12-31', 2), (3, NULL, 3)")
        assert conn.execute("SELECT d FROM dt_y WHERE id = 1").fetchone() == (datetime.date(2024, 1, 31),)
        assert conn.execute("SELECT id FROM dt_y WHERE d >= date '2024-01-01' OR d < %s ORDER BY id",
                            (datetime.date(2024, 1, 1),)).fetchall() == [(1,), (2,)]
        assert conn.execute("SELECT id FROM dt_y ORDER BY d DESC NULLS LAST").fetchall() == [(1,), (2,), (3,)]
        # A column of another type may share nothing with the date column's arithmetic check.
        assert conn.execute("SELECT n + 1 FROM dt_y WHERE id = 2").fetchone() == (3,)
        conn.execute("DROP TABLE dt_y")


def test_nulls_sort_above_every_value(server, seed):
    rng = random.Random(seed)
    rows = [(k, None if rng.random() < 0.3 else rng.randrange(10)) for k in range(1, 41)]
    high = 10**9  # PostgreSQL's place for NULL: above every value
    ascending = [k for k, _ in sorted(rows, key=lambda r: (high if r[1] is None else r[1], r[0]))]
    descending = [k for k, _ in sorted(rows, key=lambda r: (high if r[1] is None else r[1], r[0]), reverse=True)]
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE ord_t (k int PRIMARY KEY, n int)")
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO ord_t VALUES (%s, %s)", rows)

        def keys(query):
            return [k for (k,) in conn.execute(query).fetchall()]
        assert keys("SELECT k FROM ord_t ORDER BY n, k") == ascending
        assert keys("SELECT k FROM ord_t ORDER BY n DESC, k DESC") == descending
        assert keys("SELECT k FROM ord_t ORDER BY n, k LIMIT 5 OFFSET 30") == ascending[30:35]
        assert keys("SELECT k FROM ord_t ORDER BY row_number() OVER (ORDER BY n, k)") == ascending
        nulls = sum(1 for _, n in rows if n is None)
        assert keys("SELECT k FROM ord_t ORDER BY n NULLS FIRST, k")[:nulls] == ascending[-nulls:]
        # The key's order, delivered by the table (the NULLS clause dropped) or not.
        assert keys("SELECT k FROM ord_t ORDER BY k DESC LIMIT 3") == [40, 39, 38]
        conn.execute("DROP TABLE ord_t")


# (column type, value, SQLSTATE from PostgreSQL, SQLSTATE from omendb-server): None stores it.
STORES = [
    ("int4", "2147483647", None, None),
    ("int4", "3000000000", "22003", "22003"),
    ("int4", "'abc'", "22P02", "22P02"),
    ("int4", "'42'", None, None),
    ("int4", "1.5", None, "22P02"),  # known difference: PostgreSQL rounds to 2
    ("smallint", "40000", "22003", "22003"),
    ("bigint", "9223372036854775807", None, None),
    ("varchar(5)", "'toolong'", "22001", "22001"),
    ("varchar(5)", "'héllo'", None, None),
    ("char(3)", "'abcd'", "22001", "22001"),
    ("boolean", "'maybe'", "22P02", "22P02"),
    ("boolean", "'yes'", None, None),
    ("boolean", "2", "42804", "22P02"),  # known difference: the type error is PostgreSQL's, before any value
    ("real", "'x'", "22P02", "22P02"),
    ("real", "1e300", "22003", "22003"),
    ("double precision", "'1e300'", None, None),
    ("numeric(8,2)", "'abc'", "22P02", "22P02"),
    ("date", "'notadate'", "22007", "22007"),
    ("date", "'2024-02-29'", None, None),
    ("timestamptz", "'2024-01-31 10:00:00+00'", None, None),
    ("text", "12345", None, None),
]


@pytest.mark.parametrize("column_type, value, postgres, omendb", STORES)
def test_a_value_the_column_type_cannot_hold_is_refused(server, column_type, value, postgres, omendb):
    expected = postgres if server.name == "postgresql" else omendb
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS typed_t")
        conn.execute(f"CREATE TABLE typed_t (k int PRIMARY KEY, v {column_type})")
        for statement in [f"INSERT INTO typed_t VALUES (1, {value})", f"UPDATE typed_t SET v = {value} WHERE k = 2"]:
            conn.execute("INSERT INTO typed_t VALUES (2, NULL)")
            try:
                conn.execute(statement)
            except psycopg.Error as error:
                assert error.sqlstate == expected, f"{statement}: {error}"
            else:
                assert expected is None, statement
                # What was stored reads back (a DataRow of the column's type).
                assert conn.execute("SELECT count(v) FROM typed_t").fetchone() == (1,)
                conn.execute("SELECT v FROM typed_t").fetchall()
            conn.execute("DELETE FROM typed_t")
        conn.execute("DROP TABLE typed_t")


def test_overflowing_update_and_add_column_default(server):
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE typed_u (k int PRIMARY KEY, i int4)")
        conn.execute("INSERT INTO typed_u VALUES (1, 2147483647)")
        with pytest.raises(psycopg.errors.NumericValueOutOfRange):
            conn.execute("UPDATE typed_u SET i = i + 1")
        with pytest.raises(psycopg.errors.NumericValueOutOfRange):
            conn.execute("ALTER TABLE typed_u ADD COLUMN z int4 DEFAULT 3000000000")
        with pytest.raises(psycopg.errors.StringDataRightTruncation):
            conn.execute("ALTER TABLE typed_u ADD COLUMN w varchar(2) DEFAULT 'abc'")
        cur = conn.execute("ALTER TABLE typed_u ADD COLUMN y int4 DEFAULT 7")
        assert (cur.statusmessage, cur.description) == ("ALTER TABLE", None)
        assert conn.execute("SELECT * FROM typed_u").fetchall() == [(1, 2147483647, 7)]
        conn.execute("DROP TABLE typed_u")


def test_booleans_written_and_compared_as_text(server):
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE bool_t (k int PRIMARY KEY, b boolean)")
        conn.execute("INSERT INTO bool_t VALUES (1, 't'), (2, 'no'), (3, true), (4, NULL), (5, 'YES')")
        conn.execute("UPDATE bool_t SET b = 'off' WHERE k = 3")

        def keys(query):
            return [k for (k,) in conn.execute(query).fetchall()]
        assert keys("SELECT k FROM bool_t WHERE b ORDER BY k") == [1, 5]
        assert keys("SELECT k FROM bool_t WHERE b = 't' ORDER BY k") == [1, 5]
        assert keys("SELECT k FROM bool_t WHERE 'false' = b ORDER BY k") == [2, 3]
        assert keys("SELECT k FROM bool_t WHERE b <> 'f' ORDER BY k") == [1, 5]
        assert keys("SELECT k FROM bool_t WHERE b IS DISTINCT FROM 'true' ORDER BY k") == [2, 3, 4]
        assert keys("SELECT k FROM bool_t WHERE b IS NOT DISTINCT FROM 'no' ORDER BY k") == [2, 3]
        assert conn.execute("SELECT b FROM bool_t ORDER BY k").fetchall() == [(True,), (False,), (False,), (None,), (True,)]
        with pytest.raises(psycopg.errors.InvalidTextRepresentation):
            conn.execute("SELECT k FROM bool_t WHERE b = 'maybe'")
        # A text column of the same name elsewhere keeps comparing text.
        conn.execute("CREATE TABLE bool_text (k int PRIMARY KEY, b text)")
        conn.execute("INSERT INTO bool_text VALUES (1, 't'), (2, 'true'), (3, 'maybe')")
        assert keys("SELECT k FROM bool_text WHERE b = 't'") == [1]
        assert keys("SELECT k FROM bool_text WHERE b = 'maybe'") == [3]
        assert keys("SELECT k FROM bool_t WHERE b = 't' ORDER BY k") == [1, 5]
        conn.execute("DROP TABLE bool_text")
        conn.execute("DROP TABLE bool_t")


def test_integer_casts_round_and_check_the_range(server):
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE cast_t (k int PRIMARY KEY, x numeric(6,2), big bigint)")
        conn.execute("INSERT INTO cast_t VALUES (1, 10.50, 40000), (2, -2.50, 9007199254740993), (3, 5.25, 1)")
        assert conn.execute("SELECT x::int, CAST(x AS bigint) FROM cast_t ORDER BY k").fetchall() == \
            [(11, 11), (-3, -3), (5, 5)]
        assert conn.execute("SELECT big::bigint FROM cast_t WHERE k = 2").fetchone() == (9007199254740993,)
        with pytest.raises(psycopg.errors.NumericValueOutOfRange):
            conn.execute("SELECT big::smallint FROM cast_t WHERE k = 1")
        conn.execute("DROP TABLE cast_t")


def test_timestamps_written_in_any_spelling_sort_in_time_order(server, seed):
    rng = random.Random(seed)
    base = datetime.datetime(2024, 1, 31, tzinfo=datetime.timezone.utc)
    moments = [base + datetime.timedelta(seconds=rng.randrange(86400), microseconds=rng.choice([0, 250000, 500000]))
               for _ in range(30)]

    def spelled(moment, k):
        # The same instant in one of several spellings PostgreSQL accepts.
        if k % 3 == 0:
            return moment.strftime("%Y-%m-%d %H:%M:%S.%f+00")
        if k % 3 == 1:
            return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return (moment + datetime.timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S.%f+02")
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE ts_t (k int PRIMARY KEY, ts timestamptz)")
        for k, moment in enumerate(moments):
            conn.execute(f"INSERT INTO ts_t VALUES ({k}, '{spelled(moment, k)}')")
        by_time = [k for k, _ in sorted(enumerate(moments), key=lambda item: (item[1], item[0]))]
        assert [k for (k,) in conn.execute("SELECT k FROM ts_t ORDER BY ts, k").fetchall()] == by_time
        middle = sorted(moments)[15]
        later = sorted(k for k, moment in enumerate(moments) if moment > middle)
        query = f"SELECT k FROM ts_t WHERE ts > '{spelled(middle, 1)}' ORDER BY k"
        assert [k for (k,) in conn.execute(query).fetchall()] == later
        assert conn.execute("SELECT ts FROM ts_t WHERE k = 2").fetchone() == (moments[2],)
        conn.execute("DROP TABLE ts_t")
