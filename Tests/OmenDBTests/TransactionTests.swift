import XCTest
@testable import OmenDB
import OmenTestSupport

/// Transaction semantics against hand-computed outcomes and a dictionary reference.
/// (Isolation anomalies: HermitageTests; serializability of random histories:
/// the model-based check.)
final class TransactionTests: XCTestCase {
    private func open(_ options: DatabaseOptions = smallOptions()) throws -> Database {
        try Database(directory: temporaryDatabaseDirectory(self), options: options)
    }

    private func begin(_ db: Database, _ isolation: IsolationLevel, readOnly: Bool = false) throws -> Transaction {
        try db.beginTransaction(TransactionOptions(isolation: isolation, readOnly: readOnly))
    }

    private func assertConflict(_ body: () throws(OmenError) -> Void, mentioning text: String,
                                file: StaticString = #filePath, line: UInt = #line) {
        do throws(OmenError) {
            try body()
            XCTFail("expected a conflict", file: file, line: line)
        } catch {
            XCTAssertEqual(error.code, .conflict, error.message, file: file, line: line)
            XCTAssertTrue(error.message.contains(text), "'\(error.message)' does not mention '\(text)'", file: file, line: line)
        }
    }

    func testReadYourOwnWritesAndRollback() throws {
        let db = try open()
        try db.put(1, [1])
        for isolation in IsolationLevel.allCases {
            let txn = try begin(db, isolation)
            try txn.put(2, [2])
            try txn.delete(1)
            XCTAssertEqual(try txn.get(2), [2])
            XCTAssertNil(try txn.get(1))
            XCTAssertEqual(try db.get(1), [1], "writes stay private until commit")
            XCTAssertNil(try db.get(2))
            txn.rollback()
            XCTAssertFalse(txn.isActive)
            XCTAssertEqual(try db.get(1), [1])
            XCTAssertNil(try db.get(2))
            XCTAssertThrowsError(try txn.get(1)) { XCTAssertEqual(($0 as! OmenError).code, .misuse) }
        }
    }

    func testCommitIsAtomicAndDurable() throws {
        let directory = temporaryDatabaseDirectory(self)
        var options = smallOptions()
        options.sync = .full
        do {
            let db = try Database(directory: directory, options: options)
            let txn = try db.beginTransaction()
            for key in Int64(0)..<100 { try txn.put(key, testValue(key, 1, length: 10)) }
            try txn.commit()
            XCTAssertNotNil(txn.commitSequence)
            try db.close()
        }
        let db = try Database(directory: directory, options: options)
        for key in Int64(0)..<100 { XCTAssertEqual(try db.get(key), testValue(key, 1, length: 10)) }
    }

    func testFirstCommitterWinsUnderSnapshotLevels() throws {
        for isolation in [IsolationLevel.repeatableRead, .serializable] {
            let db = try open()
            let first = try begin(db, isolation), second = try begin(db, isolation)
            try first.put(7, [1])
            try second.put(7, [2])
            try first.commit()
            assertConflict({ () throws(OmenError) in try second.commit() }, mentioning: "key 7, which this transaction writes")
            XCTAssertFalse(second.isActive)
            XCTAssertEqual(try db.get(7), [1])
            XCTAssertEqual(db.statistics.conflicts, 1)
        }
    }

    func testPlainWritesConflictWithTransactions() throws {
        let db = try open()
        let txn = try begin(db, .serializable)
        XCTAssertNil(try txn.get(5))
        try db.put(5, [9])
        try txn.put(6, [1])
        assertConflict({ () throws(OmenError) in try txn.commit() }, mentioning: "key 5, which this transaction read")
        XCTAssertNil(try db.get(6))
    }

    func testReadCommittedSeesNewCommitsAndNeverConflicts() throws {
        let db = try open()
        try db.put(1, [1])
        let txn = try begin(db, .readCommitted)
        XCTAssertEqual(try txn.get(1), [1])
        try db.put(1, [2])
        XCTAssertEqual(try txn.get(1), [2])
        let zeroCopy = try XCTUnwrap(try txn.value(1))
        try db.put(1, [3])
        try db.flush()
        XCTAssertEqual(Array(zeroCopy), [2], "a zero-copy value stays valid until the transaction ends")
        try txn.put(1, [4])
        try txn.commit()
        XCTAssertEqual(try db.get(1), [4])
        XCTAssertEqual(IsolationLevel.readUncommitted.rawValue, 0)
        XCTAssertEqual(try begin(db, .readUncommitted).isolation, .readCommitted)
    }

    func testSnapshotLevelsReadTheBeginState() throws {
        let db = try open()
        try db.put(1, [1])
        for isolation in [IsolationLevel.repeatableRead, .serializable] {
            let txn = try begin(db, isolation, readOnly: true)
            try db.put(1, [2])
            try db.flush()
            XCTAssertEqual(try txn.get(1), [1])
            XCTAssertThrowsError(try txn.put(1, [3])) { XCTAssertEqual(($0 as! OmenError).code, .readOnly) }
            try txn.commit()
            try db.put(1, [1])
        }
    }

    func testWriteSkewIsPossibleUnderRepeatableReadAndCaughtUnderSerializable() throws {
        for isolation in [IsolationLevel.repeatableRead, .serializable] {
            let db = try open()
            try db.put(1, [1])
            try db.put(2, [1])
            let a = try begin(db, isolation), b = try begin(db, isolation)
            // Each sees two on-call doctors and takes itself off call.
            XCTAssertEqual([try a.get(1), try a.get(2)], [[1], [1]])
            XCTAssertEqual([try b.get(1), try b.get(2)], [[1], [1]])
            try a.put(1, [0])
            try b.put(2, [0])
            try a.commit()
            if isolation == .repeatableRead {
                try b.commit()
                XCTAssertEqual([try db.get(1), try db.get(2)], [[0], [0]], "write skew")
            } else {
                assertConflict({ () throws(OmenError) in try b.commit() }, mentioning: "key 1, which this transaction read")
            }
        }
    }

    func testPhantomInAScannedRangeConflicts() throws {
        let db = try open()
        for key in stride(from: Int64(0), to: 100, by: 10) { try db.put(key, [1]) }
        let txn = try begin(db, .serializable)
        let iterator = try txn.makeIterator()
        iterator.setBounds(lower: 20, upper: 50)
        try iterator.seekFirst()
        var seen: [Int64] = []
        while iterator.isValid { seen.append(iterator.key); try iterator.next() }
        XCTAssertEqual(seen, [20, 30, 40])
        try txn.put(1000, [1])
        try db.put(45, [1])  // inside the scanned range, a key that did not exist
        try db.put(55, [1])  // outside
        assertConflict({ () throws(OmenError) in try txn.commit() }, mentioning: "inside the range 20...49")
        // A scan that stopped early covers only what it walked over.
        let partial = try begin(db, .serializable)
        let it = try partial.makeIterator()
        try it.seek(60)
        XCTAssertEqual(it.key, 60)
        try partial.put(2000, [1])
        try db.put(65, [1])
        try partial.commit()
    }

    func testBulkLoadConflictsWithReaders() throws {
        let db = try open()
        let txn = try begin(db, .serializable)
        XCTAssertNil(try txn.get(500))
        let value: [UInt8] = [7]
        try value.withUnsafeBytes { bytes in
            try db.bulkLoad(count: 1000, key: { Int64($0) }, value: { _ in bytes })
        }
        try txn.put(-1, [1])
        assertConflict({ () throws(OmenError) in try txn.commit() }, mentioning: "key 500")
    }

    /// Random puts and deletes in a transaction over a database with data in every tier:
    /// reads and iteration (both directions, with bounds) must match a dictionary.
    func testIteratorMergesOwnWritesAgainstReference() throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        print("TransactionTests.testIteratorMergesOwnWritesAgainstReference seed \(seed)")
        var rng = SeededGenerator(seed: seed)
        let db = try open()
        var committed: [Int64: [UInt8]] = [:]
        for round in 0..<3 {
            for _ in 0..<400 {
                let key = mixedKey(&rng)
                let value = testValue(key, round, length: Int.random(in: 0...20, using: &rng))
                try db.put(key, value)
                committed[key] = value
            }
            if round < 2 { try db.flush() }
        }
        for isolation in IsolationLevel.allCases {
            let txn = try begin(db, isolation)
            var view = committed
            for step in 0..<300 {
                let key = Bool.random(using: &rng) ? committed.keys.randomElement(using: &rng)! : mixedKey(&rng)
                if Int.random(in: 0..<3, using: &rng) == 0 {
                    try txn.delete(key)
                    view[key] = nil
                } else {
                    let value = testValue(key, 100 + step, length: Int.random(in: 0...20, using: &rng))
                    try txn.put(key, value)
                    view[key] = value
                }
            }
            for key in view.keys.prefix(200) { XCTAssertEqual(try txn.get(key), view[key], "seed \(seed)") }
            let sorted = view.keys.sorted()
            let iterator = try txn.makeIterator()
            var forward: [Int64] = []
            try iterator.seekFirst()
            while iterator.isValid {
                forward.append(iterator.key)
                XCTAssertEqual(Array(iterator.value), view[iterator.key], "seed \(seed)")
                try iterator.next()
            }
            XCTAssertEqual(forward, sorted, "forward, \(isolation), seed \(seed)")
            var backward: [Int64] = []
            try iterator.seekLast()
            while iterator.isValid { backward.append(iterator.key); try iterator.previous() }
            XCTAssertEqual(backward, sorted.reversed(), "backward, \(isolation), seed \(seed)")
            for _ in 0..<50 {
                let a = mixedKey(&rng), b = mixedKey(&rng)
                let (lower, upper) = (min(a, b), max(a, b))
                iterator.setBounds(lower: lower, upper: upper)
                var inRange: [Int64] = []
                try iterator.seekFirst()
                while iterator.isValid { inRange.append(iterator.key); try iterator.next() }
                XCTAssertEqual(inRange, sorted.filter { $0 >= lower && $0 < upper }, "bounds \(lower)..<\(upper), seed \(seed)")
                let target = mixedKey(&rng)
                try iterator.seekForPrevious(target)
                XCTAssertEqual(iterator.isValid ? iterator.key : nil, sorted.last { $0 <= target && $0 >= lower && $0 < upper },
                               "seekForPrevious \(target), seed \(seed)")
            }
            txn.rollback()
        }
    }

    func testStatisticsReportPinsAndTransactions() throws {
        let db = try open()
        try db.put(1, [1])
        XCTAssertEqual(db.statistics.activeTransactions, 0)
        XCTAssertEqual(db.statistics.oldestPinnedSequence, 0)
        let txn = try begin(db, .repeatableRead)
        let pinned = db.statistics.lastSequence
        try db.put(1, [2])
        try db.put(1, [3])
        let stats = db.statistics
        XCTAssertEqual(stats.activeTransactions, 1)
        XCTAssertEqual(stats.oldestPinnedSequence, pinned)
        XCTAssertEqual(stats.retainedVersions, 2)
        txn.rollback()
        XCTAssertEqual(db.statistics.activeTransactions, 0)
    }

    func testCommitLogIsTrimmedWhenNoTransactionNeedsIt() throws {
        let db = try open(smallOptions(hotTierBytes: 16 << 20))
        for key in Int64(0)..<2000 { try db.put(key, [1]) }
        XCTAssertLessThan(db.writerLock.withLock { db.commitLog.count }, 256)
        let txn = try begin(db, .serializable)
        for key in Int64(0)..<2000 { try db.put(key, [2]) }
        XCTAssertGreaterThanOrEqual(db.writerLock.withLock { db.commitLog.count }, 2000, "kept for the open transaction")
        txn.rollback()
        for key in Int64(0)..<300 { try db.put(key, [3]) }
        XCTAssertLessThan(db.writerLock.withLock { db.commitLog.count }, 256)
    }
}
