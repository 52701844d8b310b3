import XCTest
@testable import OmenDB

/// A first check of the PGM index against a sorted reference; the full property
/// suite lives in the index-family tests.
final class PGMSmokeTests: XCTestCase {
    func testLowerBoundMatchesReferenceOnClusteredKeysWithDuplicates() throws {
        var generator = SystemRandomNumberGenerator()
        var keys: [Int64] = [Int64.min, Int64.min]
        for cluster in 0..<50 {
            let base = Int64(cluster) * 1_000_000_000_000 - 25_000_000_000_000
            for i in 0..<Int64.random(in: 1...2000, using: &generator) {
                keys.append(base + i * Int64.random(in: 1...3, using: &generator))
            }
        }
        keys.append(contentsOf: [Int64.max - 1, Int64.max, Int64.max])
        keys.sort()
        let index = try LearnedIndex(keys: keys, configuration: { var c = IndexConfiguration(); c.epsilon = 8; return c }())
        func reference(_ q: Int64) -> Int {
            var lo = 0, hi = keys.count
            while lo < hi { let mid = (lo + hi) / 2; if keys[mid] < q { lo = mid + 1 } else { hi = mid } }
            return lo
        }
        var queries = keys
        for _ in 0..<20_000 { queries.append(Int64.random(in: Int64.min...Int64.max, using: &generator)) }
        for k in keys.prefix(5000) { queries.append(k &+ 1); queries.append(k &- 1) }
        for q in queries { XCTAssertEqual(index.lowerBound(q), reference(q), "query \(q)") }
        XCTAssertLessThanOrEqual(index.statistics.maximumError, 8 + 2 + 2)  // ε, rounding, the duplicate run
    }

    func testUnsortedInputIsRejectedWithPosition() {
        XCTAssertThrowsError(try LearnedIndex(keys: [1, 2, 5, 4])) { error in
            let error = error as! OmenError
            XCTAssertEqual(error.code, .invalidArgument)
            XCTAssertTrue(error.message.contains("keys[3]"), error.message)
        }
    }
}
