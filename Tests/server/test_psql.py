"""psql (Debian's postgresql-client-15) against the server: a script with DDL, DML,
\\copy both ways, \\dt and \\d."""
from __future__ import annotations

import subprocess


def psql(server, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(["psql", "-X", "-v", "ON_ERROR_STOP=1", "-q", *args], input=stdin,
                          env=server.env(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"psql failed ({done.returncode}):\n{done.stderr}"
    return done.stdout


def test_script_and_copy(server, tmp_path):
    source = tmp_path / "in.tsv"
    rows = [(i, f"name {i}", i * 0.5) for i in range(1, 201)]
    source.write_text("".join(f"{k}\t{v}\t{x}\n" for k, v, x in rows))
    out = tmp_path / "out.csv"
    script = f"""
CREATE TABLE psql_t (k integer PRIMARY KEY, v text NOT NULL, x double precision);
\\copy psql_t FROM '{source}'
INSERT INTO psql_t VALUES (1000, 'tab\there', NULL);
\\copy (SELECT k, v, x FROM psql_t ORDER BY k) TO '{out}' WITH (FORMAT csv)
SELECT count(*), sum(k), min(v), max(x) FROM psql_t;
"""
    text = psql(server, "-A", "-t", stdin=script)
    assert text.strip() == f"201|{sum(range(1, 201)) + 1000}|name 1|100"
    lines = out.read_text().splitlines()
    assert len(lines) == 201
    assert lines[0] == "1,name 1,0.5"
    assert lines[-1] == "1000,tab\there,"


def test_describe(server):
    psql(server, "-c", "CREATE TABLE psql_d (id bigint PRIMARY KEY, name varchar(20) NOT NULL, score real)")
    tables = psql(server, "-A", "-c", r"\dt")
    rows = [line.split("|") for line in tables.splitlines()]
    assert any(r[1:3] == ["psql_d", "table"] for r in rows if len(r) >= 3), tables
    columns = psql(server, "-A", "-c", r"\d psql_d")
    assert 'Table "public.psql_d"' in columns, columns
    lines = columns.splitlines()
    assert "id|bigint||not null|" in lines, columns
    assert "name|character varying(20)||not null|" in lines, columns
    assert "score|real|||" in lines, columns


def test_errors_are_reported(server):
    done = subprocess.run(["psql", "-X", "-v", "ON_ERROR_STOP=1", "-c", "SELECT * FROM psql_missing"],
                          env=server.env(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert 'relation "psql_missing" does not exist' in done.stderr, done.stderr
