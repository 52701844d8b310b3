import Foundation
import OmenDB
import OmenSQL
import XCTest
import OmenTestSupport

/// The row codec (docs/sql.md, "Row format"): every type, random rows round trip,
/// rows of an older schema version (fewer columns) read with NULLs, corrupt rows are
/// clear errors naming the key.
final class RowFormatTests: XCTestCase {
    /// A value of the test's own, owning its bytes.
    private enum Value: Equatable {
        case null, integer(Int64), real(Double), text([UInt8]), blob([UInt8])
    }

    private func encode(_ values: [Value], version: UInt16 = 1) throws -> [UInt8] {
        var encoder = RowEncoder()
        encoder.begin(schemaVersion: version, columnCount: values.count)
        for value in values {
            switch value {
            case .null: encoder.appendNull()
            case .integer(let integer): encoder.appendInteger(integer)
            case .real(let real): encoder.appendReal(real)
            case .text(let bytes): try bytes.withUnsafeBytes { try encoder.appendBytes(.text, $0.baseAddress, $0.count) }
            case .blob(let bytes): try bytes.withUnsafeBytes { try encoder.appendBytes(.blob, $0.baseAddress, $0.count) }
            }
        }
        return encoder.bytes
    }

    /// Decodes `columns` columns of `row` (in the order given) into owned values.
    private func decode(_ row: [UInt8], columns: Int, order: [Int]? = nil) throws -> [Value] {
        var decoder = RowDecoder(columns: columns)
        defer { decoder.deallocate() }
        return try row.withUnsafeBytes { bytes in
            try decoder.reset(bytes, key: 42)
            var result = [Value](repeating: .null, count: columns)
            for index in order ?? Array(0..<columns) {
                switch try decoder.value(at: index) {
                case .null: result[index] = .null
                case .integer(let integer): result[index] = .integer(integer)
                case .real(let real): result[index] = .real(real)
                case .text(let text): result[index] = .text(Array(text))
                case .blob(let blob): result[index] = .blob(Array(blob))
                }
            }
            try decoder.validate()
            return result
        }
    }

    func testEveryTypeAndLayout() throws {
        let values: [Value] = [.null, .integer(Int64.min), .integer(-1), .integer(Int64.max), .real(-0.0), .real(.infinity),
                               .real(3.25), .text([]), .text(Array("héllo".utf8)), .blob([]), .blob([0, 255, 0])]
        let row = try encode(values, version: 7)
        XCTAssertEqual(Array(row[0..<5]), [1, 7, 0, UInt8(values.count), 0], "header: format 1, schema version 7, 11 columns")
        XCTAssertEqual(row[5], ColumnTag.null.rawValue)
        XCTAssertEqual(Array(row[6..<15]), [1, 0, 0, 0, 0, 0, 0, 0, 0x80], "INTEGER: tag 1, 8 bytes little-endian")
        XCTAssertEqual(try decode(row, columns: values.count), values)
        // Lazily, in any order: offsets found once stay right.
        XCTAssertEqual(try decode(row, columns: values.count, order: [10, 0, 5, 9, 1, 8, 2, 7, 3, 6, 4]), values)
        let nan = try decode(try encode([.real(.nan)]), columns: 1)
        if case .real(let real) = nan[0] { XCTAssertTrue(real.isNaN) } else { XCTFail("NaN lost: \(nan)") }
    }

    func testRandomRowsRoundTrip() throws {
        let seed = UInt64(ProcessInfo.processInfo.environment["OMENDB_TEST_SEED"] ?? "") ?? UInt64.random(in: 1...UInt64(1) << 40)
        print("seed \(seed) (OMENDB_TEST_SEED)")
        var generator = SeededGenerator(seed: seed)
        func next() -> UInt64 { generator.next() }
        for _ in 0..<2000 {
            let count = Int(next() % 12)
            let values: [Value] = (0..<count).map { _ in
                switch next() % 5 {
                case 0: return .null
                case 1: return .integer(Int64(bitPattern: next()))
                case 2: return .real(Double(bitPattern: next()))
                case 3: return .text((0..<Int(next() % 40)).map { _ in UInt8(next() % 128) })
                default: return .blob((0..<Int(next() % 300)).map { _ in UInt8(truncatingIfNeeded: next()) })
                }
            }
            let decoded = try decode(try encode(values), columns: count)
            for (a, b) in zip(decoded, values) {
                if case .real(let x) = a, case .real(let y) = b { XCTAssertEqual(x.bitPattern, y.bitPattern) } else { XCTAssertEqual(a, b) }
            }
        }
    }

    func testRowsOfAnOlderSchemaReadMissingColumnsAsNull() throws {
        // Written when the table had two stored columns; read as a table of four.
        let old = try encode([.integer(5), .text(Array("x".utf8))], version: 1)
        XCTAssertEqual(try decode(old, columns: 4), [.integer(5), .text(Array("x".utf8)), .null, .null])
        var decoder = RowDecoder(columns: 4)
        defer { decoder.deallocate() }
        try old.withUnsafeBytes { try decoder.reset($0, key: 1) }
        XCTAssertEqual(decoder.schemaVersion, 1)
        XCTAssertEqual(decoder.storedColumns, 2)
    }

    func testRowsOfANewerSchemaReadTheirFirstColumns() throws {
        // Written after two columns were added; read by a connection that knows two.
        let newer = try encode([.integer(5), .text(Array("x".utf8)), .real(1.5), .blob([1, 2])], version: 3)
        XCTAssertEqual(try decode(newer, columns: 2), [.integer(5), .text(Array("x".utf8))])
        var decoder = RowDecoder(columns: 2)
        defer { decoder.deallocate() }
        try newer.withUnsafeBytes { try decoder.reset($0, key: 1) }
        XCTAssertEqual(decoder.storedColumns, 4)
        XCTAssertEqual(decoder.readableColumns, 2)
        XCTAssertThrowsError(try (newer + [0]).withUnsafeBytes { bytes in
            try decoder.reset(bytes, key: 1)
            try decoder.validate()
        }, "trailing bytes after the columns the reader skips are still corruption")
    }

    func testCorruptRowsAreClearErrors() throws {
        let good = try encode([.integer(1), .text(Array("abc".utf8))])
        var cases: [([UInt8], String)] = [
            ([], "shorter than the 5-byte row header"),
            ([9, 1, 0, 0, 0], "unknown row format version 9"),
            (Array(good.dropLast()), "runs past the end"),
            (Array(good.prefix(8)), "runs past the end"),
            (good + [0], "1 bytes after the last column"),
        ]
        var badTag = good
        badTag[5] = 77
        cases.append((badTag, "unknown column tag 77"))
        var hugeLength = good
        hugeLength[15] = 0xFF  // the text's length: bytes 15..18
        cases.append((hugeLength, "runs past the end"))
        for (row, expected) in cases {
            XCTAssertThrowsError(try decode(row, columns: 2)) { error in
                guard let error = error as? OmenError else { return XCTFail("\(error)") }
                XCTAssertEqual(error.code, .corruption)
                XCTAssertTrue(error.message.contains(expected) && error.message.contains("key 42"),
                              "'\(error.message)' should mention '\(expected)' and the key")
            }
        }
    }

    func testTooLargeValueIsRefused() throws {
        var encoder = RowEncoder()
        encoder.begin(schemaVersion: 1, columnCount: 1)
        XCTAssertThrowsError(try encoder.appendBytes(.blob, nil, Int(UInt32.max) + 1)) { error in
            XCTAssertEqual((error as? OmenError)?.code, .tooLarge)
        }
    }
}
