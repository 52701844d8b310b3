import CSQLite
import Foundation
import NIOCore
@testable import OmenServer
import XCTest
import OmenTestSupport

final class PGValueCodecTests: XCTestCase {
    enum Stored { case int(Int64), real(Double), text(String), blob([UInt8]), null }

    /// An in-memory SQLite connection and `SELECT ?1`, stepped with the given value.
    final class OneValue {
        var db: OpaquePointer?
        var statement: OpaquePointer?

        init(_ sql: String = "SELECT ?1") throws {
            XCTAssertEqual(sqlite3_open(":memory:", &db), SQLITE_OK)
            XCTAssertEqual(sqlite3_prepare_v2(db, sql, -1, &statement, nil), SQLITE_OK, String(cString: sqlite3_errmsg(db)))
        }

        deinit {
            sqlite3_finalize(statement)
            sqlite3_close(db)
        }

        func step(_ value: Stored) {
            sqlite3_reset(statement)
            switch value {
            case .int(let v): sqlite3_bind_int64(statement, 1, v)
            case .real(let v): sqlite3_bind_double(statement, 1, v)
            case .text(let v): sqlite3_bind_text(statement, 1, v, -1, omendb_sql_transient())
            case .blob(let v): _ = v.isEmpty ? sqlite3_bind_zeroblob(statement, 1, 0) : sqlite3_bind_blob(statement, 1, v, Int32(v.count), omendb_sql_transient())
            case .null: sqlite3_bind_null(statement, 1)
            }
            XCTAssertEqual(sqlite3_step(statement), SQLITE_ROW)
        }

        func encode(_ type: PGType, binary: Bool) throws -> [UInt8] {
            var buffer = ByteBufferAllocator().buffer(capacity: 16)
            buffer.writeString("prefix")
            try PGValueCodec.encode(statement: statement!, column: 0, type: type, binary: binary, into: &buffer)
            XCTAssertEqual(buffer.readString(length: 6), "prefix")
            let length = try XCTUnwrap(buffer.readInteger(as: Int32.self))
            if length == -1 { XCTAssertEqual(buffer.readableBytes, 0); return [] }
            XCTAssertEqual(Int(length), buffer.readableBytes)
            return Array(buffer.readableBytesView)
        }
    }

    private func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    /// Text and binary output equal to what PostgreSQL 15.18 sends for the same value: the
    /// text column is `SELECT (expr)::text` (boolout for bool), the binary one the field of
    /// `COPY (SELECT expr) TO STDOUT WITH (FORMAT binary)`, both through psycopg.
    static let postgres: [(Stored, String, String, String)] = [
        (.int(1), "bool", "t", "01"),
        (.int(0), "bool", "f", "00"),
        (.text("yes"), "bool", "t", "01"),
        (.int(42), "int2", "42", "002a"),
        (.int(-32768), "int2", "-32768", "8000"),
        (.int(-7), "int4", "-7", "fffffff9"),
        (.int(2147483647), "int4", "2147483647", "7fffffff"),
        (.int(9223372036854775807), "int8", "9223372036854775807", "7fffffffffffffff"),
        (.int(-9223372036854775808), "int8", "-9223372036854775808", "8000000000000000"),
        (.text(" 12 "), "int4", "12", "0000000c"),
        (.int(4294967295), "oid", "4294967295", "ffffffff"),
        (.real(1.5), "float8", "1.5", "3ff8000000000000"),
        (.real(0.1 + 0.2), "float8", "0.30000000000000004", "3fd3333333333334"),
        (.real(1e15), "float8", "1e+15", "430c6bf526340000"),
        (.real(1e14), "float8", "100000000000000", "42d6bcc41e900000"),
        (.real(123456789012345680), "float8", "1.2345678901234568e+17", "437b69b4ba630f35"),
        (.real(0.0001), "float8", "0.0001", "3f1a36e2eb1c432d"),
        (.real(1e-5), "float8", "1e-05", "3ee4f8b588e368f1"),
        (.real(.leastNonzeroMagnitude), "float8", "5e-324", "0000000000000001"),
        (.real(1.7976931348623157e308), "float8", "1.7976931348623157e+308", "7fefffffffffffff"),
        (.real(-0.0), "float8", "-0", "8000000000000000"),
        (.real(1e100), "float8", "1e+100", "54b249ad2594c37d"),
        (.real(-123456.789), "float8", "-123456.789", "c0fe240c9fbe76c9"),
        (.real(.infinity), "float8", "Infinity", "7ff0000000000000"),
        (.real(-.infinity), "float8", "-Infinity", "fff0000000000000"),
        (.int(3), "float8", "3", "4008000000000000"),
        (.real(1.5), "float4", "1.5", "3fc00000"),
        (.real(0.1), "float4", "0.1", "3dcccccd"),
        (.real(1e6), "float4", "1e+06", "49742400"),
        (.real(123456), "float4", "123456", "47f12000"),
        (.real(3.4e38), "float4", "3.4e+38", "7f7fc99e"),
        (.real(1.17549435e-38), "float4", "1.1754944e-38", "00800000"),
        (.real(16777217), "float4", "1.6777216e+07", "4b800000"),
        (.real(1e-5), "float4", "1e-05", "3727c5ac"),
        (.blob([0x00, 0xFF, 0x41]), "bytea", "\\x00ff41", "00ff41"),
        (.blob([]), "bytea", "\\x", ""),
        (.text("abc"), "bytea", "\\x616263", "616263"),
        (.text("héllo"), "text", "héllo", "68c3a96c6c6f"),
        (.int(42), "text", "42", "3432"),
        (.real(2.5), "text", "2.5", "322e35"),
        (.text("ab"), "varchar", "ab", "6162"),
        (.text("ab"), "character(5)", "ab   ", "6162202020"),
        (.text("héé"), "char(4)", "héé ", "68c3a9c3a920"),
        (.text("abcdef"), "bpchar", "abcdef", "616263646566"),
        (.int(12345678901), "numeric", "12345678901", "0003000200000000007b11d722c5"),
        (.int(0), "numeric", "0", "0000000000000000"),
        (.int(10000), "numeric", "10000", "00010001000000000001"),
        (.real(1.5), "numeric", "1.5", "000200000000000100011388"),
        (.real(0.1 + 0.2), "numeric", "0.3", "0001ffff000000010bb8"),
        (.real(1e20), "numeric", "100000000000000000000", "00010005000000000001"),
        (.real(1e-20), "numeric", "0.00000000000000000001", "0001fffb000000140001"),
        (.real(123456789012345680), "numeric", "123456789012346000", "0005000400000000000c0d801ed204d21770"),
        (.text("-123456.789"), "numeric", "-123456.789", "0003000140000003000c0d801ed2"),
        (.text("0.0001"), "numeric", "0.0001", "0001ffff000000040001"),
        (.text("0.00"), "numeric", "0.00", "0000000000000002"),
        (.text("12345678.9"), "numeric", "12345678.9", "000300010000000104d2162e2328"),
        (.text("1.5e3"), "numeric", "1500", "000100000000000005dc"),
        (.text("NaN"), "numeric", "NaN", "00000000c0000000"),
        (.text("-Infinity"), "numeric", "-Infinity", "00000000f0000020"),
        (.real(2.345), "numeric(10,2)", "2.35", "000200000000000200020dac"),
        (.int(7), "numeric(10,2)", "7.00", "00010000000000020007"),
        (.text("9.995"), "numeric(10,2)", "10.00", "0001000000000002000a"),
        (.text("-0.005"), "numeric(10,2)", "-0.01", "0001ffff400000020064"),
        (.text("2024-02-29"), "date", "2024-02-29", "00002279"),
        (.text("0001-01-01"), "date", "0001-01-01", "fff4dbf9"),
        (.text("9999-12-31"), "date", "9999-12-31", "002c95d3"),
        (.text("1999-12-31"), "date", "1999-12-31", "ffffffff"),
        (.text("2024-05-01 13:45:00.25"), "timestamp", "2024-05-01 13:45:00.25", "0002ba6376277f90"),
        (.text("2000-01-01 00:00:00"), "timestamp", "2000-01-01 00:00:00", "0000000000000000"),
        (.text("1999-12-31T23:59:59.999999"), "timestamp", "1999-12-31 23:59:59.999999", "ffffffffffffffff"),
        (.text("2024-05-01 13:45:00.25+02"), "timestamptz", "2024-05-01 11:45:00.25+00", "0002ba61c9003790"),
        (.text("2024-05-01 00:30:00-05:30"), "timestamptz", "2024-05-01 06:00:00+00", "0002ba5cf72b7800"),
        (.text("1970-01-01 00:00:00"), "timestamptz", "1970-01-01 00:00:00+00", "fffca2fec4c82000"),
    ]

    func testOutputMatchesPostgreSQL() throws {
        let value = try OneValue()
        for (stored, typeName, text, binary) in Self.postgres {
            let type = try XCTUnwrap(PGTypes.forDeclared(typeName), typeName)
            value.step(stored)
            XCTAssertEqual(String(decoding: try value.encode(type, binary: false), as: UTF8.self), text, "\(stored) as \(typeName)")
            XCTAssertEqual(hex(try value.encode(type, binary: true)), binary, "\(stored) as \(typeName) binary")
        }
    }

    func testNullAndUnconvertibleValues() throws {
        let value = try OneValue()
        value.step(.null)
        for type in PGTypes.all {
            for binary in [false, true] {
                var buffer = ByteBufferAllocator().buffer(capacity: 4)
                try PGValueCodec.encode(statement: value.statement!, column: 0, type: type, binary: binary, into: &buffer)
                XCTAssertEqual(buffer.readInteger(as: Int32.self), -1)
                XCTAssertEqual(buffer.readableBytes, 0)
            }
        }
        func fails(_ stored: Stored, _ typeName: String, _ code: String, _ message: String) {
            value.step(stored)
            for binary in [false, true] {
                var buffer = ByteBufferAllocator().buffer(capacity: 4)
                buffer.writeString("x")
                XCTAssertThrowsError(try PGValueCodec.encode(statement: value.statement!, column: 0, type: PGTypes.forDeclared(typeName)!, binary: binary, into: &buffer)) {
                    XCTAssertEqual(($0 as? PGError)?.code, code, "\(stored) \(typeName)")
                    XCTAssertEqual(($0 as? PGError)?.message, message, "\(stored) \(typeName)")
                }
                XCTAssertEqual(buffer.readableBytes, 1, "the buffer is left as it was")
            }
        }
        fails(.int(32768), "int2", SQLState.numericValueOutOfRange, "smallint out of range")
        fails(.int(-2147483649), "int4", SQLState.numericValueOutOfRange, "integer out of range")
        fails(.real(1.5), "int8", SQLState.invalidTextRepresentation, "invalid input syntax for type bigint: \"1.5\"")
        fails(.text("12a"), "int4", SQLState.invalidTextRepresentation, "invalid input syntax for type integer: \"12a\"")
        fails(.text("maybe"), "bool", SQLState.invalidTextRepresentation, "invalid input syntax for type boolean: \"maybe\"")
        fails(.blob([1]), "float8", SQLState.invalidTextRepresentation, "invalid input syntax for type double precision: \"\\x01\"")
        fails(.real(1e39), "float4", SQLState.numericValueOutOfRange, "value out of range: overflow")
        fails(.text("1.2.3"), "numeric", SQLState.invalidTextRepresentation, "invalid input syntax for type numeric: \"1.2.3\"")
        fails(.text("2023-02-29"), "date", SQLState.invalidDatetimeFormat, "invalid input syntax for type date: \"2023-02-29\"")
        fails(.int(5), "timestamptz", SQLState.invalidDatetimeFormat, "invalid input syntax for type timestamp with time zone: \"5\"")
    }

    /// Random doubles and floats: the text reads back (through the server's own float input)
    /// as the same value, bit for bit.
    func testRandomFloatsRoundTrip() throws {
        let seed = UInt64(ProcessInfo.processInfo.environment["OMENDB_TEST_SEED"] ?? "") ?? UInt64.random(in: 1...UInt64(1) << 40)
        print("seed \(seed) (OMENDB_TEST_SEED)")
        var generator = SeededGenerator(seed: seed)
        for _ in 0..<20000 {
            let double = Double(bitPattern: generator.next())
            let doubleBack = try PGTextInput.float(PGFloatText.float8(double), type: PGTypes.float8)
            XCTAssertTrue(doubleBack.bitPattern == double.bitPattern || (double.isNaN && doubleBack.isNaN), "seed \(seed): \(double)")
            let float = Float(bitPattern: UInt32(truncatingIfNeeded: generator.next()))
            let floatBack = Float(try PGTextInput.float(PGFloatText.float4(float), type: PGTypes.float4))
            XCTAssertTrue(floatBack.bitPattern == float.bitPattern || (float.isNaN && floatBack.isNaN), "seed \(seed): \(float)")
        }
    }
}
