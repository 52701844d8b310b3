"""pg8000 (pure Python, text protocol with its own type handling)."""
from __future__ import annotations

import pg8000.native
import pytest


def test_native(server):
    conn = pg8000.native.Connection(server.user, host=server.host, port=server.port, database=server.database)
    try:
        conn.run("CREATE TABLE p8_t (k int PRIMARY KEY, v text, f double precision, b boolean)")
        for k in range(20):
            conn.run("INSERT INTO p8_t VALUES (:k, :v, :f, :b)", k=k, v=f"v{k}", f=k / 8, b=k % 3 == 0)
        assert conn.run("SELECT k, v, f, b FROM p8_t WHERE k = :k", k=9) == [[9, "v9", 1.125, True]]
        assert conn.run("SELECT count(*) FROM p8_t") == [[20]]
        conn.run("START TRANSACTION")
        conn.run("DELETE FROM p8_t WHERE k < 10")
        conn.run("ROLLBACK")
        assert conn.run("SELECT count(*) FROM p8_t") == [[20]]
        with pytest.raises(pg8000.native.DatabaseError) as error:
            conn.run("INSERT INTO p8_t VALUES (1, 'dup', 0, false)")
        assert error.value.args[0]["C"] == "23505"
        statement = conn.prepare("SELECT v FROM p8_t WHERE k = :k")
        assert [statement.run(k=k) for k in (1, 2)] == [[["v1"]], [["v2"]]]
        statement.close()
    finally:
        conn.close()
