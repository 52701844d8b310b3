"""pgbench (Debian's postgresql-15): -i, select-only prepared, the built-in TPC-B-like
script, and a custom -f script under SERIALIZABLE with --max-tries (only 40001/40P01 are
retried, so a conflict reported with another SQLSTATE fails the run)."""
from __future__ import annotations

import re
import subprocess

import psycopg


def pgbench(server, *args: str, timeout: int = 300) -> str:
    done = subprocess.run(["pgbench", *args], env=server.env(), capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, f"pgbench {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done.stdout


def stat(output: str, name: str) -> int:
    match = re.search(rf"^{re.escape(name)}: (\d+)", output, re.MULTILINE)
    assert match, f"no '{name}' in pgbench's output:\n{output}"
    return int(match.group(1))


def balances(server) -> tuple:
    with psycopg.connect(server.dsn) as conn:
        return conn.execute(
            "SELECT (SELECT sum(abalance) FROM pgbench_accounts), (SELECT sum(tbalance) FROM pgbench_tellers), "
            "(SELECT sum(bbalance) FROM pgbench_branches), (SELECT coalesce(sum(delta), 0) FROM pgbench_history), "
            "(SELECT count(*) FROM pgbench_history)").fetchone()


def test_pgbench(server, tmp_path):
    pgbench(server, "-i", "-s", "1", "-q")
    with psycopg.connect(server.dsn) as conn:
        counts = conn.execute("SELECT (SELECT count(*) FROM pgbench_branches), (SELECT count(*) FROM pgbench_tellers), "
                              "(SELECT count(*) FROM pgbench_accounts), (SELECT count(*) FROM pgbench_history)").fetchone()
    assert counts == (1, 10, 100000, 0)

    out = pgbench(server, "-n", "-S", "-M", "prepared", "-c", "4", "-j", "2", "-t", "500")
    assert "number of transactions actually processed: 2000/2000" in out, out
    assert stat(out, "number of failed transactions") == 0, out

    out = pgbench(server, "-n", "-c", "1", "-t", "300")
    assert "number of transactions actually processed: 300/300" in out, out
    a, t, b, h, n = balances(server)
    assert n == 300 and a == t == b == h, (a, t, b, h, n)

    script = tmp_path / "transfer.sql"
    script.write_text("""\\set a random(1, 50)
\\set b random(51, 100)
\\set d random(1, 1000)
BEGIN ISOLATION LEVEL SERIALIZABLE;
UPDATE pgbench_accounts SET abalance = abalance - :d WHERE aid = :a;
UPDATE pgbench_accounts SET abalance = abalance + :d WHERE aid = :b;
END;
""")
    before = balances(server)[0]
    out = pgbench(server, "-n", "-f", str(script), "-c", "4", "-j", "2", "-t", "150", "--max-tries", "1000",
                  "--failures-detailed")
    processed = re.search(r"number of transactions actually processed: (\d+)/600", out)
    assert processed, out
    failed = stat(out, "number of failed transactions")
    assert failed == 0, out                      # 1000 tries: conflicts are all retried
    assert int(processed.group(1)) == 600, out
    assert balances(server)[0] == before         # transfers move money, never make or lose it
    print(f"{server.name}: custom script retried {stat(out, 'number of transactions retried')} transactions")
