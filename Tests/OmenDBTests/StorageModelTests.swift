import XCTest
@testable import OmenDB
import OmenTestSupport

/// Random operations against a reference dictionary, with reopen cycles, flushes and
/// compactions, checked by point lookups and iteration in both directions.
final class StorageModelTests: XCTestCase {
    func testRandomOperationsAgainstReferenceWithReopens() throws {
        for seed: UInt64 in [1, 2, 3] {
            try runRandomOperations(seed: seed, background: seed != 2)
        }
    }

    private func runRandomOperations(seed: UInt64, background: Bool) throws {
        var rng = SeededGenerator(seed: seed)
        let path = temporaryDatabaseDirectory(self)
        var reference: [Int64: [UInt8]] = [:]
        var version = 0
        for cycle in 0..<5 {
            let db = try Database(directory: path, options: smallOptions(hotTierBytes: 512 << 10, sync: cycle % 2 == 0 ? .normal : .off,
                                                                         background: background))
            try assertMatches(db, reference)
            for _ in 0..<1500 {
                version += 1
                let key = mixedKey(&rng)
                switch Int.random(in: 0..<10, using: &rng) {
                case 0..<6:
                    let value = testValue(key, version, length: randomLength(&rng))
                    try db.put(key, value)
                    reference[key] = value
                case 6..<8:
                    try db.delete(key)
                    reference[key] = nil
                case 8:
                    let batch = WriteBatch()
                    for _ in 0..<Int.random(in: 1...20, using: &rng) {
                        let k = mixedKey(&rng)
                        if Bool.random(using: &rng) {
                            let value = testValue(k, version, length: randomLength(&rng))
                            batch.put(k, value)
                            reference[k] = value
                        } else {
                            batch.delete(k)
                            reference[k] = nil
                        }
                    }
                    try db.write(batch)
                default:
                    XCTAssertEqual(try db.get(key), reference[key], "seed \(seed) key \(key)")
                }
            }
            if cycle == 2 {
                try db.flush()
                XCTAssertGreaterThan(db.statistics.runCount, 0)
            }
            if cycle == 3 { try db.compact() }
            try assertMatches(db, reference)
            try db.verify()
            try db.close()
        }
    }

    func testIteratorBoundsAndSeeksMatchSortedReference() throws {
        var rng = SeededGenerator(seed: 99)
        let path = temporaryDatabaseDirectory(self)
        let db = try Database(directory: path, options: smallOptions(background: false))
        var reference: [Int64: [UInt8]] = [:]
        for i in 0..<4000 {
            let key = mixedKey(&rng)
            if i % 7 == 3 { try db.delete(key); reference[key] = nil; continue }
            let value = testValue(key, i, length: Int.random(in: 0...40, using: &rng))
            try db.put(key, value)
            reference[key] = value
            if i == 1500 { try db.flush() }  // data spread over a run and the hot tier
        }
        let sorted = reference.keys.sorted()
        let iterator = db.snapshot().makeIterator()
        for _ in 0..<300 {
            var a = mixedKey(&rng), b = mixedKey(&rng)
            if a > b { swap(&a, &b) }
            iterator.setBounds(lower: a, upper: b)
            let inRange = sorted.filter { $0 >= a && $0 < b }
            var forward: [Int64] = []
            try iterator.seekFirst()
            while iterator.isValid { forward.append(iterator.key); try iterator.next() }
            XCTAssertEqual(forward, inRange, "forward [\(a), \(b))")
            var backward: [Int64] = []
            try iterator.seekLast()
            while iterator.isValid { backward.append(iterator.key); try iterator.previous() }
            XCTAssertEqual(backward, inRange.reversed(), "reverse [\(a), \(b))")
            // seek / seekForPrevious to arbitrary targets, then a direction change.
            let target = mixedKey(&rng)
            try iterator.seek(target)
            let expectedSeek = inRange.first { $0 >= target }
            XCTAssertEqual(iterator.isValid ? iterator.key : nil, expectedSeek, "seek \(target)")
            if iterator.isValid {
                try iterator.previous()
                XCTAssertEqual(iterator.isValid ? iterator.key : nil, inRange.last { $0 < expectedSeek! }, "prev after seek")
            }
            try iterator.seekForPrevious(target)
            let expectedPrev = inRange.last { $0 <= target }
            XCTAssertEqual(iterator.isValid ? iterator.key : nil, expectedPrev, "seekForPrevious \(target)")
            if iterator.isValid {
                try iterator.next()
                XCTAssertEqual(iterator.isValid ? iterator.key : nil, inRange.first { $0 > expectedPrev! }, "next after seekForPrevious")
            }
        }
    }

    func testSnapshotIsolationAcrossWritesFlushesAndCompaction() throws {
        let path = temporaryDatabaseDirectory(self)
        let db = try Database(directory: path, options: smallOptions(background: false))
        for k in Int64(0)..<500 { try db.put(k, testValue(k, 0, length: 10)) }
        let snapshot = db.snapshot()
        let pointer = try snapshot.get(7)!.baseAddress!
        let before = Array(try snapshot.get(7)!)
        for k in Int64(0)..<500 {
            if k % 2 == 0 { try db.delete(k) } else { try db.put(k, testValue(k, 1, length: 20)) }
        }
        for k in Int64(500)..<3000 { try db.put(k, testValue(k, 1, length: 30)) }
        try db.flush()
        try db.compact()
        for k in Int64(0)..<500 {
            XCTAssertEqual(try snapshot.get(k).map { Array($0) }, testValue(k, 0, length: 10), "snapshot key \(k)")
            XCTAssertEqual(try db.get(k), k % 2 == 0 ? nil : testValue(k, 1, length: 20), "current key \(k)")
        }
        XCTAssertNil(try snapshot.get(600))
        // The zero-copy pointer taken before all that still holds the old bytes.
        XCTAssertEqual(Array(UnsafeRawBufferPointer(start: pointer, count: 10)), before)
        var count = 0
        let iterator = snapshot.makeIterator()
        try iterator.seekFirst()
        while iterator.isValid { count += 1; try iterator.next() }
        XCTAssertEqual(count, 500)
        try db.close()
        // Snapshots outlive the database handle.
        XCTAssertEqual(try snapshot.get(3).map { Array($0) }, testValue(3, 0, length: 10))
    }

    func testBatchIsAtomicAndLaterOperationWins() throws {
        let path = temporaryDatabaseDirectory(self)
        let db = try Database(directory: path, options: smallOptions())
        let batch = WriteBatch()
        batch.put(1, [1])
        batch.put(1, [2])
        batch.put(2, [3])
        batch.delete(2)
        batch.delete(3)
        try db.write(batch)
        XCTAssertEqual(try db.get(1), [2])
        XCTAssertNil(try db.get(2))
        // A batch with an oversized value is rejected as a whole.
        let tooBig = WriteBatch()
        tooBig.put(10, [1])
        tooBig.put(11, [UInt8](repeating: 0, count: 65 << 20))
        XCTAssertThrowsError(try db.write(tooBig)) { XCTAssertEqual(($0 as! OmenError).code, .tooLarge) }
        XCTAssertNil(try db.get(10))
        try db.close()
    }

    func testBulkLoadThenOverwriteAndReopen() throws {
        let path = temporaryDatabaseDirectory(self)
        var rng = SeededGenerator(seed: 5)
        var keys = (0..<20_000).map { _ in Int64.random(in: Int64.min...Int64.max, using: &rng) }
        keys = Array(Set(keys)).sorted()
        let values = keys.map { testValue($0, 0, length: Int($0 & 15)) }
        do {
            let db = try Database(directory: path, options: smallOptions())
            try db.put(keys[0], [42])  // older than the bulk load: must be shadowed
            try values.withUnsafeBufferPointer { buffer in
                try db.bulkLoad(count: keys.count, key: { keys[$0] }, value: { i in buffer[i].withUnsafeBytes { $0 } })
            }
            XCTAssertEqual(try db.get(keys[0]), values[0])
            try db.put(keys[1], [7])
            XCTAssertThrowsError(try db.bulkLoad(count: 2, key: { [5, 5][$0] }, value: { _ in UnsafeRawBufferPointer(start: nil, count: 0) }))
            try db.close()
        }
        let db = try Database(directory: path, options: smallOptions())
        XCTAssertEqual(try db.get(keys[1]), [7])
        for i in stride(from: 2, to: keys.count, by: 37) { XCTAssertEqual(try db.get(keys[i]), values[i]) }
        try db.verify()
    }

    func testConcurrentWritersAndReadersWithFullSync() throws {
        let path = temporaryDatabaseDirectory(self)
        let db = try Database(directory: path, options: smallOptions(hotTierBytes: 256 << 10, sync: .full))
        let threads = 4, perThread = 300
        DispatchQueueShim.concurrentPerform(iterations: threads + 1) { t in
            if t == threads {
                // A reader: snapshots must never show a value that was not written.
                do {
                    for _ in 0..<200 {
                        let snapshot = db.snapshot()
                        let iterator = snapshot.makeIterator()
                        try iterator.seekFirst()
                        while iterator.isValid {
                            XCTAssertEqual(Array(iterator.value), testValue(iterator.key, 0, length: 16))
                            try iterator.next()
                        }
                    }
                } catch {
                    XCTFail("reader: \(error)")
                }
                return
            }
            for i in 0..<perThread {
                let key = Int64(t * 1_000_000 + i)
                try! db.put(key, testValue(key, 0, length: 16))
            }
        }
        // Group commit: concurrent committers shared fsyncs (one per commit at most).
        let syncs = db.writerLock.withLock { db.logSyncCount }
        XCTAssertLessThanOrEqual(syncs, threads * perThread)
        XCTAssertGreaterThan(syncs, 0)
        print("group commit: \(threads * perThread) commits, \(syncs) log fsyncs")
        for t in 0..<threads {
            for i in 0..<perThread { XCTAssertEqual(try db.get(Int64(t * 1_000_000 + i)), testValue(Int64(t * 1_000_000 + i), 0, length: 16)) }
        }
        try db.verify()
    }
}

import Dispatch
enum DispatchQueueShim {
    static func concurrentPerform(iterations: Int, _ body: (Int) -> Void) {
        DispatchQueue.concurrentPerform(iterations: iterations, execute: body)
    }
}
