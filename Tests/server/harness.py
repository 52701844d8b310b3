"""Servers for the server tests: a real PostgreSQL 15 and omendb-server, both on loopback.

    with Postgres(synchronous_commit="on") as pg, OmenServer() as omen:
        for server in (pg, omen):
            psycopg.connect(server.dsn)

PostgreSQL refuses to run as root: when the tests run as root (CI), initdb and postgres run
(setuid in the child, so that the process we signal is the postmaster itself) as the
unprivileged `postgres` system user that Debian's postgresql-15 package creates
(scripts/setup.sh installs it). Both servers get a fresh data directory in a temporary
directory, a free loopback port and trust authentication; their stderr goes to a log file
whose tail is printed when something fails. Both are stopped at exit even when a test fails
(context manager plus atexit): PostgreSQL with a fast shutdown, omendb-server with SIGTERM,
and `stop()` raises if the server did not exit with status 0. For a crash backtrace in
omendb-server's log, set SWIFT_BACKTRACE=enable=yes,interactive=no,swift-backtrace=<the
toolchain's libexec/swift/linux/swift-backtrace> (not on by default: the backtracer has been
seen to hang on a crashed server with open connections).

Run alone, it starts both servers and prints their connection strings until Ctrl-C:
    python3 Tests/server/harness.py [--only postgres|omendb]
"""
from __future__ import annotations

import atexit
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("OMENDB_PG_BIN", "/usr/lib/postgresql/15/bin"))
OMEN_SERVER = Path(os.environ.get("OMENDB_SERVER", ROOT / ".build" / "release" / "omendb-server"))
PG_SYSTEM_USER = "postgres"   # who runs PostgreSQL when we are root
USER = "postgres"             # the database user of both servers
DATABASE = "postgres"         # PostgreSQL's database (omendb-server serves "omendb")

_running: list["Server"] = []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerError(f"exited with status {process.returncode} while starting", log)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise ServerError(f"not listening on 127.0.0.1:{port} after {seconds:.0f} s", log)


def log_tail(log: Path, lines: int = 40) -> str:
    try:
        text = log.read_text(errors="replace").splitlines()
    except OSError:
        return "(no log)"
    return "\n".join(text[-lines:])


class ServerError(RuntimeError):
    def __init__(self, message: str, log: Path):
        super().__init__(f"{message}\n--- {log} (tail) ---\n{log_tail(log)}")


class Server:
    """What the tests need of a running server: where it listens and who to log in as."""

    name = "server"
    host = "127.0.0.1"
    port = 0
    user = USER
    database = DATABASE
    log: Path

    @property
    def dsn(self) -> str:
        return f"host={self.host} port={self.port} user={self.user} dbname={self.database}"

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.database}"

    def env(self) -> dict[str, str]:
        """The environment for psql and pgbench: PGHOST, PGPORT, PGUSER, PGDATABASE."""
        env = dict(os.environ)
        env.update(PGHOST=self.host, PGPORT=str(self.port), PGUSER=self.user,
                   PGDATABASE=self.database, PGCONNECT_TIMEOUT="10")
        env.pop("PGPASSWORD", None)
        env.pop("PGSERVICE", None)
        return env

    process: subprocess.Popen | None = None
    tmp: Path | None = None
    stop_signal = signal.SIGTERM
    stop_signal_means = "SIGTERM"   # for the error when the server does not exit

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def _remove_tmp(self) -> None:
        """The server's temporary directory, unless OMENDB_KEEP_WORK=1 keeps it."""
        if self.tmp is not None and os.environ.get("OMENDB_KEEP_WORK") != "1":
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def start(self) -> "Server":
        raise NotImplementedError

    def stop(self) -> None:
        """`stop_signal`, then the exit status must be 0 (a crash or a hang raises). The
        temporary directory goes (an OmenServer's `data` given to its constructor stays)."""
        if self in _running:
            _running.remove(self)
        try:
            if self.process is not None:
                process, self.process = self.process, None
                if process.poll() is None:
                    process.send_signal(self.stop_signal)
                    try:
                        process.wait(timeout=60)
                    except subprocess.TimeoutExpired:
                        process.kill()
                        process.wait()
                        raise ServerError(f"did not exit within 60 s of {self.stop_signal_means}", self.log)
                if process.returncode != 0:
                    raise ServerError(f"exited with status {process.returncode}", self.log)
        finally:   # the error above carries the log's tail: the directory goes either way
            self._remove_tmp()

    def __enter__(self) -> "Server":
        return self.start()

    def __exit__(self, *exc) -> None:
        # A failing stop must not hide the test's own exception.
        if exc[0] is None:
            self.stop()
        else:
            try:
                self.stop()
            except Exception as error:   # noqa: BLE001 - reported, the original error wins
                print(f"while stopping {self.name}: {error}", file=sys.stderr)


def _stop_all_at_exit() -> None:
    for server in list(_running):
        try:
            server.stop()
        except Exception as error:   # noqa: BLE001
            print(f"at exit, stopping {server.name}: {error}", file=sys.stderr)


atexit.register(_stop_all_at_exit)


def _pg_user() -> dict:
    """subprocess arguments that run a child as the unprivileged user when we are root."""
    if os.geteuid() != 0:
        return {}
    try:
        entry = pwd.getpwnam(PG_SYSTEM_USER)
    except KeyError:
        raise RuntimeError(f"running as root and there is no '{PG_SYSTEM_USER}' user to run "
                           "PostgreSQL as: run scripts/setup.sh (it installs postgresql-15)")
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


class Postgres(Server):
    """A real PostgreSQL 15: initdb into a temporary directory, postgres on a loopback port.

    `settings` are extra `-c name=value` server settings; fsync and synchronous_commit are
    explicit so that every test states the durability it compares at."""

    name = "postgresql"
    stop_signal = signal.SIGINT   # a fast shutdown
    stop_signal_means = "a fast shutdown (SIGINT)"

    def __init__(self, fsync: str = "on", synchronous_commit: str = "on",
                 settings: dict[str, str] | None = None):
        self.settings = {"fsync": fsync, "synchronous_commit": synchronous_commit,
                         "timezone": "UTC", "listen_addresses": "127.0.0.1",
                         "max_connections": "100", **(settings or {})}

    def start(self) -> "Postgres":
        self.tmp = Path(tempfile.mkdtemp(prefix="omendb-pg."))
        data, sockets, self.log = self.tmp / "data", self.tmp / "sockets", self.tmp / "postgres.log"
        sockets.mkdir()
        self.log.touch()
        if os.geteuid() == 0:
            entry = pwd.getpwnam(PG_SYSTEM_USER)
            for path in (self.tmp, sockets, self.log):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        init = subprocess.run(
            [str(PG_BIN / "initdb"), "-D", str(data), "-U", USER, "-A", "trust",
             "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"],
            capture_output=True, text=True, timeout=120, cwd=self.tmp, **_pg_user())
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed ({init.returncode}):\n{init.stdout}\n{init.stderr}")
        self.port = free_port()
        argv = [str(PG_BIN / "postgres"), "-D", str(data), "-p", str(self.port),
                "-c", f"unix_socket_directories={sockets}"]
        for key, value in self.settings.items():
            argv += ["-c", f"{key}={value}"]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, cwd=self.tmp, **_pg_user())
        _running.append(self)
        _wait_for_port(self.port, self.process, self.log, 60)
        # Listening comes before accepting logins: wait until a login works.
        deadline = time.monotonic() + 60
        while subprocess.run([str(PG_BIN / "pg_isready"), "-q", "-h", self.host, "-p", str(self.port),
                              "-U", USER, "-d", DATABASE]).returncode != 0:
            if time.monotonic() > deadline:
                raise ServerError("not accepting connections after 60 s", self.log)
            time.sleep(0.1)
        return self


class OmenServer(Server):
    """omendb-server on a fresh data directory (or `data`, to reopen one), loopback port.

    `args` are extra command-line arguments (e.g. ["--config", path])."""

    name = "omendb"
    database = "omendb"     # the one database omendb-server serves (its database_name default)

    def __init__(self, data: Path | None = None, args: list[str] | None = None,
                 binary: Path = OMEN_SERVER):
        self.binary = Path(binary)
        self.data = data
        self.args = args or []

    def start(self) -> "OmenServer":
        if not self.binary.exists():
            raise FileNotFoundError(f"{self.binary} does not exist: swift build -c release "
                                    "--product omendb-server")
        self.tmp = Path(tempfile.mkdtemp(prefix="omendb-server."))
        if self.data is None:
            self.data = self.tmp / "data"
        self.log = self.tmp / "server.log"
        self.port = free_port()
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [str(self.binary), "--data", str(self.data), "--listen", f"{self.host}:{self.port}",
                 *self.args], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        _running.append(self)
        _wait_for_port(self.port, self.process, self.log, 60)
        return self


def servers(kinds: str) -> list[Server]:
    """The servers named by `kinds`: "postgres", "omendb" or "both" (not started)."""
    if kinds not in ("postgres", "omendb", "both"):
        raise ValueError(f"unknown server kind {kinds!r}: postgres, omendb or both")
    result: list[Server] = []
    if kinds in ("postgres", "both"):
        result.append(Postgres())
    if kinds in ("omendb", "both"):
        result.append(OmenServer())
    return result


if __name__ == "__main__":
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("postgres", "omendb"), default=None)
    options = parser.parse_args()
    started = [server.start() for server in servers(options.only or "both")]
    for server in started:
        print(f"{server.name}: psql '{server.dsn}'   (log {server.log})", flush=True)
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
