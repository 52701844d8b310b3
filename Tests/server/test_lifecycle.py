"""omendb-server's own lifecycle (no PostgreSQL counterpart to compare with): SIGTERM with
an open transaction and idle connections exits 0, the transaction is rolled back, committed
data is there after a restart on the same data directory."""
from __future__ import annotations

import pytest
import psycopg

import harness


@pytest.fixture
def omendb_only(server):
    if server.name != "omendb":
        pytest.skip("omendb-server's shutdown and restart")


def test_sigterm_rolls_back_and_restart_keeps_commits(omendb_only, tmp_path):
    data = tmp_path / "data"
    first = harness.OmenServer(data=data).start()
    try:
        with psycopg.connect(first.dsn, autocommit=True) as conn:
            conn.execute("CREATE TABLE life (k int PRIMARY KEY, v text)")
            conn.execute("INSERT INTO life VALUES (1, 'committed')")
        idle = psycopg.connect(first.dsn)
        open_tx = psycopg.connect(first.dsn)
        open_tx.execute("INSERT INTO life VALUES (2, 'never committed')")
    finally:
        first.stop()      # SIGTERM; raises unless the exit status is 0
    for conn in (idle, open_tx):
        with pytest.raises(psycopg.OperationalError):
            conn.execute("SELECT 1")
        conn.close()
    second = harness.OmenServer(data=data).start()
    try:
        with psycopg.connect(second.dsn) as conn:
            assert conn.execute("SELECT k, v FROM life ORDER BY k").fetchall() == [(1, "committed")]
    finally:
        second.stop()


def test_vanished_client_frees_its_session(omendb_only, tmp_path):
    """A client that disappears while its statement runs without sending anything: the
    session notices (SQLite's progress handler looks at the socket once a second), stops
    the statement and ends, so its connection slot is free again within seconds."""
    import time

    import wire
    server = harness.OmenServer(data=tmp_path / "data", args=["--max-connections", "2"]).start()
    try:
        holder = psycopg.connect(server.dsn, autocommit=True)
        gone = wire.Connection(server.host, server.port)
        gone.startup(server.user, server.database)
        gone.send(wire.encode("Query", {"String": "SELECT count(*) FROM generate_series(1, 2000000000) AS a"}))
        time.sleep(0.3)
        gone.sock.close()
        deadline = time.monotonic() + 20
        while True:
            try:
                with psycopg.connect(server.dsn, autocommit=True) as conn:
                    assert conn.execute("SELECT 1 AS a").fetchone() == (1,)
                break
            except psycopg.OperationalError as error:
                assert "too many clients" in str(error), error
                assert time.monotonic() < deadline, "the vanished client's session still holds its slot"
                time.sleep(0.2)
        holder.close()
    finally:
        server.stop()
