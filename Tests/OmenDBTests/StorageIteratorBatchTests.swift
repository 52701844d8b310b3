import XCTest
@testable import OmenDB
import OmenTestSupport

/// StorageIterator.copyEntries against a sorted reference: forward and backward,
/// batch limits by count and by bytes, a value larger than the buffer, keys only.
final class StorageIteratorBatchTests: XCTestCase {
    func testCopyEntriesMatchesTheReference() throws {
        let db = try Database(directory: temporaryDatabaseDirectory(self), options: smallOptions())
        var reference: [Int64: [UInt8]] = [:]
        var generator = SeededGenerator(seed: 9)
        for i in 0..<3000 {
            let key = Int64(bitPattern: generator.next()) >> 8
            let value = testValue(key, i, length: Int(generator.next() % 300))
            try db.put(key, value)
            reference[key] = value
            if i == 1500 { try db.flush() }  // a run and the hot tier, merged
        }
        for key in [Int64.min, Int64.max] { try db.put(key, [1]); reference[key] = [1] }
        let ascending = reference.keys.sorted()
        for forward in [true, false] {
            let expected = forward ? ascending : ascending.reversed()
            for (maxEntries, capacity) in [(1, 1000), (7, 1000), (1000, 4096), (5000, 1 << 20)] {
                let iterator = db.snapshot().makeIterator()
                if forward { try iterator.seekFirst() } else { try iterator.seekLast() }
                var seen: [Int64] = []
                var keys = [Int64](repeating: 0, count: maxEntries)
                var lengths = [Int](repeating: 0, count: maxEntries)
                let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
                defer { buffer.deallocate() }
                while true {
                    let outcome = try iterator.copyEntries(forward: forward, maxEntries: maxEntries, keys: &keys,
                                                       lengths: &lengths, buffer: buffer, capacity: capacity)
                    guard case .copied(let count) = outcome else { return XCTFail("\(outcome)") }
                    if count == 0 { break }
                    var offset = 0
                    for i in 0..<count {
                        let value = Array(UnsafeRawBufferPointer(start: buffer + offset, count: lengths[i]))
                        XCTAssertEqual(value, reference[keys[i]], "key \(keys[i])")
                        offset += lengths[i]
                        seen.append(keys[i])
                    }
                    XCTAssertLessThanOrEqual(offset, capacity)
                }
                XCTAssertEqual(seen, expected, "forward \(forward) max \(maxEntries) capacity \(capacity)")
                XCTAssertFalse(iterator.isValid)
            }
        }
        try db.close()
    }

    func testValueLargerThanTheBufferAndKeysOnly() throws {
        let db = try Database(directory: temporaryDatabaseDirectory(self), options: smallOptions())
        try db.put(1, [UInt8](repeating: 7, count: 100))
        try db.put(2, [])
        let iterator = db.snapshot().makeIterator()
        try iterator.seekFirst()
        var keys = [Int64](repeating: 0, count: 4)
        var lengths = [Int](repeating: 0, count: 4)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 100, alignment: 8)
        defer { buffer.deallocate() }
        XCTAssertEqual(try iterator.copyEntries(forward: true, maxEntries: 4, keys: &keys, lengths: &lengths,
                                            buffer: buffer, capacity: 99), .valueTooLarge(length: 100))
        XCTAssertTrue(iterator.isValid)
        XCTAssertEqual(iterator.key, 1)  // nothing moved
        XCTAssertEqual(try iterator.copyEntries(forward: true, maxEntries: 4, keys: &keys, lengths: &lengths,
                                            buffer: nil, capacity: 0), .copied(count: 2))
        XCTAssertEqual(Array(keys[0..<2]), [1, 2])
        XCTAssertEqual(Array(lengths[0..<2]), [100, 0])
        XCTAssertEqual(try iterator.copyEntries(forward: true, maxEntries: 4, keys: nil, lengths: &lengths,
                                            buffer: nil, capacity: 0), .copied(count: 0))
        try db.close()
    }
}

/// Snapshot.copyValues against a dictionary: absent keys, buffer refills, a value
/// larger than the buffer.
final class SnapshotCopyReadTests: XCTestCase {
    func testCopyValuesMatchesTheReference() throws {
        let db = try Database(directory: temporaryDatabaseDirectory(self), options: smallOptions())
        var reference: [Int64: [UInt8]] = [:]
        for key in stride(from: Int64(0), to: 2000, by: 2) {
            let value = testValue(key, 1, length: Int(key % 97))
            try db.put(key, value)
            reference[key] = value
        }
        try db.flush()
        try db.put(4000, [UInt8](repeating: 1, count: 5000))
        reference[4000] = [UInt8](repeating: 1, count: 5000)
        let snapshot = db.snapshot()
        let keys: [Int64] = (0..<3000).map { Int64(($0 * 7919) % 2100) } + [4000, 1, 4000]
        var lengths = [Int](repeating: 0, count: keys.count)
        let capacity = 4096
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
        defer { buffer.deallocate() }
        XCTAssertEqual(try snapshot.copyValues(keys: [4000], count: 1, lengths: &lengths, buffer: buffer, capacity: capacity),
                       .valueTooLarge(length: 5000))
        var start = 0
        var calls = 0
        while start < keys.count - 3 {
            let outcome = try keys.withUnsafeBufferPointer { all in
                try lengths.withUnsafeMutableBufferPointer { out in
                    try snapshot.copyValues(keys: all.baseAddress! + start, count: keys.count - 3 - start,
                                        lengths: out.baseAddress! + start, buffer: buffer, capacity: capacity)
                }
            }
            guard case .processed(let done) = outcome, done > 0 else { return XCTFail("\(outcome)") }
            var offset = 0
            for i in start..<(start + done) {
                if let expected = reference[keys[i]] {
                    XCTAssertEqual(Array(UnsafeRawBufferPointer(start: buffer + offset, count: lengths[i])), expected)
                    offset += lengths[i]
                } else {
                    XCTAssertEqual(lengths[i], -1)
                }
            }
            start += done
            calls += 1
        }
        XCTAssertGreaterThan(calls, 5)  // ~70 KB of values through a 4 KB buffer
        try db.close()
    }
}
