"""CancelRequest really cancels the running statement (57014), statement_timeout too, and
the connection goes on afterwards (psycopg: conn.cancel() sends BackendKeyData's pid and secret)."""
from __future__ import annotations

import threading
import time

import psycopg
import pytest

# Long on any server (minutes), so that only a cancel ends it within the test's bounds.
LONG = "SELECT count(*) FROM generate_series(1, 2000000000) AS a"


def test_cancel_request(server):
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        timer = threading.Timer(0.5, conn.cancel)
        started = time.monotonic()
        timer.start()
        try:
            with pytest.raises(psycopg.errors.QueryCanceled):
                conn.execute(LONG)
        finally:
            timer.cancel()
        assert time.monotonic() - started < 30
        assert conn.execute("SELECT 1 AS a").fetchone() == (1,)


def test_cancel_with_a_wrong_secret_does_nothing(server):
    import wire
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        pid = conn.info.backend_pid
        wire.cancel(server.host, server.port, pid, 12345)
        # Nothing was running; a later statement is unaffected by the bogus cancel.
        time.sleep(0.2)
        assert conn.execute("SELECT 2 AS a").fetchone() == (2,)


def test_statement_timeout(server):
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute("SET statement_timeout = '300ms'")
        started = time.monotonic()
        with pytest.raises(psycopg.errors.QueryCanceled):
            conn.execute(LONG)
        assert time.monotonic() - started < 30
        conn.execute("RESET statement_timeout")
        assert conn.execute("SELECT 3 AS a").fetchone() == (3,)


def test_idle_in_transaction_session_timeout(server):
    """A session idle inside a transaction block longer than the timeout is ended (FATAL
    25P03) and its transaction rolled back; idle outside a block it stays."""
    with psycopg.connect(server.dsn, autocommit=True) as setup:
        setup.execute("DROP TABLE IF EXISTS idle_tx")
        setup.execute("CREATE TABLE idle_tx (k int PRIMARY KEY, v int)")
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute("SET idle_in_transaction_session_timeout = '300ms'")
        time.sleep(0.8)   # idle, but not in a transaction: nothing happens
        assert conn.execute("SELECT 4 AS a").fetchone() == (4,)
        conn.execute("BEGIN")
        conn.execute("INSERT INTO idle_tx VALUES (1, 1)")
        time.sleep(1.0)
        with pytest.raises(psycopg.errors.IdleInTransactionSessionTimeout) as failure:
            conn.execute("COMMIT")
        assert failure.value.sqlstate == "25P03"
        assert "idle-in-transaction timeout" in str(failure.value)
        assert conn.closed
    with psycopg.connect(server.dsn, autocommit=True) as check:
        assert check.execute("SELECT count(*) FROM idle_tx").fetchone() == (0,)
        check.execute("DROP TABLE idle_tx")
