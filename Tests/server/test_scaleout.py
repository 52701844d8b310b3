"""Scale-out behind a real PostgreSQL 15 (docs/scale-out.md): postgres_fdw with range
partitions on three omendb-server shards must give the same results as one omendb-server
holding the whole table, for a seeded workload of inserts, updates by key, deletes,
point and range reads, aggregates and cross-shard transfers; and EXPLAIN VERBOSE must show
the key predicates and direct updates pushed down to the one shard that owns the key.
"""
from __future__ import annotations

import random

import psycopg
import pytest

import harness

# Shard i owns [BOUNDS[i], BOUNDS[i + 1]).
BOUNDS = ["MINVALUE", "-1000", "1000", "MAXVALUE"]
TABLE = "CREATE TABLE accounts (id bigint PRIMARY KEY, owner text, balance bigint NOT NULL)"


def shard_of(key: int) -> int:
    return 0 if key < -1000 else 1 if key < 1000 else 2


@pytest.fixture(scope="module")
def cluster():
    with harness.Postgres(fsync="on", synchronous_commit="on") as coordinator, \
            harness.OmenServer() as single, harness.OmenServer() as s0, \
            harness.OmenServer() as s1, harness.OmenServer() as s2:
        shards = [s0, s1, s2]
        for node in [single, *shards]:
            with psycopg.connect(node.dsn, autocommit=True) as connection:
                connection.execute(TABLE)
        with psycopg.connect(coordinator.dsn, autocommit=True) as connection:
            connection.execute("CREATE EXTENSION postgres_fdw")
            connection.execute("CREATE TABLE accounts (id bigint NOT NULL, owner text, balance bigint NOT NULL) "
                               "PARTITION BY RANGE (id)")
            for index, shard in enumerate(shards):
                connection.execute(f"CREATE SERVER shard{index} FOREIGN DATA WRAPPER postgres_fdw "
                                   f"OPTIONS (host '{shard.host}', port '{shard.port}', dbname '{shard.database}')")
                connection.execute(f"CREATE USER MAPPING FOR CURRENT_USER SERVER shard{index} "
                                   f"OPTIONS (user '{shard.user}')")
                connection.execute(f"CREATE FOREIGN TABLE accounts_{index} PARTITION OF accounts "
                                   f"FOR VALUES FROM ({BOUNDS[index]}) TO ({BOUNDS[index + 1]}) "
                                   f"SERVER shard{index} OPTIONS (table_name 'accounts')")
        yield coordinator, single, shards


def keys(rng: random.Random, count: int) -> list[int]:
    """Keys of several distributions, across every shard, with the extremes."""
    chosen = {-(2**63), 2**63 - 1, -1001, -1000, -999, 0, 999, 1000, 1001}
    while len(chosen) < count:
        kind = rng.randrange(4)
        if kind == 0:
            chosen.add(rng.randrange(-3000, 3000))                       # dense around the bounds
        elif kind == 1:
            chosen.add(rng.randrange(-(2**63), 2**63))                   # uniform
        elif kind == 2:
            chosen.add(int(rng.lognormvariate(8, 2)) * rng.choice([-1, 1]))   # lognormal, both signs
        else:
            base = rng.choice([-50_000, 5, 70_000])                      # clusters with gaps
            chosen.add(base + rng.randrange(0, 40) * 7)
    return sorted(chosen)


def test_workload_matches_a_single_node(cluster, seed):
    coordinator, single, _ = cluster
    print(f"seed {seed}")
    rng = random.Random(seed)
    population = keys(rng, 400)
    with psycopg.connect(coordinator.dsn, autocommit=True) as routed, \
            psycopg.connect(single.dsn, autocommit=True) as alone:
        def both(sql: str, params: tuple = ()) -> None:
            results = []
            for connection in (routed, alone):
                cursor = connection.execute(sql, params)
                results.append(cursor.fetchall() if cursor.description else cursor.rowcount)
            assert results[0] == results[1], f"{sql} {params}: routed {results[0]!r} != single {results[1]!r}"

        # Bulk insert in batches (one statement per batch, rows spread over every shard).
        for start in range(0, len(population), 50):
            batch = population[start:start + 50]
            values = ", ".join(["(%s, %s, %s)"] * len(batch))
            params = tuple(x for key in batch for x in (key, f"owner{key % 97}", 1000))
            both(f"INSERT INTO accounts (id, owner, balance) VALUES {values}", params)

        present = set(population)
        for step in range(300):
            action = rng.randrange(7)
            key = rng.choice(population)
            if action == 0:
                both("SELECT id, owner, balance FROM accounts WHERE id = %s", (key,))
            elif action == 1:
                low, high = sorted(rng.sample(population, 2))
                both("SELECT id, balance FROM accounts WHERE id BETWEEN %s AND %s ORDER BY id", (low, high))
            elif action == 2:
                both("UPDATE accounts SET balance = balance + %s WHERE id = %s", (rng.randrange(-50, 50), key))
            elif action == 3 and key in present and len(present) > 100:
                both("DELETE FROM accounts WHERE id = %s", (key,))
                present.discard(key)
            elif action == 4:
                low, high = sorted(rng.sample(population, 2))
                both("SELECT count(*), sum(balance), min(id), max(id) FROM accounts WHERE id >= %s AND id < %s",
                     (low, high))
            elif action == 5:
                # A transfer between two keys, usually on different shards, in one transaction.
                a, b = rng.sample(sorted(present), 2)
                amount = rng.randrange(1, 20)
                for connection in (routed, alone):
                    with connection.transaction():
                        connection.execute("UPDATE accounts SET balance = balance - %s WHERE id = %s", (amount, a))
                        connection.execute("UPDATE accounts SET balance = balance + %s WHERE id = %s", (amount, b))
            else:
                both("SELECT owner, count(*) FROM accounts GROUP BY owner ORDER BY owner")
        both("SELECT id, owner, balance FROM accounts ORDER BY id")
        both("SELECT sum(balance) FROM accounts")


def test_rows_live_on_the_shard_that_owns_their_key(cluster):
    _, _, shards = cluster
    seen = 0
    for index, shard in enumerate(shards):
        with psycopg.connect(shard.dsn, autocommit=True) as connection:
            for (key,) in connection.execute("SELECT id FROM accounts"):
                assert shard_of(key) == index, f"key {key} on shard {index}"
                seen += 1
    assert seen > 0


def explain(coordinator, sql: str) -> str:
    with psycopg.connect(coordinator.dsn, autocommit=True) as connection:
        return "\n".join(row[0] for row in connection.execute("EXPLAIN VERBOSE " + sql))


def test_pushdown(cluster):
    coordinator = cluster[0]
    plan = explain(coordinator, "SELECT id, owner, balance FROM accounts WHERE id = 5")
    assert plan.count("Foreign Scan") == 1 and "accounts_1" in plan, plan
    assert "Remote SQL: SELECT id, owner, balance FROM public.accounts WHERE ((id = 5))" in plan, plan

    plan = explain(coordinator, "SELECT id FROM accounts WHERE id >= 1500 AND id < 1600")
    assert plan.count("Foreign Scan") == 1 and "accounts_2" in plan, plan
    assert "WHERE ((id >= 1500)) AND ((id < 1600))" in plan, plan

    plan = explain(coordinator, "UPDATE accounts SET balance = balance + 1 WHERE id = -5000")
    assert "Foreign Update on public.accounts_0" in plan, plan
    assert "Remote SQL: UPDATE public.accounts SET balance = (balance + 1) WHERE ((id = (-5000)))" in plan, plan
