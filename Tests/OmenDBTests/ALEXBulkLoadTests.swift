import XCTest
@testable import OmenDB

/// Bulk loading: argument checks, tree shape, and mixed operations afterwards.
final class ALEXBulkLoadTests: XCTestCase {
    private func load(_ keys: [Int64], payloads: [UInt64]? = nil) throws -> ALEXMap {
        let payloads = payloads ?? keys.map { UInt64(bitPattern: $0) &* 31 }
        return try keys.withUnsafeBufferPointer { keyBuffer throws(OmenError) in
            try payloads.withUnsafeBufferPointer { payloadBuffer throws(OmenError) in
                try ALEXMap(sortedKeys: keyBuffer, payloads: payloadBuffer)
            }
        }
    }

    private func sortedDistinctKeys(_ distribution: ALEXKeyDistribution, count: Int, seed: UInt64) -> [Int64] {
        let next = distribution.generator(seed: seed)
        var set = Set<Int64>()
        var attempts = 0
        while set.count < count && attempts < count * 20 { set.insert(next()); attempts += 1 }
        return set.sorted()
    }

    func testRejectsUnsortedDuplicateAndMismatchedInput() {
        for (keys, payloads) in [([Int64(3), 2], [UInt64(0), 0]), ([1, 1], [0, 0]), ([1, 2], [0])] {
            XCTAssertThrowsError(try load(keys, payloads: payloads)) { error in
                XCTAssertEqual((error as? OmenError)?.code, .invalidArgument)
            }
        }
    }

    func testEmptyOneAndTwoKeys() throws {
        for keys in [[], [Int64.min], [Int64.max], [Int64.min, Int64.max], [-1, 0], [5, 6]] as [[Int64]] {
            let map = try load(keys)
            var reference = ALEXReference()
            for key in keys { reference.upsert(key, UInt64(bitPattern: key) &* 31) }
            XCTAssertEqual(map.count, keys.count)
            for key in keys { XCTAssertEqual(map.find(key), UInt64(bitPattern: key) &* 31) }
            ALEXCheck.assertIterationMatches(map, reference)
            for probe in [Int64.min, -1, 0, 1, 5, 6, 7, Int64.max] {
                ALEXCheck.assertSeekMatches(map, reference, probe: probe)
                XCTAssertEqual(map.find(probe), reference.find(probe))
            }
            // Grow from the tiny tree in both directions.
            for i in 1...3000 as ClosedRange<Int64> {
                XCTAssertEqual(map.upsert(i * 1_000_003, 7), reference.upsert(i * 1_000_003, 7))
                XCTAssertEqual(map.upsert(-i * 999_983, 8), reference.upsert(-i * 999_983, 8))
            }
            ALEXCheck.assertStructure(map)
            ALEXCheck.assertIterationMatches(map, reference)
        }
    }

    /// Bulk loads build a shallow tree (fanout from the data), then mixed operations
    /// keep matching the reference.
    func testBulkLoadThenMixedOperations() throws {
        for (index, distribution) in ALEXKeyDistribution.allCases.enumerated() {
            let keys = sortedDistinctKeys(distribution, count: 60_000, seed: UInt64(index) + 1000)
            let map = try load(keys)
            var reference = ALEXReference()
            for key in keys { reference.upsert(key, UInt64(bitPattern: key) &* 31) }
            ALEXCheck.assertStructure(map)
            let statistics = map.statistics
            print("ALEX bulk load \(distribution): depth \(statistics.maximumDepth), \(statistics.innerNodeCount) inner / "
                  + "\(statistics.dataNodeCount) data nodes, \(statistics.bytesPerKey) bytes/key")
            XCTAssertLessThanOrEqual(statistics.maximumDepth, 5, "\(distribution): \(statistics)")
            XCTAssertGreaterThan(statistics.dataNodeCount, 10, "\(distribution): \(statistics)")
            XCTAssertLessThan(statistics.bytesPerKey, 40, "\(distribution): \(statistics)")
            for key in keys.prefix(2000) { XCTAssertEqual(map.find(key), reference.find(key)) }
            ALEXCheck.assertIterationMatches(map, reference)

            var random = ALEXTestRandom(seed: UInt64(index))
            let next = distribution.generator(seed: UInt64(index) + 77)
            for _ in 0..<20_000 {
                switch Int.random(in: 0..<4, using: &random) {
                case 0:
                    let key = next()
                    XCTAssertEqual(map.upsert(key, 1), reference.upsert(key, 1))
                case 1:
                    let key = reference.keys[Int.random(in: 0..<reference.count, using: &random)]
                    XCTAssertEqual(map.remove(key), reference.remove(key))
                case 2:
                    let key = reference.keys[Int.random(in: 0..<reference.count, using: &random)] &+ Int64.random(in: -1...1, using: &random)
                    XCTAssertEqual(map.find(key), reference.find(key))
                default:
                    ALEXCheck.assertSeekMatches(map, reference, probe: Int64(bitPattern: random.next()), steps: 2)
                }
            }
            XCTAssertEqual(map.count, reference.count)
            ALEXCheck.assertStructure(map)
            ALEXCheck.assertIterationMatches(map, reference)
        }
    }
}
