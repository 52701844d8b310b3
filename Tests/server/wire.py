"""A raw-socket PostgreSQL v3 protocol client: frontend messages from JSON-like dicts
(pgproto3's field names, as in CockroachDB's pgtest files), backend messages decoded to
(type name, fields). No driver in between, so the tests see exactly what a server sends.
"""
from __future__ import annotations

import json
import socket
import struct

PROTOCOL_3 = 196608
SSL_REQUEST = 80877103
CANCEL_REQUEST = 80877102

BACKEND = {
    b"R": "Authentication", b"S": "ParameterStatus", b"K": "BackendKeyData",
    b"Z": "ReadyForQuery", b"T": "RowDescription", b"D": "DataRow", b"C": "CommandComplete",
    b"E": "ErrorResponse", b"N": "NoticeResponse", b"1": "ParseComplete", b"2": "BindComplete",
    b"3": "CloseComplete", b"n": "NoData", b"I": "EmptyQueryResponse", b"s": "PortalSuspended",
    b"t": "ParameterDescription", b"G": "CopyInResponse", b"H": "CopyOutResponse",
    b"W": "CopyBothResponse", b"d": "CopyData", b"c": "CopyDone", b"A": "NotificationResponse",
    b"v": "NegotiateProtocolVersion", b"V": "FunctionCallResponse",
}

# ErrorResponse / NoticeResponse field codes.
ERROR_FIELDS = {
    "S": "Severity", "V": "SeverityUnlocalized", "C": "Code", "M": "Message", "D": "Detail",
    "H": "Hint", "P": "Position", "p": "InternalPosition", "q": "InternalQuery", "W": "Where",
    "s": "SchemaName", "t": "TableName", "c": "ColumnName", "d": "DataTypeName",
    "n": "ConstraintName", "F": "File", "L": "Line", "R": "Routine",
}


class ProtocolError(Exception):
    pass


def cstr(text: str) -> bytes:
    return text.encode() + b"\0"


def message(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack("!i", len(body) + 4) + body


def _value(value) -> bytes | None:
    """A parameter / copy value: {"text": s}, {"binary": hex} or None (NULL)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.encode()
    if "text" in value:
        return value["text"].encode()
    return bytes.fromhex(value["binary"])


def encode(kind: str, fields: dict | None = None) -> bytes:
    """One frontend message from its pgproto3 name and fields."""
    f = fields or {}
    if kind == "Query":
        return message(b"Q", cstr(f["String"]))
    if kind == "Parse":
        oids = f.get("ParameterOIDs", [])
        return message(b"P", cstr(f.get("Name", "")) + cstr(f["Query"]) +
                       struct.pack("!h", len(oids)) + b"".join(struct.pack("!I", o) for o in oids))
    if kind == "Bind":
        formats = f.get("ParameterFormatCodes", [])
        params = [_value(p) for p in f.get("Parameters", [])]
        results = f.get("ResultFormatCodes", [])
        body = cstr(f.get("DestinationPortal", "")) + cstr(f.get("PreparedStatement", ""))
        body += struct.pack("!h", len(formats)) + b"".join(struct.pack("!h", x) for x in formats)
        body += struct.pack("!h", len(params))
        for p in params:
            body += struct.pack("!i", -1) if p is None else struct.pack("!i", len(p)) + p
        body += struct.pack("!h", len(results)) + b"".join(struct.pack("!h", x) for x in results)
        return message(b"B", body)
    if kind == "Describe":
        return message(b"D", f["ObjectType"].encode() + cstr(f.get("Name", "")))
    if kind == "Execute":
        return message(b"E", cstr(f.get("Portal", "")) + struct.pack("!i", f.get("MaxRows", 0)))
    if kind == "Close":
        return message(b"C", f["ObjectType"].encode() + cstr(f.get("Name", "")))
    if kind == "Sync":
        return message(b"S", b"")
    if kind == "Flush":
        return message(b"H", b"")
    if kind == "Terminate":
        return message(b"X", b"")
    if kind == "CopyData":
        return message(b"d", _value(f["Data"]) or b"")
    if kind == "CopyDone":
        return message(b"c", b"")
    if kind == "CopyFail":
        return message(b"f", cstr(f.get("Message", "")))
    if kind == "Raw":   # arbitrary bytes, for malformed input
        return bytes.fromhex(f["Bytes"])
    raise ProtocolError(f"unknown frontend message {kind}")


def parse_line(line: str) -> tuple[str, dict]:
    """`Name {json}` or `Name` -> (name, fields)."""
    name, _, rest = line.strip().partition(" ")
    return name, (json.loads(rest) if rest.strip() else {})


def startup_packet(params: dict[str, str]) -> bytes:
    body = struct.pack("!i", PROTOCOL_3) + b"".join(cstr(k) + cstr(v) for k, v in params.items()) + b"\0"
    return struct.pack("!i", len(body) + 4) + body


def _render_value(raw: bytes | None):
    if raw is None:
        return None
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        return {"binary": raw.hex()}
    if all(c.isprintable() or c in "\t\n" for c in text):
        return {"text": text}
    return {"binary": raw.hex()}


def decode(kind: bytes, body: bytes) -> tuple[str, dict]:
    """A backend message's type name and all its fields."""
    name = BACKEND.get(kind)
    if name is None:
        raise ProtocolError(f"unknown backend message type {kind!r}")
    f: dict = {}
    if name == "Authentication":
        f["Type"] = struct.unpack_from("!i", body)[0]
        f["Data"] = body[4:].hex()
    elif name == "ParameterStatus":
        key, value, _ = body.split(b"\0", 2)
        f = {"Name": key.decode(), "Value": value.decode()}
    elif name == "BackendKeyData":
        pid, secret = struct.unpack("!ii", body)
        f = {"ProcessID": pid, "SecretKey": secret}
    elif name == "ReadyForQuery":
        f = {"TxStatus": body.decode()}
    elif name == "RowDescription":
        (count,), at, fields = struct.unpack_from("!h", body), 2, []
        for _ in range(count):
            end = body.index(b"\0", at)
            column = body[at:end].decode()
            table, attnum, oid, size, typmod, fmt = struct.unpack_from("!IhIhih", body, end + 1)
            fields.append({"Name": column, "TableOID": table, "TableAttributeNumber": attnum,
                           "DataTypeOID": oid, "DataTypeSize": size, "TypeModifier": typmod,
                           "Format": fmt})
            at = end + 1 + 18
        f = {"Fields": fields}
    elif name == "DataRow":
        (count,), at, values = struct.unpack_from("!h", body), 2, []
        for _ in range(count):
            (length,) = struct.unpack_from("!i", body, at)
            at += 4
            if length < 0:
                values.append(None)
            else:
                values.append(_render_value(body[at:at + length]))
                at += length
        f = {"Values": values}
    elif name == "CommandComplete":
        f = {"CommandTag": body.rstrip(b"\0").decode()}
    elif name in ("ErrorResponse", "NoticeResponse"):
        for part in body.split(b"\0"):
            if part:
                f[ERROR_FIELDS.get(chr(part[0]), chr(part[0]))] = part[1:].decode(errors="replace")
    elif name == "ParameterDescription":
        (count,) = struct.unpack_from("!h", body)
        f = {"ParameterOIDs": list(struct.unpack_from(f"!{count}I", body, 2))}
    elif name in ("CopyInResponse", "CopyOutResponse", "CopyBothResponse"):
        overall, count = struct.unpack_from("!bh", body)
        f = {"OverallFormat": overall,
             "ColumnFormatCodes": list(struct.unpack_from(f"!{count}h", body, 3))}
    elif name == "CopyData":
        f = {"Data": _render_value(body)}
    elif name == "NotificationResponse":
        pid = struct.unpack_from("!i", body)[0]
        channel, payload, _ = body[4:].split(b"\0", 2)
        f = {"ProcessID": pid, "Channel": channel.decode(), "Payload": payload.decode()}
    elif body:
        f = {"Body": body.hex()}
    return name, f


class Connection:
    """One protocol connection; `read()` returns (name, fields) or raises on close/timeout."""

    def __init__(self, host: str, port: int, timeout: float = 10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        self.pid = self.secret = None

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self, n: int) -> None:
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("server closed the connection")
            self.buffer += chunk

    def read(self) -> tuple[str, dict]:
        self._fill(5)
        kind = self.buffer[:1]
        (length,) = struct.unpack_from("!i", self.buffer, 1)
        if length < 4:
            raise ProtocolError(f"backend message {kind!r} with length {length}")
        self._fill(1 + length)
        body, self.buffer = self.buffer[5:1 + length], self.buffer[1 + length:]
        return decode(kind, body)

    def startup(self, user: str, database: str, extra: dict[str, str] | None = None) -> list:
        """StartupMessage with trust authentication; the messages up to ReadyForQuery."""
        self.send(startup_packet({"user": user, "database": database, **(extra or {})}))
        messages = []
        while True:
            name, fields = self.read()
            messages.append((name, fields))
            if name == "ErrorResponse":
                raise ProtocolError(f"startup failed: {fields}")
            if name == "Authentication" and fields["Type"] != 0:
                raise ProtocolError(f"authentication type {fields['Type']} requested: tests use trust")
            if name == "BackendKeyData":
                self.pid, self.secret = fields["ProcessID"], fields["SecretKey"]
            if name == "ReadyForQuery":
                return messages

    def until(self, names: list[str]) -> list[tuple[str, dict]]:
        """Reads messages until each of `names` has been seen, in order."""
        out, wanted = [], list(names)
        while wanted:
            name, fields = self.read()
            out.append((name, fields))
            if name == wanted[0]:
                wanted.pop(0)
        return out

    def query(self, sql: str) -> list[tuple[str, dict]]:
        self.send(encode("Query", {"String": sql}))
        return self.until(["ReadyForQuery"])

    def close(self) -> None:
        try:
            self.send(encode("Terminate"))
        except OSError:
            pass
        self.sock.close()


def cancel(host: str, port: int, pid: int, secret: int) -> None:
    with socket.create_connection((host, port), timeout=5) as s:
        s.sendall(struct.pack("!iiii", 16, CANCEL_REQUEST, pid, secret))
