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
