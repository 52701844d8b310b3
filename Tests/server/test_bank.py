"""Bank transfers under SERIALIZABLE from many clients (psycopg, one thread each): the total
is preserved, no balance goes negative, every conflict is SQLSTATE 40001 and is retried, and
a concurrent reader's snapshot always sees the whole total."""
from __future__ import annotations

import random
import threading

import psycopg

ACCOUNTS, CLIENTS, TRANSFERS, START = 20, 8, 40, 1000


def test_bank(server, seed):
    print(f"seed {seed}")
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE bank (id int PRIMARY KEY, balance bigint NOT NULL)")
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO bank VALUES (%s, %s)", [(i, START) for i in range(ACCOUNTS)])
    total = ACCOUNTS * START
    errors: list[str] = []
    conflicts = [0] * CLIENTS
    done = threading.Event()
    sums: list[int] = []

    def client(n: int) -> None:
        rng = random.Random(seed * 1000 + n)
        try:
            with psycopg.connect(server.dsn) as conn:
                conn.isolation_level = psycopg.IsolationLevel.SERIALIZABLE
                for _ in range(TRANSFERS):
                    a, b = rng.sample(range(ACCOUNTS), 2)
                    amount = rng.randrange(1, 300)
                    while True:
                        try:
                            with conn.transaction():
                                (balance,) = conn.execute("SELECT balance FROM bank WHERE id = %s", (a,)).fetchone()
                                if balance >= amount:
                                    for account, delta in sorted(((a, -amount), (b, amount))):
                                        conn.execute("UPDATE bank SET balance = balance + %s WHERE id = %s",
                                                     (delta, account))
                            break
                        except psycopg.errors.SerializationFailure:
                            conflicts[n] += 1
        except Exception as error:   # noqa: BLE001 - collected and asserted below
            errors.append(f"client {n}: {type(error).__name__} {getattr(error, 'sqlstate', '')}: {error}")

    def reader() -> None:
        try:
            with psycopg.connect(server.dsn) as conn:
                conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
                while not done.is_set():
                    with conn.transaction():
                        sums.append(conn.execute("SELECT sum(balance) FROM bank").fetchone()[0])
        except Exception as error:   # noqa: BLE001
            errors.append(f"reader: {type(error).__name__}: {error}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    watcher = threading.Thread(target=reader)
    watcher.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    done.set()
    watcher.join(timeout=60)
    assert not any(t.is_alive() for t in threads + [watcher]), "a client hung"
    assert errors == [], f"seed {seed}: {errors}"
    with psycopg.connect(server.dsn) as conn:
        final = conn.execute("SELECT sum(balance), min(balance), count(*) FROM bank").fetchone()
    assert final == (total, final[1], ACCOUNTS) and final[1] >= 0, f"seed {seed}: {final}"
    assert sums and set(sums) == {total}, f"seed {seed}: a snapshot saw totals {sorted(set(sums))}"
    print(f"{server.name}: {sum(conflicts)} serialization conflicts (40001) retried, {len(sums)} snapshot reads")
