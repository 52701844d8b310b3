import XCTest
@testable import OmenDB

/// ALEXMap against an independent reference (sorted array + dictionary).
final class ALEXMapTests: XCTestCase {
    func testEmptyMap() {
        let map = ALEXMap()
        XCTAssertEqual(map.count, 0)
        XCTAssertNil(map.find(0))
        XCTAssertNil(map.find(Int64.min))
        XCTAssertNil(map.remove(Int64.max))
        var cursor = map.cursor()
        cursor.seekFirst()
        XCTAssertFalse(cursor.isValid)
        cursor.seekLast()
        XCTAssertFalse(cursor.isValid)
        cursor.seek(Int64.min)
        XCTAssertFalse(cursor.isValid)
        cursor.seekForPrevious(Int64.max)
        XCTAssertFalse(cursor.isValid)
        XCTAssertEqual(map.maximumDepth, 1)
        ALEXCheck.assertStructure(map)
    }

    func testExtremeKeysOneByOne() {
        let map = ALEXMap()
        XCTAssertNil(map.upsert(Int64.max, 1))
        XCTAssertNil(map.upsert(Int64.min, 2))
        XCTAssertEqual(map.upsert(Int64.max, 3), 1)
        XCTAssertNil(map.upsert(0, 4))
        XCTAssertEqual(map.find(Int64.max), 3)
        XCTAssertEqual(map.find(Int64.min), 2)
        XCTAssertEqual(map.find(0), 4)
        XCTAssertNil(map.find(Int64.max - 1))
        XCTAssertEqual(map.count, 3)
        var cursor = map.cursor()
        cursor.seek(1)
        XCTAssertEqual(cursor.key, Int64.max)
        cursor.next()
        XCTAssertFalse(cursor.isValid)
        cursor.seekForPrevious(-1)
        XCTAssertEqual(cursor.key, Int64.min)
        cursor.previous()
        XCTAssertFalse(cursor.isValid)
        XCTAssertEqual(map.remove(Int64.max), 3)
        XCTAssertNil(map.find(Int64.max))
        XCTAssertEqual(map.remove(Int64.min), 2)
        XCTAssertEqual(map.count, 1)
        ALEXCheck.assertStructure(map)
    }

    /// Long random interleavings of every operation, per distribution, checked
    /// against the reference (more than 300k operations in all).
    func testRandomInterleavingsMatchReference() {
        for (index, distribution) in ALEXKeyDistribution.allCases.enumerated() {
            runInterleaving(distribution, operations: 46_000, seed: UInt64(index) &* 7919 &+ 11)
        }
    }

    /// Grows to tens of thousands of keys, then shrinks by removals, so that nodes
    /// expand, split every way and shrink while the reference follows along.
    func testGrowThenShrinkMatchesReference() {
        for distribution in [ALEXKeyDistribution.uniform, .sequential, .reverse, .clustered] {
            let map = ALEXMap()
            var reference = ALEXReference()
            let next = distribution.generator(seed: 99)
            var random = ALEXTestRandom(seed: 5)
            for i in 0..<40_000 {
                let key = next()
                XCTAssertEqual(map.upsert(key, UInt64(i)), reference.upsert(key, UInt64(i)))
            }
            ALEXCheck.assertStructure(map)
            while reference.count > 300 {
                let key = reference.keys[Int.random(in: 0..<reference.count, using: &random)]
                XCTAssertEqual(map.remove(key), reference.remove(key))
            }
            XCTAssertEqual(map.count, reference.count)
            ALEXCheck.assertStructure(map)
            ALEXCheck.assertIterationMatches(map, reference)
            XCTAssertGreaterThan(map.events.shrinks, 0, "\(distribution)")
            XCTAssertGreaterThan(map.events.merges, 0, "\(distribution)")
            // 300 keys left: merges should have collapsed the tree to a few small nodes.
            XCTAssertLessThanOrEqual(map.statistics.dataNodeCount, 40, "\(distribution): \(map.statistics)")
            // Grow again from the merged tree.
            for i in 0..<20_000 {
                let key = next()
                XCTAssertEqual(map.upsert(key, UInt64(i)), reference.upsert(key, UInt64(i)))
            }
            ALEXCheck.assertStructure(map)
            ALEXCheck.assertIterationMatches(map, reference)
        }
    }

    private func runInterleaving(_ distribution: ALEXKeyDistribution, operations: Int, seed: UInt64,
                                 file: StaticString = #filePath, line: UInt = #line) {
        let map = ALEXMap()
        var reference = ALEXReference()
        let nextKey = distribution.generator(seed: seed)
        var random = ALEXTestRandom(seed: seed ^ 0xABCDEF)
        func existingKey() -> Int64? {
            reference.count == 0 ? nil : reference.keys[Int.random(in: 0..<reference.count, using: &random)]
        }
        for step in 0..<operations {
            let roll = Int.random(in: 0..<100, using: &random)
            let payload = random.next()
            switch roll {
            case 0..<55:  // insert a new key from the distribution
                let key = nextKey()
                XCTAssertEqual(map.upsert(key, payload), reference.upsert(key, payload), "upsert \(key)", file: file, line: line)
            case 55..<63:  // update an existing key
                if let key = existingKey() {
                    XCTAssertEqual(map.upsert(key, payload), reference.upsert(key, payload), file: file, line: line)
                }
            case 63..<78:  // remove an existing key or a (probably absent) new one
                let key = roll < 75 ? (existingKey() ?? nextKey()) : nextKey()
                XCTAssertEqual(map.remove(key), reference.remove(key), "remove \(key)", file: file, line: line)
            case 78..<92:  // find present and absent keys
                let key = roll < 85 ? (existingKey() ?? 0) : nextKey()
                XCTAssertEqual(map.find(key), reference.find(key), "find \(key)", file: file, line: line)
                XCTAssertEqual(map.find(key &+ 1), reference.find(key &+ 1), file: file, line: line)
            default:  // cursor seeks and short walks around existing and random probes
                let probe: Int64
                switch roll % 3 {
                case 0: probe = existingKey() ?? 0
                case 1: probe = (existingKey() ?? 0) &+ 1
                default: probe = Int64(bitPattern: random.next())
                }
                ALEXCheck.assertSeekMatches(map, reference, probe: probe, file: file, line: line)
            }
            XCTAssertEqual(map.count, reference.count, file: file, line: line)
            if step % 15_000 == 14_999 { ALEXCheck.assertStructure(map, file: file, line: line) }
            if testRun?.failureCount ?? 0 > 20 { return }
        }
        ALEXCheck.assertStructure(map, file: file, line: line)
        ALEXCheck.assertIterationMatches(map, reference, file: file, line: line)
        for probe in [Int64.min, -1, 0, 1, Int64.max] {
            ALEXCheck.assertSeekMatches(map, reference, probe: probe, file: file, line: line)
        }
    }
}
