import XCTest
@testable import OmenDB

/// Tree shape under adversarial insert orders: depth stays bounded and memory per
/// key stays sane. The 10M-key variant runs with OMENDB_LONG_TESTS=1 (use a release
/// build: `swift test -c release -Xswiftc -enable-testing --filter ALEXDepthTests`).
final class ALEXDepthTests: XCTestCase {
    private static var longTests: Bool {
        guard let value = getenv("OMENDB_LONG_TESTS") else { return false }
        return String(cString: value) == "1"
    }

    /// Keys for one insert order (distinct).
    private func keys(_ order: String, count: Int) -> [Int64] {
        var random = ALEXTestRandom(seed: 2024)
        switch order {
        case "sequential": return (0..<count).map { Int64($0) }
        case "reverse": return (0..<count).map { Int64(count - $0) * 7 }
        case "random":
            var set = Set<Int64>(minimumCapacity: count)
            while set.count < count { set.insert(Int64(bitPattern: random.next())) }
            var keys = Array(set)
            keys.shuffle(using: &random)
            return keys
        case "clustered":
            // 64 dense clusters scattered over the full range, visited in random order.
            let centers = (0..<64).map { _ in Int64.random(in: (Int64.min / 2)...(Int64.max / 2), using: &random) }
            var keys = (0..<count).map { (i: Int) -> Int64 in centers[i % 64] &+ Int64(i / 64) * 3 }
            keys.shuffle(using: &random)
            return keys
        case "extremes":
            // Alternating from both ends of the key space inward.
            return (0..<count).map { (i: Int) -> Int64 in
                let step = Int64(i / 2)
                return i % 2 == 0 ? Int64.min + step : Int64.max - step
            }
        default: fatalError(order)
        }
    }

    private func insertAll(_ order: String, count: Int, report: Bool) -> ALEXStatistics {
        let keys = keys(order, count: count)
        let map = ALEXMap()
        let start = clock()
        for (i, key) in keys.enumerated() { map.upsert(key, UInt64(i)) }
        let seconds = Double(clock() - start) / Double(CLOCKS_PER_SEC)
        XCTAssertEqual(map.count, count)
        for key in keys.prefix(1000) { XCTAssertNotNil(map.find(key)) }
        let statistics = map.statistics
        if report {
            print("ALEX \(order) \(count) inserts: \(seconds) s CPU, depth \(statistics.maximumDepth), "
                  + "\(statistics.innerNodeCount) inner / \(statistics.dataNodeCount) data nodes, "
                  + "\(statistics.bytesPerKey) bytes/key, events \(map.events)")
        }
        return statistics
    }

    func testDepthStaysBoundedForEveryInsertOrder() {
        for order in ["sequential", "reverse", "random", "clustered", "extremes"] {
            let statistics = insertAll(order, count: 150_000, report: true)
            XCTAssertLessThanOrEqual(statistics.maximumDepth, 5, "\(order): \(statistics)")
            XCTAssertLessThan(statistics.bytesPerKey, 48, "\(order): \(statistics)")
        }
    }

    func testTenMillionKeysOneAtATime() throws {
        try XCTSkipUnless(Self.longTests, "set OMENDB_LONG_TESTS=1 (release build) to run")
        for order in ["sequential", "reverse", "random", "clustered"] {
            let statistics = insertAll(order, count: 10_000_000, report: true)
            XCTAssertLessThanOrEqual(statistics.maximumDepth, 8, "\(order): \(statistics)")
        }
    }
}
