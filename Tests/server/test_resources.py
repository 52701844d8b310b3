"""Resources under load: a client that stops reading a large result gets backpressure
(the serving process's memory stays bounded), and many connections at once all work."""
from __future__ import annotations

import threading
import time

import psycopg

import wire

ROW = "x" * 1000
ROWS = 2000            # the self-join below is 4,000,000 rows of 1 kB: 4 GB if buffered


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def test_slow_reader_gets_backpressure(server):
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE res_big (k int PRIMARY KEY, v text)")
        with conn.cursor() as cur:
            with cur.copy("COPY res_big FROM STDIN") as copy:
                for k in range(ROWS):
                    copy.write_row((k, ROW))
    reader = wire.Connection(server.host, server.port)
    reader.startup(server.user, server.database)
    # The process that serves this connection: PostgreSQL's backend, or omendb-server itself.
    pid = reader.pid if server.name == "postgresql" else server.process.pid
    before = rss_bytes(pid)
    reader.send(wire.encode("Query", {"String": "SELECT a.v, b.k FROM res_big a, res_big b"}))
    time.sleep(3)                      # not reading: the socket buffers fill up
    grown = rss_bytes(pid) - before
    reader.sock.close()
    assert grown < 256 * 2**20, f"{server.name} grew by {grown / 2**20:.0f} MiB for a client that does not read"
    with psycopg.connect(server.dsn) as conn:  # and the server goes on
        assert conn.execute("SELECT count(*) FROM res_big").fetchone() == (ROWS,)


def test_many_connections(server):
    count, errors, barrier = 40, [], threading.Barrier(40, timeout=60)

    def client(n: int) -> None:
        try:
            with psycopg.connect(server.dsn, autocommit=True) as conn:
                barrier.wait()          # all 40 open at the same time
                assert conn.execute("SELECT %s::int + 1 AS a", (n,)).fetchone() == (n + 1,)
                barrier.wait()
        except Exception as error:   # noqa: BLE001 - collected and asserted below
            errors.append(f"client {n}: {error!r}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
