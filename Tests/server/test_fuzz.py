"""Protocol fuzzing: malformed, truncated, huge-length and out-of-order messages, and clients
vanishing mid-query, mid-transaction and mid-COPY. The server must answer with an error or
close that connection, never crash or hang; a connection opened before the abuse keeps
working; and the data verifies at the end (committed rows intact, abandoned work gone).
Seeded (the seed is printed); each case runs against PostgreSQL 15 too."""
from __future__ import annotations

import random
import socket
import struct

import pytest

import wire

ROWS = 500


def connect(server, timeout=5.0) -> wire.Connection:
    conn = wire.Connection(server.host, server.port, timeout=timeout)
    conn.startup(server.user, server.database)
    return conn


def outcome(conn: wire.Connection, seconds: float) -> tuple[str, list]:
    """Reads until the server closes, goes idle (ReadyForQuery) or stays silent for `seconds`:
    ('closed' | 'ready' | 'silent', messages)."""
    conn.sock.settimeout(seconds)
    messages = []
    try:
        while True:
            name, fields = conn.read()
            messages.append((name, fields))
            if name == "ReadyForQuery":
                return "ready", messages
    except socket.timeout:
        return "silent", messages
    except (ConnectionError, OSError):
        return "closed", messages
    except wire.ProtocolError as error:
        pytest.fail(f"the server sent malformed data: {error}")


def codes(messages) -> list[str]:
    return [f.get("Code") for n, f in messages if n == "ErrorResponse"]


@pytest.fixture
def fuzz_table(server):
    """A table with known contents and a connection opened before the abuse."""
    table = f"fuzz_{random.randrange(10**9)}"
    setup = connect(server)
    values = ",".join(f"({k}, {k * 3})" for k in range(ROWS))
    assert codes(setup.query(f"CREATE TABLE {table} (k int PRIMARY KEY, v bigint)")) == []
    assert codes(setup.query(f"INSERT INTO {table} VALUES {values}")) == []
    yield table, setup
    setup.close()


def verify(server, table: str, canary: wire.Connection) -> None:
    """The server is alive, the old connection and a new one both see exactly the committed rows."""
    assert server.alive(), f"{server.name} died"
    expected = [("text", str(ROWS)), ("text", str(3 * ROWS * (ROWS - 1) // 2))]
    for conn in (canary, connect(server)):
        messages = conn.query(f"SELECT count(*), sum(v) FROM {table}")
        rows = [f["Values"] for n, f in messages if n == "DataRow"]
        assert rows == [[{k: v} for k, v in expected]], messages
        assert messages[-1] == ("ReadyForQuery", {"TxStatus": "I"}), messages
        if conn is not canary:
            conn.close()


def raw(server, data: bytes, seconds=3.0, startup=True):
    conn = connect(server) if startup else wire.Connection(server.host, server.port, timeout=5)
    try:
        conn.send(data)
    except OSError:
        return "closed", []
    result = outcome(conn, seconds)
    conn.sock.close()
    return result


def test_fatal_framing_errors(server, fuzz_table):
    """Lengths that cannot be right and unknown message types: an error and/or a close, quickly."""
    table, canary = fuzz_table
    cases = {
        "huge length": b"Q" + struct.pack("!I", 0x7FFFFFF0) + b"SELECT 1\0",
        "negative length": b"Q" + struct.pack("!i", -5) + b"SELECT 1\0",
        "length below 4": b"Q" + struct.pack("!i", 2),
        "unknown type": wire.message(b"\x07", b"xyz"),
        "huge Parse": b"P" + struct.pack("!I", 0x40000100),
    }
    for name, data in cases.items():
        result, messages = raw(server, data)
        assert result == "closed", f"{name}: {result} {messages}"
        assert set(codes(messages)) <= {"08P01", "54000"}, f"{name}: {messages}"
        verify(server, table, canary)


def test_malformed_bodies(server, fuzz_table):
    """Well-framed messages with bad contents: an ErrorResponse (then ReadyForQuery after Sync) or a close."""
    table, canary = fuzz_table
    sync = wire.encode("Sync")
    cases = {
        "Query without terminator": wire.message(b"Q", b"SELECT 1"),
        "Parse with parameter count beyond the body": wire.message(b"P", b"\0SELECT 1\0" + struct.pack("!h", 50)),
        "Bind with a value length beyond the body": wire.message(b"B", b"\0\0\0\0\0\x01" + struct.pack("!i", 1000) + b"ab"),
        "Bind with a negative format count": wire.message(b"B", b"\0\0" + struct.pack("!h", -3)),
        "Describe of type X": wire.message(b"D", b"Xname\0"),
        "Close of type X": wire.message(b"C", b"Xname\0"),
        "Execute too short": wire.message(b"E", b"\0\x01"),
        "invalid UTF-8 query": wire.message(b"Q", b"SELECT '\xff\xfe'\0"),
        "query with a NUL inside": wire.message(b"Q", b"SELECT 1\0 AS a\0"),
    }
    for name, data in cases.items():
        result, messages = raw(server, data + sync)
        assert codes(messages), f"{name}: no ErrorResponse: {result} {messages}"
        assert result in ("ready", "closed"), f"{name}: {result} {messages}"
        assert all(c[:2] in ("08", "22", "42", "26", "34") for c in codes(messages)), f"{name}: {messages}"
        verify(server, table, canary)


def test_out_of_order(server, fuzz_table):
    """Messages the state does not allow: errors, never a crash; the connection recovers at Sync."""
    table, canary = fuzz_table
    conn = connect(server)
    cases = [
        ("Execute of no portal", [("Execute", {"Portal": "nope"}), ("Sync", None)], ["34000"]),
        ("Bind of no statement", [("Bind", {"PreparedStatement": "nope"}), ("Sync", None)], ["26000"]),
        ("Describe of no statement", [("Describe", {"ObjectType": "S", "Name": "nope"}), ("Sync", None)], ["26000"]),
        ("CopyDone outside COPY", [("CopyDone", None), ("Sync", None)], []),
        ("CopyData outside COPY", [("CopyData", {"Data": "1\t2\n"}), ("Sync", None)], []),
        ("Sync alone", [("Sync", None)], []),
    ]
    for name, messages, expected in cases:
        conn.send(b"".join(wire.encode(kind, fields) for kind, fields in messages))
        result, got = outcome(conn, 5)
        assert result == "ready" and codes(got) == expected, f"{name}: {result} {got}"
    # A second StartupMessage after startup is not a startup: an error or a close.
    conn.send(wire.startup_packet({"user": server.user}))
    result, got = outcome(conn, 3)
    assert result == "closed" or codes(got), f"startup twice: {result} {got}"
    conn.sock.close()
    verify(server, table, canary)


def test_startup_phase(server, fuzz_table):
    table, canary = fuzz_table
    # SSLRequest and GSSENCRequest: 'N', then a normal startup works on the same socket.
    # (Debian's PostgreSQL is built with GSSAPI and accepts GSSENCRequest: 'G'.)
    for code in (wire.SSL_REQUEST, 80877104):
        conn = wire.Connection(server.host, server.port)
        conn.send(struct.pack("!ii", 8, code))
        answer = conn.sock.recv(1)
        if answer == b"G" and code != wire.SSL_REQUEST and server.name == "postgresql":
            conn.sock.close()
            continue
        assert answer == b"N", (code, answer)
        conn.startup(server.user, server.database)
        assert codes(conn.query("SELECT 1")) == []
        conn.close()
    cases = {
        "protocol 2.0": struct.pack("!ii", 8, 0x20000),
        "protocol 9.9": struct.pack("!ii", 8, 0x90009),
        "huge startup length": struct.pack("!ii", 0x7FFFFFFF, wire.PROTOCOL_3),
        "startup length 3": struct.pack("!i", 3),
        "no user": wire.startup_packet({"database": server.database}),
        "unterminated parameters": struct.pack("!ii", 14, wire.PROTOCOL_3) + b"user\0a",
        "cancel with a wrong key": struct.pack("!iiii", 16, wire.CANCEL_REQUEST, 12345, 67890),
        "query before startup": wire.encode("Query", {"String": "SELECT 1"}),
    }
    for name, data in cases.items():
        result, messages = raw(server, data, startup=False)
        assert result == "closed", f"{name}: {result} {messages}"
        assert all(n == "ErrorResponse" for n, _ in messages), f"{name}: {messages}"
        verify(server, table, canary)


def test_vanishing_clients(server, fuzz_table):
    """A client that disappears mid-result, mid-transaction, mid-COPY, mid-message."""
    table, canary = fuzz_table
    # Mid-result: a large cross join, then the socket closes without reading.
    conn = connect(server)
    conn.send(wire.encode("Query", {"String": f"SELECT a.k, b.v FROM {table} a, {table} b"}))
    conn.sock.close()
    # Mid-transaction with writes: they must not survive nor block others.
    conn = connect(server)
    assert codes(conn.query(f"BEGIN; UPDATE {table} SET v = v + 1; DELETE FROM {table} WHERE k < 10")) == []
    conn.sock.close()
    # Mid-COPY FROM STDIN: the partial data must not be committed.
    conn = connect(server)
    conn.send(wire.encode("Query", {"String": f"COPY {table} FROM STDIN"}))
    name, _ = conn.read()
    assert name == "CopyInResponse"
    conn.send(wire.encode("CopyData", {"Data": "".join(f"{k}\t0\n" for k in range(ROWS, ROWS + 100))}))
    conn.sock.close()
    # Mid-message: half of a Query.
    conn = connect(server)
    conn.send(wire.encode("Query", {"String": "SELECT 1"})[:7])
    conn.sock.close()
    # Extended protocol, no Sync, then gone.
    conn = connect(server)
    conn.send(wire.encode("Parse", {"Query": f"UPDATE {table} SET v = 0"}) + wire.encode("Bind") + wire.encode("Execute"))
    conn.sock.close()
    # The writer that follows must not wait on what the vanished clients left behind.
    writer = connect(server, timeout=30)
    assert codes(writer.query(f"UPDATE {table} SET v = v WHERE k = 1")) == []
    writer.close()
    verify(server, table, canary)


def test_random_mutations(server, fuzz_table, seed):
    """Valid exchanges with random corruption (flipped bytes, truncations, wrong lengths,
    inserted garbage, duplicates): any answer is fine except a crash, a hang of the whole
    server or a changed database."""
    print(f"seed {seed}")
    table, canary = fuzz_table
    rng = random.Random(seed)
    templates = [
        [("Query", {"String": f"SELECT k, v FROM {table} WHERE k < 5"})],
        [("Parse", {"Name": "s", "Query": f"SELECT v FROM {table} WHERE k = $1", "ParameterOIDs": [23]}),
         ("Bind", {"PreparedStatement": "s", "Parameters": [{"text": "3"}], "ResultFormatCodes": [1]}),
         ("Describe", {"ObjectType": "P"}), ("Execute", {"MaxRows": 1}), ("Sync", None)],
        [("Parse", {"Query": "SELECT $1::int8 AS a", "ParameterOIDs": [20]}),
         ("Bind", {"ParameterFormatCodes": [1], "Parameters": [{"binary": "0000000000000007"}]}),
         ("Execute", {}), ("Sync", None)],
        [("Query", {"String": "BEGIN; SELECT 1 AS a; COMMIT"})],
        [("Close", {"ObjectType": "S", "Name": "s"}), ("Sync", None)],
    ]
    for case in range(150):
        data = bytearray(b"".join(wire.encode(k, f) for k, f in rng.choice(templates)))
        mutation = rng.randrange(5)
        if mutation == 0:
            for _ in range(rng.randint(1, 4)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        elif mutation == 1:
            data = data[:rng.randrange(1, len(data))]
        elif mutation == 2:
            at = rng.randrange(len(data) - 4)
            data[at:at + 4] = struct.pack("!i", rng.choice([0, 1, 3, 4, 5, -1, 2**31 - 1, rng.randrange(2**31)]))
        elif mutation == 3:
            at = rng.randrange(len(data))
            data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        else:
            data = data + data
        result, messages = raw(server, bytes(data) + wire.encode("Sync"), seconds=0.3)
        assert result in ("ready", "closed", "silent"), (case, result)
        if case % 25 == 24:
            verify(server, table, canary)
    verify(server, table, canary)
