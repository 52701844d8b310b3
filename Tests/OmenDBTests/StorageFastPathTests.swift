import Foundation
import XCTest
@testable import OmenDB
import OmenTestSupport

/// The read/open fast paths: equal-size values located without the offsets column,
/// tombstone-free runs read without the meta column, an empty active tier skipped,
/// record-free logs reused at open, the value heap checked by verify (not at open).
final class StorageFastPathTests: XCTestCase {
    private func bulkLoad(_ db: Database, _ keys: [Int64], _ values: [[UInt8]]) throws {
        let buffers = values.map { bytes -> UnsafeMutableRawBufferPointer in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
            buffer.copyBytes(from: bytes)
            return buffer
        }
        defer { buffers.forEach { $0.deallocate() } }
        try db.bulkLoad(count: keys.count, key: { keys[$0] },
                        value: { UnsafeRawBufferPointer(start: buffers[$0].baseAddress, count: values[$0].count) })
    }

    private func sortedDistinctKeys(_ count: Int, seed: UInt64) -> [Int64] {
        var rng = SeededGenerator(seed: seed)
        var keys = Set<Int64>([Int64.min, Int64.max])
        while keys.count < count { keys.insert(mixedKey(&rng)) }
        return keys.sorted()
    }

    func testEqualSizeMixedSizeAndEmptyValuesReadBackExactly() throws {
        for sizes in [[8], [0], [1, 100], [16, 16, 16, 17]] {
            let path = temporaryDatabaseDirectory(self, "sizes-\(sizes.count)-\(sizes[0])")
            let db = try Database(directory: path, options: smallOptions(background: false))
            let keys = sortedDistinctKeys(3000, seed: UInt64(sizes.reduce(0, +)))
            let values = keys.enumerated().map { testValue($1, 0, length: sizes[$0 % sizes.count]) }
            try bulkLoad(db, keys, values)
            var reference = Dictionary(uniqueKeysWithValues: zip(keys, values))
            try assertMatches(db, reference)
            // Absent keys between and around the loaded ones.
            for key in keys.prefix(200) where key < Int64.max && reference[key + 1] == nil {
                XCTAssertNil(try db.get(key + 1))
            }
            // Tombstones in a newer run over the loaded one, then a full compaction.
            for key in keys.prefix(300) { try db.delete(key); reference[key] = nil }
            try db.put(keys[400], [1, 2, 3])
            reference[keys[400]] = [1, 2, 3]
            try db.flush()
            try assertMatches(db, reference)
            try db.compact()
            try assertMatches(db, reference)
            try db.verify()
            try db.close()
            let reopened = try Database(directory: path, options: smallOptions(background: false))
            try assertMatches(reopened, reference)
            try reopened.verify()
            try reopened.close()
        }
    }

    func testEmptyActiveTierIsSkippedOnlyWhileItHoldsNothingVisible() throws {
        let path = temporaryDatabaseDirectory(self)
        let db = try Database(directory: path, options: smallOptions(background: false))
        try bulkLoad(db, [1, 2, 3], [[1], [2], [3]])
        let before = db.snapshot()
        try db.put(2, [20])
        try db.put(4, [4])
        let after = db.snapshot()
        XCTAssertEqual(try before.get(2).map(Array.init), [2])
        XCTAssertNil(try before.get(4))
        XCTAssertEqual(try after.get(2).map(Array.init), [20])
        XCTAssertEqual(try db.get(4), [4])
        try db.flush()
        XCTAssertEqual(try db.get(2), [20])
        try db.delete(2)
        XCTAssertNil(try db.get(2))
        XCTAssertEqual(try after.get(2).map(Array.init), [20])
        try assertMatches(db, [1: [1], 3: [3], 4: [4]])
        try db.close()
    }

    func testOpensWithoutWritesReuseTheLogAndLaterWritesSurvive() throws {
        let path = temporaryDatabaseDirectory(self)
        do {
            let db = try Database(directory: path, options: smallOptions())
            try db.put(1, [1])
            try db.close()
        }
        try Database(directory: path, options: smallOptions()).close()
        let logsAfterFirstReopen = try FileSystem.list(path).filter { $0.hasPrefix("wal-") }.sorted()
        for _ in 0..<3 { try Database(directory: path, options: smallOptions()).close() }
        let logs = try FileSystem.list(path).filter { $0.hasPrefix("wal-") }.sorted()
        XCTAssertEqual(logs, logsAfterFirstReopen, "an open without writes creates no log")
        do {
            let db = try Database(directory: path, options: smallOptions())
            XCTAssertEqual(try db.get(1), [1])
            try db.put(2, [2])
            try db.close()
        }
        let db = try Database(directory: path, options: smallOptions())
        try assertMatches(db, [1: [1], 2: [2]])
        try db.verify()
        try db.close()
    }

    func testHeapDamageIsFoundByVerifyAndReads() throws {
        for sizes in [[8], [3, 40]] {
            let path = temporaryDatabaseDirectory(self, "heap-\(sizes.count)")
            let keys = sortedDistinctKeys(2000, seed: 5)
            let values = keys.enumerated().map { testValue($1, 1, length: sizes[$0 % sizes.count]) }
            do {
                let db = try Database(directory: path, options: smallOptions(background: false))
                try bulkLoad(db, keys, values)
                try db.close()
            }
            let run = try FileSystem.list(path).first { $0.hasPrefix("run-") }!
            let file = path + "/" + run
            var bytes = [UInt8](FileManager.default.contents(atPath: file)!)
            let damaged = RunFormat.headerSize + 8 * 100 + 5  // inside the value heap
            bytes[damaged] ^= 0x5A
            try Data(bytes).write(to: URL(fileURLWithPath: file))
            let db = try Database(directory: path, options: smallOptions(background: false))
            XCTAssertThrowsError(try db.verify()) { XCTAssertEqual(($0 as! OmenError).code, .corruption) }
            // No read returns the damaged bytes: values in the damaged heap block are
            // refused, every other value reads correctly.
            var refused = 0
            for (key, value) in zip(keys, values) {
                do throws(OmenError) {
                    let found = try db.get(key)
                    XCTAssertEqual(found, value, "key \(key)")
                } catch {
                    XCTAssertEqual(error.code, .corruption)
                    XCTAssertTrue(error.message.contains("\(file): value heap block 0 checksum mismatch at offset 32"), error.message)
                    refused += 1
                }
            }
            XCTAssertGreaterThan(refused, 0)
            XCTAssertLessThan(refused, keys.count / 2)
            try db.close()
        }
    }

    /// A bulk-loaded run with equal-size values omits its meta and offsets columns (footer
    /// flags): a flipped byte anywhere in it is refused at open or by verify, or is harmless.
    func testFlippedBytesInARunWithOmittedColumnsAreDetected() throws {
        let original = temporaryDatabaseDirectory(self, "flags")
        let keys = sortedDistinctKeys(500, seed: 9)
        let values = keys.map { testValue($0, 2, length: 8) }
        do {
            let db = try Database(directory: original, options: smallOptions(background: false))
            try bulkLoad(db, keys, values)
            try db.close()
        }
        let run = try FileSystem.list(original).first { $0.hasPrefix("run-") }!
        let size = (try FileManager.default.attributesOfItem(atPath: original + "/" + run)[.size] as! NSNumber).intValue
        XCTAssertLessThan(size, 32 + 8 * 500 * 2 + 2000 + 144, "meta and offsets columns are omitted")
        var detected = 0
        for offset in stride(from: 0, to: size, by: 97) {
            let path = original + "-flip"
            try? FileManager.default.removeItem(atPath: path)
            try FileManager.default.copyItem(atPath: original, toPath: path)
            var bytes = [UInt8](FileManager.default.contents(atPath: path + "/" + run)!)
            bytes[offset] ^= 0x5A
            try Data(bytes).write(to: URL(fileURLWithPath: path + "/" + run))
            do {
                let db = try Database(directory: path, options: smallOptions(background: false))
                defer { try? db.close() }
                try db.verify()
                XCTFail("flipped byte \(offset) of \(size) went unnoticed")
            } catch {
                XCTAssertEqual(error.code, .corruption, "byte \(offset)")
                detected += 1
            }
        }
        XCTAssertGreaterThan(detected, 10)
    }
}
