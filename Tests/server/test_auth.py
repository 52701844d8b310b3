"""Password authentication with the real clients: SCRAM-SHA-256 and cleartext. The user's
verifier is made by the real PostgreSQL (`CREATE ROLE ... PASSWORD` under
password_encryption = scram-sha-256) and given to omendb-server in its password file, so
the same verifier must work on both. A wrong password and an unknown user both fail with
28P01 and the same message shape (no hint of which part was wrong)."""
from __future__ import annotations

import asyncio
import subprocess

import asyncpg
import pg8000.native
import psycopg
import pytest

import harness

USER, PASSWORD = "alice", "correct horse"


def scram_verifier() -> str:
    with harness.Postgres() as pg, psycopg.connect(pg.dsn, autocommit=True) as conn:
        conn.execute("SET password_encryption = 'scram-sha-256'")
        conn.execute(f"CREATE ROLE {USER} LOGIN SUPERUSER PASSWORD '{PASSWORD}'")
        (verifier,) = conn.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", (USER,)).fetchone()
    assert verifier.startswith("SCRAM-SHA-256$4096:")
    return verifier


def password_server(kind: str, method: str, tmp_path):
    """A started server whose only way in is `method` for USER/PASSWORD."""
    if kind == "postgresql":
        pg = harness.Postgres(settings={"password_encryption": "scram-sha-256"}).start()
        with psycopg.connect(pg.dsn, autocommit=True) as conn:
            conn.execute(f"CREATE ROLE {USER} LOGIN SUPERUSER PASSWORD '{PASSWORD}'")
            hba = pg.tmp / "data" / "pg_hba.conf"
            hba.write_text(f"host all all 127.0.0.1/32 {method}\n")
            conn.execute("SELECT pg_reload_conf()")
        pg.user = USER
        return pg
    passwords = tmp_path / "passwords"
    passwords.write_text(f"{USER}:{scram_verifier()}\n")
    omen = harness.OmenServer(args=["--auth", method, "--password-file", str(passwords)]).start()
    omen.user = USER
    return omen


@pytest.mark.parametrize("method", ["scram-sha-256", "password"])
def test_password_authentication(server, method, tmp_path):
    target = password_server(server.name, method, tmp_path)
    try:
        dsn = f"{target.dsn} password='{PASSWORD}'"
        with psycopg.connect(dsn) as conn:
            assert conn.execute("SELECT current_user").fetchone() == (USER,)

        async def with_asyncpg():
            conn = await asyncpg.connect(host=target.host, port=target.port, user=USER,
                                         password=PASSWORD, database=target.database)
            try:
                return await conn.fetchval("SELECT 1 + 1")
            finally:
                await conn.close()
        assert asyncio.run(with_asyncpg()) == 2

        conn = pg8000.native.Connection(USER, host=target.host, port=target.port, database=target.database,
                                        password=PASSWORD)
        assert conn.run("SELECT 3") == [[3]]
        conn.close()

        env = target.env()
        env["PGPASSWORD"] = PASSWORD
        done = subprocess.run(["psql", "-X", "-At", "-c", "SELECT 4"], env=env, capture_output=True,
                              text=True, timeout=60)
        assert (done.returncode, done.stdout.strip()) == (0, "4"), done.stderr

        for user, password in ((USER, "wrong"), ("mallory", PASSWORD)):
            with pytest.raises(psycopg.OperationalError) as error:
                psycopg.connect(f"host={target.host} port={target.port} dbname={target.database} "
                                f"user={user} password='{password}'")
            assert f'password authentication failed for user "{user}"' in str(error.value), str(error.value)
            with pytest.raises(asyncpg.InvalidPasswordError) as failure:
                asyncio.run(asyncpg.connect(host=target.host, port=target.port, user=user, password=password,
                                            database=target.database))
            assert failure.value.sqlstate == "28P01"
    finally:
        target.stop()
