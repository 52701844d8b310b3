import CSQLite
import NIOCore
@testable import OmenServer
import XCTest

/// Bind parameters into SQLite: `SELECT ?1, typeof(?1)` shows what was bound.
final class PGParameterTests: XCTestCase {
    private var db: OpaquePointer?
    private var statement: OpaquePointer?

    override func setUp() {
        XCTAssertEqual(sqlite3_open(":memory:", &db), SQLITE_OK)
        XCTAssertEqual(sqlite3_prepare_v2(db, "SELECT ?1, typeof(?1), quote(?1)", -1, &statement, nil), SQLITE_OK)
    }

    override func tearDown() {
        sqlite3_finalize(statement)
        sqlite3_close(db)
    }

    /// Binds and returns SQLite's `quote()` of the bound value (`42`, `1.5`, `'text'`,
    /// `X'00FF'`, `NULL`).
    private func bound(_ bytes: [UInt8]?, _ type: PGType, binary: Bool) throws -> String {
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
        var buffer: ByteBuffer? = nil
        if let bytes {
            buffer = ByteBufferAllocator().buffer(capacity: bytes.count)
            buffer!.writeBytes(bytes)
        }
        try PGValueCodec.bind(statement: statement!, index: 1, value: buffer, type: type.oid, binary: binary)
        XCTAssertEqual(sqlite3_step(statement), SQLITE_ROW)
        return String(cString: sqlite3_column_text(statement, 2))
    }

    private func bytes(_ hex: String) -> [UInt8] {
        stride(from: 0, to: hex.count, by: 2).map {
            let start = hex.index(hex.startIndex, offsetBy: $0)
            return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)!
        }
    }

    func testTextParameters() throws {
        XCTAssertEqual(try bound(nil, PGTypes.int4, binary: false), "NULL")
        let cases: [(text: String, type: PGType, quoted: String)] = [
            (" -42 ", PGTypes.int4, "-42"), ("\t\u{0B}+7\r\n", PGTypes.int2, "7"), (" 1.5\u{0C}\n", PGTypes.float8, "1.5"),
            ("9223372036854775807", PGTypes.int8, "9223372036854775807"),
            ("4294967295", PGTypes.oid, "4294967295"), ("TRUE", PGTypes.bool, "1"), ("of", PGTypes.bool, "0"),
            ("1.5", PGTypes.float8, "1.5"), ("0x10", PGTypes.float8, "16.0"), ("-Infinity", PGTypes.float8, "-Inf"),
            ("1e-5", PGTypes.float4, "9.99999974737875163555e-06"),   // float4 precision, as PostgreSQL stores it
            ("2.00", PGTypes.numeric, "2"), ("-12.5e1", PGTypes.numeric, "-125"), ("0.1", PGTypes.numeric, "0.1"),
            ("\\x00ff41", PGTypes.bytea, "X'00FF41'"), ("a\\\\b\\001", PGTypes.bytea, "X'615C6201'"), ("", PGTypes.bytea, "X''"),
            ("2024-05-01T13:45:00.5+02:00", PGTypes.timestamptz, "'2024-05-01 11:45:00.5+00'"),
            ("2024-05-01 10:00 UTC", PGTypes.timestamptz, "'2024-05-01 10:00:00+00'"),
            ("2024-05-01", PGTypes.timestamp, "'2024-05-01 00:00:00'"),
            ("2024-05-01 10:00+05", PGTypes.timestamp, "'2024-05-01 10:00:00'"),   // zone ignored
            ("2024-05-01", PGTypes.date, "'2024-05-01'"), ("it's", PGTypes.text, "'it''s'"), ("", PGTypes.varchar, "''"),
            // Unspecified and unknown: a canonical integer becomes an integer.
            ("42", PGTypes.unknown, "42"),
            ("-7", PGType(oid: 0, name: "", size: 0), "-7"),
            // An OID the server does not know: the text as it is.
            ("{\"a\":1}", PGType(oid: 114, name: "json", size: -1), "'{\"a\":1}'"),
        ]
        // Unknown but not a canonical integer: kept as text.
        let kept = ["007", "+7", "1.5", "9223372036854775808", " 1", "x"].map { (text: $0, type: PGTypes.unknown, quoted: "'\($0)'") }
        for (text, type, quoted) in cases + kept {
            XCTAssertEqual(try bound(Array(text.utf8), type, binary: false), quoted, "\(text) as \(type.name)")
        }
    }

    func testBadTextParameters() {
        // Messages as PostgreSQL 15 words them for the same input.
        let cases: [(value: [UInt8], type: PGType, code: String, message: String)] = [
            (Array("12a".utf8), PGTypes.int4, SQLState.invalidTextRepresentation, "invalid input syntax for type integer: \"12a\""),
            (Array("".utf8), PGTypes.int8, SQLState.invalidTextRepresentation, "invalid input syntax for type bigint: \"\""),
            (Array(" \t\r\n".utf8), PGTypes.int4, SQLState.invalidTextRepresentation, "invalid input syntax for type integer: \" \t\r\n\""),
            (Array("1 2".utf8), PGTypes.int4, SQLState.invalidTextRepresentation, "invalid input syntax for type integer: \"1 2\""),
            (Array("2147483648".utf8), PGTypes.int4, SQLState.numericValueOutOfRange, "value \"2147483648\" is out of range for type integer"),
            (Array("40000".utf8), PGTypes.int2, SQLState.numericValueOutOfRange, "value \"40000\" is out of range for type smallint"),
            (Array("99999999999999999999".utf8), PGTypes.int8, SQLState.numericValueOutOfRange, "value \"99999999999999999999\" is out of range for type bigint"),
            (Array("1e400".utf8), PGTypes.float8, SQLState.numericValueOutOfRange, "\"1e400\" is out of range for type double precision"),
            (Array("1e-400".utf8), PGTypes.float8, SQLState.numericValueOutOfRange, "\"1e-400\" is out of range for type double precision"),
            (Array("1e39".utf8), PGTypes.float4, SQLState.numericValueOutOfRange, "\"1e39\" is out of range for type real"),
            (Array("1.5x".utf8), PGTypes.float8, SQLState.invalidTextRepresentation, "invalid input syntax for type double precision: \"1.5x\""),
            (Array("NaN".utf8), PGTypes.float8, SQLState.featureNotSupported, "NaN in parameter 1 (SQLite stores NaN as NULL) is not supported by omendb-server"),
            (Array("o".utf8), PGTypes.bool, SQLState.invalidTextRepresentation, "invalid input syntax for type boolean: \"o\""),
            (Array("\\xzz".utf8), PGTypes.bytea, SQLState.invalidParameterValue, "invalid hexadecimal digit: \"z\""),
            (Array("\\x1".utf8), PGTypes.bytea, SQLState.invalidParameterValue, "invalid hexadecimal data: odd number of digits"),
            (Array("a\\9".utf8), PGTypes.bytea, SQLState.invalidTextRepresentation, "invalid input syntax for type bytea"),
            (Array("1.2.3".utf8), PGTypes.numeric, SQLState.invalidTextRepresentation, "invalid input syntax for type numeric: \"1.2.3\""),
            (Array("not a date".utf8), PGTypes.date, SQLState.invalidDatetimeFormat, "invalid input syntax for type date: \"not a date\""),
            ([0x61, 0xFF], PGTypes.text, SQLState.characterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\": 0xff"),
            ([0x61, 0x00], PGTypes.varchar, SQLState.characterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\": 0x00"),
            ([0xE2, 0x82], PGTypes.text, SQLState.characterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\": 0xe2 0x82"),
        ]
        for (value, type, code, message) in cases {
            XCTAssertThrowsError(try bound(value, type, binary: false), "\(value) \(type.name)") {
                XCTAssertEqual(($0 as? PGError)?.code, code, "\(value) \(type.name)")
                XCTAssertEqual(($0 as? PGError)?.message, message, "\(value) \(type.name)")
            }
        }
    }

    /// Binary parameters as a driver sends them (asyncpg, psycopg binary): the bytes below are
    /// PostgreSQL's own send functions' output, from the codec tests' table.
    func testBinaryParameters() throws {
        let cases: [(value: [UInt8], type: PGType, quoted: String)] = [
            (bytes("01"), PGTypes.bool, "1"), (bytes("8000"), PGTypes.int2, "-32768"), (bytes("fffffff9"), PGTypes.int4, "-7"),
            (bytes("ffffffff"), PGTypes.oid, "4294967295"), (bytes("7fffffffffffffff"), PGTypes.int8, "9223372036854775807"),
            (bytes("3ff8000000000000"), PGTypes.float8, "1.5"), (bytes("3fc00000"), PGTypes.float4, "1.5"),
            (bytes("00ff41"), PGTypes.bytea, "X'00FF41'"), ([], PGTypes.bytea, "X''"),
            (Array("héllo".utf8), PGTypes.text, "'héllo'"), ([], PGTypes.text, "''"),
            (bytes("00002279"), PGTypes.date, "'2024-02-29'"),
            (bytes("0002ba6376277f90"), PGTypes.timestamp, "'2024-05-01 13:45:00.25'"),
            (bytes("0002ba61c9003790"), PGTypes.timestamptz, "'2024-05-01 11:45:00.25+00'"),
            (bytes("0003000200000000007b11d722c5"), PGTypes.numeric, "12345678901"),
            (bytes("0003000140000003000c0d801ed2"), PGTypes.numeric, "-123456.789"),
            (bytes("0001ffff400000020064"), PGTypes.numeric, "-0.01"), (bytes("0000000000000002"), PGTypes.numeric, "0"),
            (bytes("00000000f0000020"), PGTypes.numeric, "-Inf"),
            // Digits beyond dscale are truncated, as numeric_recv does: 1.2345 with dscale 2.
            (bytes("00020000000000020001" + "0929"), PGTypes.numeric, "1.23"),
        ]
        for (value, type, quoted) in cases {
            XCTAssertEqual(try bound(value, type, binary: true), quoted, "\(value) \(type.name)")
        }
    }

    func testBadBinaryParameters() {
        // Too few bytes is a protocol violation, too many a bad value (PostgreSQL 15:
        // Tests/server/pgtest/binary.pgt checks the first against the real server).
        let cases: [(hex: String, type: PGType, code: String)] = [
            ("0001", PGTypes.int4, SQLState.protocolViolation),
            ("000000000001", PGTypes.int4, SQLState.invalidBinaryRepresentation),
            ("", PGTypes.bool, SQLState.protocolViolation),
            ("3ff8", PGTypes.float8, SQLState.protocolViolation),
            ("7ff8000000000000", PGTypes.float8, SQLState.featureNotSupported),   // NaN
            ("00000000c0000000", PGTypes.numeric, SQLState.featureNotSupported),  // NaN
            ("0001000000000000", PGTypes.numeric, SQLState.invalidBinaryRepresentation),   // a digit missing
            ("000100000000000027100000", PGTypes.numeric, SQLState.invalidBinaryRepresentation),   // digit 10000, extra bytes
            ("0001000000000000" + "2710", PGTypes.numeric, SQLState.invalidBinaryRepresentation),   // digit 10000
            ("0000000012340000", PGTypes.numeric, SQLState.invalidBinaryRepresentation),   // bad sign
            ("ff", PGTypes.text, SQLState.characterNotInRepertoire),
            ("7fffffffffffffff", PGTypes.timestamp, SQLState.datetimeFieldOverflow),
            ("01", PGType(oid: 114, name: "json", size: -1), SQLState.featureNotSupported),
        ]
        for (hex, type, code) in cases {
            XCTAssertThrowsError(try bound(bytes(hex), type, binary: true), "\(hex) \(type.name)") {
                XCTAssertEqual(($0 as? PGError)?.code, code, "\(hex) \(type.name)")
            }
        }
        // A parameter number SQLite does not have.
        XCTAssertThrowsError(try PGValueCodec.bind(statement: statement!, index: 2, value: ByteBufferAllocator().buffer(string: "1"), type: PGTypes.int4.oid, binary: false)) {
            XCTAssertEqual(($0 as? PGError)?.code, SQLState.protocolViolation)
        }
    }

    /// Every type round-trips: a value encoded by PGValueCodec (binary and text) and bound
    /// back gives the same SQLite value.
    func testEncodeThenBindRoundTrips() throws {
        var db2: OpaquePointer?
        var select: OpaquePointer?
        XCTAssertEqual(sqlite3_open(":memory:", &db2), SQLITE_OK)
        defer { sqlite3_close(db2) }
        XCTAssertEqual(sqlite3_prepare_v2(db2, "SELECT ?1", -1, &select, nil), SQLITE_OK)
        defer { sqlite3_finalize(select) }
        let cases: [(PGType, String)] = [
            (PGTypes.bool, "1"), (PGTypes.int2, "-5"), (PGTypes.int4, "123456"), (PGTypes.int8, "-9223372036854775808"),
            (PGTypes.oid, "7"), (PGTypes.float8, "0.1"), (PGTypes.float4, "0.5"), (PGTypes.numeric, "-1234567.125"),
            (PGTypes.bytea, "X'0001FE'"), (PGTypes.text, "'x y'"), (PGTypes.date, "'1999-12-31'"),
            (PGTypes.timestamp, "'1987-06-05 04:03:02.000001'"), (PGTypes.timestamptz, "'2030-01-01 00:00:00+00'"),
        ]
        for (type, literal) in cases {
            var source: OpaquePointer?
            XCTAssertEqual(sqlite3_prepare_v2(db2, "SELECT \(literal)", -1, &source, nil), SQLITE_OK)
            XCTAssertEqual(sqlite3_step(source), SQLITE_ROW)
            for binary in [true, false] {
                var buffer = ByteBufferAllocator().buffer(capacity: 16)
                try PGValueCodec.encode(statement: source!, column: 0, type: type, binary: binary, into: &buffer)
                let length = Int(buffer.readInteger(as: Int32.self)!)
                XCTAssertEqual(length, buffer.readableBytes)
                XCTAssertEqual(try bound(Array(buffer.readableBytesView), type, binary: binary), literal, "\(type.name) binary \(binary)")
            }
            sqlite3_finalize(source)
        }
    }
}

final class PGTypeTests: XCTestCase {
    func testDeclaredTypes() throws {
        let expected: [(String, UInt32, Int32)] = [
            ("integer", 23, -1), ("INT", 23, -1), ("int4", 23, -1), ("serial", 23, -1), ("bigint", 20, -1),
            ("BIGSERIAL", 20, -1), ("int8", 20, -1), ("smallint", 21, -1), ("int2", 21, -1), ("boolean", 16, -1),
            ("bool", 16, -1), ("bytea", 17, -1), ("text", 25, -1), ("TEXT", 25, -1), ("oid", 26, -1), ("name", 19, -1),
            ("real", 700, -1), ("float4", 700, -1), ("double precision", 701, -1), ("DOUBLE  PRECISION", 701, -1),
            ("float8", 701, -1), ("float", 701, -1), ("float(24)", 700, -1), ("float(25)", 701, -1),
            ("character varying(20)", 1043, 24), ("varchar", 1043, -1), ("VARCHAR(255)", 1043, 259),
            ("character(10)", 1042, 14), ("char", 1042, 5), ("bpchar", 1042, -1),
            ("numeric(10,2)", 1700, (10 << 16 | 2) + 4), ("numeric(10, 2)", 1700, (10 << 16 | 2) + 4),
            ("decimal(5)", 1700, (5 << 16) + 4), ("numeric", 1700, -1),
            ("date", 1082, -1), ("timestamp", 1114, -1), ("timestamp without time zone", 1114, -1),
            ("timestamp(3) with time zone", 1184, 3), ("timestamptz", 1184, -1), ("timestamp with time zone", 1184, -1),
            ("pg_catalog.int4", 23, -1),
        ]
        for (declared, oid, modifier) in expected {
            let type = try XCTUnwrap(PGTypes.forDeclared(declared), declared)
            XCTAssertEqual(type.oid, oid, declared)
            XCTAssertEqual(type.modifier, modifier, declared)
            XCTAssertEqual(PGTypes.forOID(oid)?.oid, oid)
        }
        for unknown in [nil, "", "json", "uuid", "int[]", "interval", "time", "numeric(10", "varchar(x)", "timestamp with zone"] {
            XCTAssertNil(PGTypes.forDeclared(unknown), unknown ?? "nil")
        }
        XCTAssertEqual(PGTypes.forDeclared("numeric(10,2)")?.numericScale, 2)
        XCTAssertNil(PGTypes.forDeclared("numeric")?.numericScale)
    }

    /// OIDs, names and sizes as PostgreSQL 15's pg_type has them
    /// (`SELECT oid, typname, typlen FROM pg_type WHERE oid IN (…)`).
    func testCatalogValues() {
        let postgres: [(UInt32, String, Int16)] = [
            (16, "bool", 1), (17, "bytea", -1), (19, "name", 64), (20, "int8", 8), (21, "int2", 2), (23, "int4", 4),
            (25, "text", -1), (26, "oid", 4), (700, "float4", 4), (701, "float8", 8), (705, "unknown", -2),
            (1042, "bpchar", -1), (1043, "varchar", -1), (1082, "date", 4), (1114, "timestamp", 8),
            (1184, "timestamptz", 8), (1700, "numeric", -1),
        ]
        XCTAssertEqual(PGTypes.all.count, postgres.count)
        for (oid, name, size) in postgres {
            XCTAssertEqual(PGTypes.forOID(oid), PGType(oid: oid, name: name, size: size))
        }
        XCTAssertEqual(PGTypes.forSQLiteValue(SQLITE_INTEGER), PGTypes.int8)
        XCTAssertEqual(PGTypes.forSQLiteValue(SQLITE_FLOAT), PGTypes.float8)
        XCTAssertEqual(PGTypes.forSQLiteValue(SQLITE_TEXT), PGTypes.text)
        XCTAssertEqual(PGTypes.forSQLiteValue(SQLITE_BLOB), PGTypes.bytea)
        XCTAssertEqual(PGTypes.forSQLiteValue(SQLITE_NULL), PGTypes.text)
    }
}
