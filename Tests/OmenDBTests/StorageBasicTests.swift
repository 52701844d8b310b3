import XCTest
@testable import OmenDB
import OmenTestSupport

final class StorageBasicTests: XCTestCase {
    func testPutGetDeleteAndReopen() throws {
        let path = temporaryDatabaseDirectory(self)
        do {
            let db = try Database(directory: path, options: smallOptions())
            try db.put(1, [1, 2, 3])
            try db.put(Int64.min, [])
            try db.put(Int64.max, [9])
            try db.delete(42)  // absent: fine
            try db.put(7, [7])
            try db.delete(7)
            XCTAssertEqual(try db.get(1), [1, 2, 3])
            XCTAssertEqual(try db.get(Int64.min), [])
            XCTAssertNil(try db.get(7))
            try db.close()
        }
        // Opens without writes leave no empty logs behind.
        for _ in 0..<3 { try Database(directory: path, options: smallOptions()).close() }
        let logs = try FileSystem.list(path).filter { $0.hasPrefix("wal-") }
        XCTAssertLessThanOrEqual(logs.count, 2, "\(logs)")
        let db = try Database(directory: path, options: smallOptions())
        XCTAssertEqual(try db.get(1), [1, 2, 3])
        XCTAssertEqual(try db.get(Int64.min), [])
        XCTAssertEqual(try db.get(Int64.max), [9])
        XCTAssertNil(try db.get(7))
        XCTAssertNil(try db.get(42))
        try db.verify()
        try db.close()
    }

    func testFlushCompactAndReopenKeepData() throws {
        let path = temporaryDatabaseDirectory(self)
        var reference: [Int64: [UInt8]] = [:]
        do {
            let db = try Database(directory: path, options: smallOptions(background: false))
            for i in 0..<3000 {
                let key = Int64(i % 1000) * 7
                let value = testValue(key, i, length: i % 50)
                try db.put(key, value)
                reference[key] = value
                if i % 5 == 0 { try db.delete(key + 1); reference[key + 1] = nil }
            }
            try db.flush()
            XCTAssertGreaterThan(db.statistics.runCount, 0)
            try assertMatches(db, reference)
            try db.compact()
            XCTAssertEqual(db.statistics.runCount, 1)
            try assertMatches(db, reference)
            try db.verify()
            try db.close()
        }
        let db = try Database(directory: path, options: smallOptions())
        try assertMatches(db, reference)
        try db.verify()
    }

    func testAutomaticFlushAndCompactionBoundRunCount() throws {
        for background in [false, true] {
            let path = temporaryDatabaseDirectory(self)
            let db = try Database(directory: path, options: smallOptions(hotTierBytes: 64 << 10, sync: .normal, background: background))
            var reference: [Int64: [UInt8]] = [:]
            for i in 0..<6000 {
                let key = Int64(i % 2500) &* 7_919
                let value = testValue(key, i, length: 60)
                try db.put(key, value)
                reference[key] = value
            }
            if background {
                // Give the background thread a moment to catch up with flushes.
                var waited = 0
                while db.statistics.runCount > 5 && waited < 200 { usleep(10_000); waited += 1 }
            }
            XCTAssertGreaterThan(db.statistics.runCount, 0, "background \(background)")
            XCTAssertLessThanOrEqual(db.statistics.runCount, 5, "background \(background)")
            try assertMatches(db, reference)
            try db.verify()
            try db.close()
        }
    }

    func testSizeTieredChoiceLeavesLargeOldRunsAlone() {
        XCTAssertEqual(Database.runsToMerge([1, 1, 1, 1, 1, 1, 1, 1, 100]), 8)
        XCTAssertEqual(Database.runsToMerge([1, 1, 1, 1, 1, 1, 1, 1, 8, 100]), 9)
        XCTAssertEqual(Database.runsToMerge([1, 1, 1, 1, 1]), 5)
        XCTAssertEqual(Database.runsToMerge([1, 1000, 1_000_000]), 2)
    }

    func testPartialCompactionKeepsTombstonesThatHideOlderRuns() throws {
        let path = temporaryDatabaseDirectory(self)
        let db = try Database(directory: path, options: smallOptions(background: false))
        let keys = (Int64(0)..<50_000).map { $0 * 3 }
        let values = keys.map { testValue($0, 0, length: 24) }
        var reference: [Int64: [UInt8]] = [:]
        for (k, v) in zip(keys, values) { reference[k] = v }
        try values.withUnsafeBufferPointer { buffer in
            try db.bulkLoad(count: keys.count, key: { keys[$0] }, value: { i in buffer[i].withUnsafeBytes { $0 } })
        }
        var rng = SeededGenerator(seed: 77)
        for round in 0..<12 {
            for _ in 0..<40 {
                let key = keys.randomElement(using: &rng)!
                if Bool.random(using: &rng) {
                    try db.delete(key)
                    reference[key] = nil
                } else {
                    let value = testValue(key, round + 1, length: 10)
                    try db.put(key, value)
                    reference[key] = value
                }
            }
            try db.flush()
            try db.compactIfNeeded()
        }
        // The big bulk-loaded run was never rewritten, yet deletions still hide its keys.
        XCTAssertGreaterThan(db.statistics.runCount, 1)
        XCTAssertLessThanOrEqual(db.statistics.runCount, 4)
        try assertMatches(db, reference)
        try db.verify()
        try db.close()
        let reopened = try Database(directory: path, options: smallOptions())
        try assertMatches(reopened, reference)
    }
}
