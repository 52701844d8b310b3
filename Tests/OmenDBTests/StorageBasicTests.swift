import XCTest
@testable import OmenDB

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
            XCTAssertEqual(db.get(1), [1, 2, 3])
            XCTAssertEqual(db.get(Int64.min), [])
            XCTAssertNil(db.get(7))
            try db.close()
        }
        // Opens without writes leave no empty logs behind.
        for _ in 0..<3 { try Database(directory: path, options: smallOptions()).close() }
        let logs = try FileSystem.list(path).filter { $0.hasPrefix("wal-") }
        XCTAssertLessThanOrEqual(logs.count, 2, "\(logs)")
        let db = try Database(directory: path, options: smallOptions())
        XCTAssertEqual(db.get(1), [1, 2, 3])
        XCTAssertEqual(db.get(Int64.min), [])
        XCTAssertEqual(db.get(Int64.max), [9])
        XCTAssertNil(db.get(7))
        XCTAssertNil(db.get(42))
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
            assertMatches(db, reference)
            try db.compact()
            XCTAssertEqual(db.statistics.runCount, 1)
            assertMatches(db, reference)
            try db.verify()
            try db.close()
        }
        let db = try Database(directory: path, options: smallOptions())
        assertMatches(db, reference)
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
            assertMatches(db, reference)
            try db.verify()
            try db.close()
        }
    }
}
