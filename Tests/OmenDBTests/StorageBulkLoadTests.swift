import Foundation
import XCTest
@testable import OmenDB
import OmenTestSupport

/// Bulk loads of packed equal-size values (`bulkLoad(keys:values:valueSize:)`, the heap
/// written straight from the caller's bytes) against the per-value path, and their
/// refusals of bad input.
final class StorageBulkLoadTests: XCTestCase {
    private func runFiles(_ path: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".run") }.sorted()
    }

    /// Sorted distinct keys and their packed values (the first 8 bytes of each are its key).
    private func packedData(count: Int, valueSize: Int, seed: UInt64) -> ([Int64], [UInt8]) {
        var rng = SeededGenerator(seed: seed)
        var set = Set<Int64>([Int64.min, Int64.max])
        while set.count < count { set.insert(mixedKey(&rng) &+ Int64.random(in: 0..<1_000_000, using: &rng)) }
        let keys = set.sorted()
        var values = [UInt8]()
        values.reserveCapacity(count * valueSize)
        for key in keys { values += testValue(key, 1, length: valueSize) }
        return (keys, values)
    }

    /// Large enough that the heap and the key column each span several write pieces
    /// (1 MiB) and writeback chunks (8 MiB): the run must be byte for byte the one the
    /// per-value path writes, read back exactly, and pass `verify` (every checksum).
    func testPackedLoadWritesTheSameRunAsThePerValuePath() throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        print("StorageBulkLoadTests: seed \(seed)")
        let valueSize = 40
        let (keys, values) = packedData(count: 300_000, valueSize: valueSize, seed: seed)
        let packedPath = temporaryDatabaseDirectory(self, "packed")
        let perValuePath = temporaryDatabaseDirectory(self, "per-value")
        // A fixed kind: `.auto` times its candidates, so two loads may pick different models.
        var options = smallOptions(background: false)
        options.indexConfiguration.kind = .pgm
        for path in [packedPath, perValuePath] {
            let db = try Database(directory: path, options: options)
            try values.withUnsafeBytes { bytes in
                try keys.withUnsafeBufferPointer { keyBuffer in
                    if path == packedPath {
                        try db.bulkLoad(keys: keyBuffer, values: bytes.baseAddress, valueSize: valueSize)
                    } else {
                        try db.bulkLoad(keys: keyBuffer, value: { UnsafeRawBufferPointer(rebasing: bytes[$0 * valueSize ..< ($0 + 1) * valueSize]) })
                    }
                }
            }
            try db.close()
        }
        let files = try runFiles(packedPath)
        XCTAssertEqual(files.count, 1)
        XCTAssertEqual(files, try runFiles(perValuePath))
        let packedRun = try Data(contentsOf: URL(fileURLWithPath: packedPath + "/" + files[0]))
        XCTAssertGreaterThan(packedRun.count, keys.count * (valueSize + 8))
        XCTAssertTrue(packedRun == (try Data(contentsOf: URL(fileURLWithPath: perValuePath + "/" + files[0]))),
                      "the packed and per-value bulk loads wrote different run files")

        let db = try Database(directory: packedPath, options: options)
        try db.verify()
        var rng = SeededGenerator(seed: seed ^ 1)
        for _ in 0..<5_000 {
            let i = Int.random(in: 0..<keys.count, using: &rng)
            XCTAssertEqual(try db.get(keys[i]), Array(values[i * valueSize ..< (i + 1) * valueSize]), "key \(keys[i])")
        }
        // A key just below a loaded one that follows a gap is absent (keys[1] - 1 can be
        // keys[0]: the keys start with Int64.min and may hold Int64.min + 1).
        let gap = keys.indices.dropFirst().first { keys[$0] &- 1 != keys[$0 - 1] }!
        XCTAssertNil(try db.get(keys[gap] &- 1))
        try db.close()
    }

    /// A load newer than earlier writes shadows them; zero-size values read back empty.
    func testPackedLoadShadowsOlderWritesAndAcceptsEmptyValues() throws {
        let path = temporaryDatabaseDirectory(self)
        let db = try Database(directory: path, options: smallOptions(background: false))
        try db.put(20, [9, 9])
        try db.put(25, [7])
        let keys: [Int64] = [10, 20, 30]
        try keys.withUnsafeBufferPointer { try db.bulkLoad(keys: $0, values: nil, valueSize: 0) }
        XCTAssertEqual(try db.get(20), [])
        XCTAssertEqual(try db.get(25), [7])
        try db.verify()
        try db.close()
        let reopened = try Database(directory: path, options: smallOptions(background: false))
        XCTAssertEqual(try reopened.get(10), [])
        XCTAssertEqual(try reopened.get(25), [7])
        try reopened.close()
    }

    /// Unsorted or repeated keys, oversized values and missing values are refused with
    /// the position or size named, leave no run file behind and change nothing.
    func testPackedLoadRefusesBadInputAndLeavesNothing() throws {
        let path = temporaryDatabaseDirectory(self)
        var options = smallOptions(background: false)
        options.maximumValueSize = 16
        let db = try Database(directory: path, options: options)
        let values = [UInt8](repeating: 3, count: 64 * 4)
        func load(_ keys: [Int64], _ valueSize: Int, nullValues: Bool = false) -> OmenError? {
            do {
                try values.withUnsafeBytes { bytes in
                    try keys.withUnsafeBufferPointer {
                        try db.bulkLoad(keys: $0, values: nullValues ? nil : bytes.baseAddress, valueSize: valueSize)
                    }
                }
                return nil
            } catch {
                return error as? OmenError
            }
        }
        let unsorted = load([1, 2, 3, 3, 4], 8)
        XCTAssertEqual(unsorted?.code, .invalidArgument)
        XCTAssertTrue(unsorted?.message.contains("position 3") ?? false, "\(String(describing: unsorted))")
        XCTAssertEqual(load([5, 4], 8)?.code, .invalidArgument)
        let oversized = load([1, 2], 17)
        XCTAssertEqual(oversized?.code, .tooLarge)
        XCTAssertTrue(oversized?.message.contains("17 bytes") ?? false, "\(String(describing: oversized))")
        XCTAssertEqual(load([1, 2], 8, nullValues: true)?.code, .invalidArgument)
        XCTAssertNil(load([], 8, nullValues: true))
        XCTAssertEqual(try runFiles(path), [])
        for key: Int64 in 1...5 { XCTAssertNil(try db.get(key)) }
        XCTAssertNil(load([1, 2], 16))
        XCTAssertEqual(try db.get(2), [UInt8](repeating: 3, count: 16))
        XCTAssertEqual(try runFiles(path).count, 1)
        try db.close()
    }
}
