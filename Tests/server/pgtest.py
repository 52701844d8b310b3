"""Protocol conformance: data-driven message exchanges (CockroachDB's / Materialize's pgtest
format) run against a real PostgreSQL 15 and against omendb-server.

A file in Tests/server/pgtest/ is a sequence of blocks:

    send                      frontend messages, one per line: Name {json fields}
    Query {"String": "SELECT 1 AS a"}
    ----
                              (a blank line ends every block)
    until [ignore=A,B]        read until each listed message type has arrived, in order
    ReadyForQuery
    ----
    RowDescription {...}      the messages expected, as PostgreSQL 15 sends them
    ...

    connect {json}            a new connection with these StartupMessage parameters
    ----                      (expected: its messages up to ReadyForQuery, ParameterStatus
    ...                       sorted by name)

The expected output is what PostgreSQL 15 sends (`--rewrite` regenerates it from the real
server; review the diff). Every run checks PostgreSQL against the files first (so a file that
no longer describes PostgreSQL fails) and then omendb-server. Each file starts on a fresh
connection; files share one database, so each file uses its own table names.

Compared: message types and order, SQLSTATEs and severities (not message texts: they are
shown on failure), row data, RowDescription fields (a column's table OID only as "from a
table or not"), CommandComplete tags, ReadyForQuery status, copy formats and data.
Normalised because they legitimately differ: BackendKeyData's pid and secret, the values of
the ParameterStatus names in NORMALISED_PARAMETERS.

    python3 Tests/server/pgtest.py [--server postgres|omendb|both] [--rewrite] [FILE...]
"""
from __future__ import annotations

import argparse
import json
import socket
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402
import wire  # noqa: E402

DATA = Path(__file__).resolve().parent / "pgtest"
# ParameterStatus values that differ between any two servers, by design.
NORMALISED_PARAMETERS = {"server_version"}
READ_TIMEOUT = 5.0
# A file whose connection is lost (timeout, close) this many times is abandoned: its
# remaining blocks count as failed without running (bounds the run against a hanging server).
LOST_CONNECTIONS_LIMIT = 3


def render(name: str, fields: dict) -> str:
    """One backend message as compared."""
    if name in ("ErrorResponse", "NoticeResponse"):
        fields = {"Severity": fields.get("Severity"), "Code": fields.get("Code")}
    elif name == "BackendKeyData":
        fields = {}
    elif name == "ParameterStatus" and fields["Name"] in NORMALISED_PARAMETERS:
        fields = {"Name": fields["Name"], "Value": "*"}
    elif name == "Authentication":
        fields = {"Type": fields["Type"]}
    elif name == "RowDescription":
        fields = {"Fields": [{**f, "TableOID": "table" if f["TableOID"] else 0}
                             for f in fields["Fields"]]}
    return f"{name} {json.dumps(fields)}" if fields else name


def detail(name: str, fields: dict) -> str:
    """One backend message with everything, for failure reports."""
    return f"{name} {json.dumps(fields)}" if fields else name


class Block:
    def __init__(self, path: Path, line: int, directive: str, args: str, body: list[str],
                 expected: list[str]):
        self.path, self.line, self.directive, self.args = path, line, directive, args
        self.body, self.expected = body, expected
        # "# known difference: why" right before an until block: omendb-server is known to
        # answer differently (docs/server.md lists each); it must still differ, or the
        # marker is stale and the check fails.
        self.known: str | None = None

    def header(self) -> str:
        return f"{self.directive} {self.args}".rstrip()


KNOWN_MARKER = "# known difference:"


def parse(path: Path) -> list[Block]:
    lines = path.read_text().splitlines()
    blocks, i, known = [], 0, None
    while i < len(lines):
        line = lines[i].strip()
        if line.startswith(KNOWN_MARKER):
            known = line[len(KNOWN_MARKER):].strip()
        if not line or line.startswith("#"):
            i += 1
            continue
        start = i + 1
        directive, _, args = line.partition(" ")
        if directive not in ("send", "until", "connect"):
            raise SyntaxError(f"{path}:{start}: unknown directive {directive!r}")
        i += 1
        body = []
        while i < len(lines) and lines[i].strip() != "----":
            body.append(lines[i].strip())
            i += 1
        if i == len(lines):
            raise SyntaxError(f"{path}:{start}: block without ----")
        i += 1
        expected = []
        while i < len(lines) and lines[i].strip():
            expected.append(lines[i].strip())
            i += 1
        blocks.append(Block(path, start, directive, args.strip(), body, expected))
        if directive == "until":
            blocks[-1].known, known = known, None
    return blocks


class Runner:
    def __init__(self, server: harness.Server):
        self.server = server
        self.conn: wire.Connection | None = None

    def connect(self, params: dict | None = None) -> list[tuple[str, dict]]:
        if self.conn is not None:
            self.conn.close()
        self.conn = wire.Connection(self.server.host, self.server.port, timeout=READ_TIMEOUT)
        return self.conn.startup(self.server.user, self.server.database, params)

    def run(self, block: Block) -> list[tuple[str, dict]]:
        """The block's actual messages (send: none)."""
        try:
            return self._run(block)
        except (OSError, wire.ProtocolError) as error:
            self.conn = None
            return [("CONNECTION FAILED", {"error": str(error)})]

    def _run(self, block: Block) -> list[tuple[str, dict]]:
        if block.directive == "connect":
            messages = self.connect(json.loads(block.args) if block.args else None)
            status = sorted((m for m in messages if m[0] == "ParameterStatus"), key=lambda m: m[1]["Name"])
            rest = [m for m in messages if m[0] != "ParameterStatus"]
            return rest[:-1] + status + rest[-1:]
        if self.conn is None:
            self.connect()
        if block.directive == "send":
            try:
                self.conn.send(b"".join(wire.encode(*wire.parse_line(line)) for line in block.body))
            except OSError as error:
                self.conn = None
                return [("SEND FAILED", {"error": str(error)})]
            return []
        ignore = set()
        for arg in block.args.split():
            key, _, value = arg.partition("=")
            if key != "ignore":
                raise SyntaxError(f"{block.path}:{block.line}: unknown until argument {arg}")
            ignore = set(value.split(","))
        wanted, out = [name for line in block.body for name in line.split()], []
        try:
            while wanted:
                name, fields = self.conn.read()
                if name == wanted[0]:
                    wanted.pop(0)
                if name not in ignore:
                    out.append((name, fields))
        except socket.timeout:
            out.append(("TIMEOUT", {"waiting for": wanted}))
            self.conn = None
        except (ConnectionError, OSError) as error:
            out.append(("CONNECTION CLOSED", {"error": str(error)}))
            self.conn = None
        return out

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def run_file(server: harness.Server, path: Path, rewrite: bool) -> tuple[int, list[str]]:
    """(checks, failure reports) for one file; with rewrite, writes PostgreSQL's output."""
    blocks, runner, failures, checks, lost = parse(path), Runner(server), [], 0, 0
    try:
        for index, block in enumerate(blocks):
            if lost >= LOST_CONNECTIONS_LIMIT and not rewrite:
                rest = [b for b in blocks[index:] if b.directive != "send"]
                checks += len(rest)
                failures += [f"{path.name}:{b.line}: not run (the file was abandoned after "
                             f"{lost} lost connections)" for b in rest]
                break
            actual = runner.run(block)
            if any(name in ("TIMEOUT", "CONNECTION CLOSED", "SEND FAILED", "CONNECTION FAILED") for name, _ in actual):
                lost += 1
            rendered = [render(*m) for m in actual]
            block.actual = rendered
            if block.directive == "send" and not actual:
                continue
            checks += 1
            if block.known and server.name == "omendb" and not rewrite:
                if rendered == block.expected:
                    failures.append(f"{path.name}:{block.line}: marked as a known difference ({block.known}) "
                                    "but omendb-server now answers as PostgreSQL does: remove the marker")
                else:
                    print(f"[{server.name}] {path.name}:{block.line}: known difference: {block.known}")
                continue
            if rendered != block.expected and not rewrite:
                lines = [f"{path.name}:{block.line}: {block.header()} {' '.join(block.body)}",
                         "  expected (PostgreSQL 15):"]
                lines += [f"    {e}" for e in block.expected]
                lines.append(f"  {server.name} sent:")
                lines += [f"    {detail(*m)}" for m in actual]
                failures.append("\n".join(lines))
    finally:
        runner.close()
    if rewrite:
        write(path, blocks)
    return checks, failures


def write(path: Path, blocks: list[Block]) -> None:
    """The file with each block's expected output replaced by what the server sent."""
    lines, out, consumed = path.read_text().splitlines(), [], 0
    for block in blocks:
        # Copy everything up to and including the block's ---- line, then the new output.
        end = block.line - 1 + 1 + len(block.body)      # index of ----
        out += lines[consumed:end + 1]
        out += block.actual
        skip = end + 1
        while skip < len(lines) and lines[skip].strip():
            skip += 1
        consumed = skip
    out += lines[consumed:]
    path.write_text("\n".join(out) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description="PostgreSQL protocol conformance files")
    parser.add_argument("--server", default="both", choices=("postgres", "omendb", "both"))
    parser.add_argument("--rewrite", action="store_true",
                        help="regenerate the expected output from the real PostgreSQL 15")
    parser.add_argument("files", nargs="*", type=Path)
    options = parser.parse_args()
    files = options.files or sorted(DATA.glob("*.pgt"))
    if options.rewrite and options.server != "postgres":
        parser.error("--rewrite takes its output from --server postgres only")
    status = 0
    for server in harness.servers(options.server):
        with server:
            total, failed = 0, 0
            for path in files:
                checks, failures = run_file(server, path, options.rewrite)
                total += checks
                failed += len(failures)
                for report in failures:
                    print(f"[{server.name}] {report}\n")
            print(f"pgtest {server.name}: {total - failed}/{total} checks passed in {len(files)} files")
            if failed:
                status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
