"""Scale-out behind a real PostgreSQL (docs/scale-out.md): a PostgreSQL 15 coordinator with
postgres_fdw and a range-partitioned table whose three partitions are foreign tables on three
shard servers, against the same workload on one node (a fourth server of the same kind, one
foreign table). Results must be equal; EXPLAIN VERBOSE must show key predicates and direct
UPDATEs pushed down to the one shard that holds the key. The shards are omendb-servers, or
PostgreSQLs (which checks the test itself)."""
from __future__ import annotations

import random

import psycopg

import harness

BOUNDS = [("MINVALUE", "1000"), ("1000", "2000"), ("2000", "MAXVALUE")]
SHARD_DDL = "CREATE TABLE items (k bigint PRIMARY KEY, v text, n bigint)"


def shard_kind(server):
    return harness.Postgres if server.name == "postgresql" else harness.OmenServer


def attach(coordinator, name: str, shard) -> None:
    coordinator.execute(f"CREATE SERVER {name} FOREIGN DATA WRAPPER postgres_fdw OPTIONS "
                        f"(host '{shard.host}', port '{shard.port}', dbname '{shard.database}')")
    coordinator.execute(f"CREATE USER MAPPING FOR CURRENT_USER SERVER {name} OPTIONS (user '{shard.user}')")


def test_range_shards_equal_single_node(server, seed):
    print(f"seed {seed}")
    rng = random.Random(seed)
    kind = shard_kind(server)
    shards = [kind() for _ in range(3)]
    single = kind()
    started = []
    try:
        for s in shards + [single]:
            started.append(s.start())
            with psycopg.connect(s.dsn, autocommit=True) as conn:
                conn.execute(SHARD_DDL)
        with harness.Postgres() as coordinator_server, \
                psycopg.connect(coordinator_server.dsn, autocommit=True) as co:
            co.execute("CREATE EXTENSION postgres_fdw")
            co.execute("CREATE TABLE items (k bigint NOT NULL, v text, n bigint) PARTITION BY RANGE (k)")
            for i, (shard, (low, high)) in enumerate(zip(shards, BOUNDS)):
                attach(co, f"shard{i}", shard)
                co.execute(f"CREATE FOREIGN TABLE items_{i} PARTITION OF items FOR VALUES FROM ({low}) TO ({high}) "
                           f"SERVER shard{i} OPTIONS (table_name 'items')")
            attach(co, "single", single)
            co.execute("CREATE FOREIGN TABLE items_single (k bigint NOT NULL, v text, n bigint) "
                       "SERVER single OPTIONS (table_name 'items')")

            def both(sql: str, params=()) -> None:
                """The statement on the sharded table and on the single node: same result."""
                results = []
                for table in ("items", "items_single"):
                    with co.transaction():
                        cur = co.execute(sql.format(t=table), params)
                        results.append((cur.rowcount, cur.fetchall() if cur.description else None))
                assert results[0] == results[1], f"seed {seed}: {sql} {params}: {results}"

            keys = rng.sample(range(0, 3000), 600)
            for k in keys:
                both("INSERT INTO {t} (k, v, n) VALUES (%s, %s, %s)", (k, f"v{k}", rng.randrange(1000)))
            for _ in range(150):
                op = rng.randrange(6)
                k = rng.choice(keys)
                low = rng.randrange(0, 3000)
                high = low + rng.randrange(1, 800)
                if op == 0:
                    both("SELECT k, v, n FROM {t} WHERE k = %s", (k,))
                elif op == 1:
                    both("SELECT k, n FROM {t} WHERE k >= %s AND k < %s ORDER BY k", (low, high))
                elif op == 2:
                    both("UPDATE {t} SET n = n + 1 WHERE k = %s", (k,))
                elif op == 3:
                    both("DELETE FROM {t} WHERE k >= %s AND k < %s", (low, low + 20))
                elif op == 4:
                    both("SELECT count(*), sum(n), min(k), max(k) FROM {t}")
                else:
                    both("UPDATE {t} SET v = %s WHERE k >= %s AND k < %s", (f"u{low}", low, low + 50))
            both("SELECT k, v, n FROM {t} ORDER BY k")

            # Pushdown: the key predicate reaches only the shard that holds the key.
            plan = "\n".join(r[0] for r in co.execute("EXPLAIN VERBOSE SELECT v FROM items WHERE k = 1500"))
            assert plan.count("Foreign Scan") == 1 and "items_1" in plan, plan
            assert "Remote SQL: SELECT v FROM public.items WHERE ((k = 1500))" in plan, plan
            plan = "\n".join(r[0] for r in co.execute("EXPLAIN VERBOSE UPDATE items SET n = 0 WHERE k = 2500"))
            assert "Foreign Update on public.items_2" in plan, plan
            assert "Remote SQL: UPDATE public.items SET n = 0::bigint WHERE ((k = 2500))" in plan, plan
            plan = "\n".join(r[0] for r in co.execute(
                "EXPLAIN VERBOSE SELECT k FROM items WHERE k >= 100 AND k < 900"))
            assert plan.count("Foreign Scan") == 1, plan
            assert "WHERE ((k >= 100)) AND ((k < 900))" in plan, plan
            # And the data really is where the ranges say.
            for i, (shard, (low, high)) in enumerate(zip(shards, BOUNDS)):
                with psycopg.connect(shard.dsn) as conn:
                    lo, hi = conn.execute("SELECT min(k), max(k) FROM items").fetchone()
                    assert low == "MINVALUE" or lo is None or lo >= int(low), (i, lo)
                    assert high == "MAXVALUE" or hi is None or hi < int(high), (i, hi)
    finally:
        for s in started:
            s.stop()
