import XCTest

/// The checker on hand-written histories: it accepts a serializable one and finds each kind
/// of anomaly it exists to find (so a clean model-based run means something).
final class SerializabilityCheckerTests: XCTestCase {
    private func history(initial: [Int64: UInt64], final: [Int64: UInt64],
                         _ transactions: [(operations: [RecordedOperation], committedAt: Int?)]) -> History {
        var history = History(keyCount: 6, initial: initial)
        for (operations, committedAt) in transactions {
            var txn = RecordedTransaction(label: "txn", began: 0)
            txn.operations = operations
            txn.committedAt = committedAt
            txn.ending = committedAt == nil ? "rolled back" : "committed"
            history.transactions.append(txn)
        }
        history.commitOrder = history.transactions.indices.filter { history.transactions[$0].isCommitted }
            .sorted { history.transactions[$0].committedAt! < history.transactions[$1].committedAt! }
        history.final = final
        return history
    }

    func testSerializableHistoryPasses() {
        let result = SerializabilityChecker(history: history(initial: [0: 1], final: [0: 10, 1: 20], [
            ([.read(key: 0, value: 1, step: 1), .write(key: 0, value: 10)], 3),
            ([.read(key: 0, value: 10, step: 5), .scan(lower: 1, upper: 3, reverse: false, rows: [], step: 5),
              .write(key: 1, value: 20), .read(key: 1, value: 20, step: 6)], 7),
        ])).check(commitOrderReplay: true)
        XCTAssertNil(result.cycle)
        XCTAssertEqual(result.violations, [])
    }

    func testWriteSkewIsACycle() {
        let result = SerializabilityChecker(history: history(initial: [0: 1, 1: 2], final: [0: 10, 1: 11], [
            ([.read(key: 0, value: 1, step: 1), .read(key: 1, value: 2, step: 2), .write(key: 0, value: 10)], 5),
            ([.read(key: 0, value: 1, step: 3), .read(key: 1, value: 2, step: 4), .write(key: 1, value: 11)], 6),
        ])).check(commitOrderReplay: true)
        XCTAssertEqual(result.cycle, "T1 -rw(1)-> T2 -rw(0)-> T1")
        XCTAssertEqual(result.violations, ["T2's reads differ from a serial replay in commit order at its commit"])
    }

    func testPhantomThroughRangeScansIsACycle() {
        // Each scanned [0, 6) empty and inserted into it: the keys a scan did not return are reads.
        let result = SerializabilityChecker(history: history(initial: [:], final: [4: 20, 5: 21], [
            ([.scan(lower: 0, upper: 6, reverse: false, rows: [], step: 1), .write(key: 4, value: 20)], 3),
            ([.scan(lower: nil, upper: nil, reverse: true, rows: [], step: 2), .write(key: 5, value: 21)], 4),
        ])).check(commitOrderReplay: false)
        XCTAssertEqual(result.cycle, "T1 -rw(5)-> T2 -rw(4)-> T1")
        XCTAssertEqual(result.violations, [])
    }

    func testDirtyAbortedAndIntermediateReadsAreViolations() {
        let result = SerializabilityChecker(history: history(initial: [0: 1], final: [0: 11], [
            ([.write(key: 0, value: 10), .write(key: 0, value: 11)], 9),
            ([.read(key: 0, value: 10, step: 10)], 11),          // intermediate
            ([.read(key: 0, value: 11, step: 5)], 6),            // before the commit
            ([.write(key: 1, value: 30)], nil),
            ([.read(key: 1, value: 30, step: 7)], 8),            // rolled back
            ([.write(key: 2, value: 40), .read(key: 2, value: nil, step: 3)], nil),   // own write lost
        ])).check(commitOrderReplay: false)
        XCTAssertEqual(result.violations.count, 4, "\(result.violations)")
        XCTAssertTrue(result.violations.allSatisfy { $0.hasPrefix("T2 ") || $0.hasPrefix("T3 ") || $0.hasPrefix("T5 ") || $0.hasPrefix("T6 ") },
                      "\(result.violations)")
    }

    func testMisorderedScanAndLostCommitAreViolations() {
        let result = SerializabilityChecker(history: history(initial: [0: 1, 1: 2], final: [0: 1, 1: 2], [
            ([.scan(lower: 0, upper: 2, reverse: false, rows: [(1, 2), (0, 1)], step: 1), .write(key: 3, value: 7)], 2),
        ])).check(commitOrderReplay: true)
        XCTAssertEqual(result.violations.count, 2, "\(result.violations)")
        XCTAssertTrue(result.violations[0].contains("out of order"))
        XCTAssertTrue(result.violations[1].hasPrefix("the database holds"))
    }
}
