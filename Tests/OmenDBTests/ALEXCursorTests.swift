import XCTest
@testable import OmenDB

/// Cursors: order, both directions, after every kind of structural change, and
/// across mutations (re-positioning by key).
final class ALEXCursorTests: XCTestCase {
    /// Drives a map through each kind of structural change and checks full forward
    /// and backward walks and seeks after each one.
    func testCursorsAfterEveryKindOfStructuralChange() {
        var seen = Set<String>()
        for distribution in [ALEXKeyDistribution.sequential, .reverse, .uniform, .clustered, .extremes, .lognormal] {
            let map = ALEXMap()
            var reference = ALEXReference()
            let next = distribution.generator(seed: 4242)
            var random = ALEXTestRandom(seed: 17)
            var lastEvents = map.events
            for i in 0..<30_000 {
                let key = next()
                map.upsert(key, UInt64(i))
                reference.upsert(key, UInt64(i))
                let events = map.events
                guard events != lastEvents else { continue }
                for (name, changed) in [("expansion", events.expansions != lastEvents.expansions),
                                        ("sideways split", events.sidewaysSplits != lastEvents.sidewaysSplits),
                                        ("downward split", events.downwardSplits != lastEvents.downwardSplits),
                                        ("parent doubling", events.parentDoublings != lastEvents.parentDoublings),
                                        ("root split", events.rootSplits != lastEvents.rootSplits),
                                        ("inner expansion", events.expansionsInPlace != lastEvents.expansionsInPlace),
                                        ("level added", events.levelsAdded != lastEvents.levelsAdded)] where changed {
                    // Walk fully the first few times each kind happens, then spot-check seeks.
                    let label = "\(distribution) \(name)"
                    if !seen.contains(label) || i % 97 == 0 {
                        seen.insert(label)
                        ALEXCheck.assertIterationMatches(map, reference)
                    }
                    for _ in 0..<4 {
                        let probe = reference.keys[Int.random(in: 0..<reference.count, using: &random)]
                        ALEXCheck.assertSeekMatches(map, reference, probe: probe &+ Int64.random(in: -1...1, using: &random))
                    }
                }
                lastEvents = events
            }
            ALEXCheck.assertStructure(map)
        }
        for kind in ["sideways split", "downward split", "parent doubling", "root split", "inner expansion", "expansion"] {
            XCTAssertTrue(seen.contains { $0.hasSuffix(kind) }, "no \(kind) happened: \(seen.sorted())")
        }
    }

    func testCursorRepositionsAfterMutations() {
        let map = ALEXMap()
        for key in stride(from: 0 as Int64, to: 10_000, by: 10) { map.upsert(key, UInt64(key)) }
        var cursor = map.cursor()
        cursor.seek(500)
        XCTAssertEqual(cursor.key, 500)
        map.remove(510)
        map.upsert(505, 1)
        cursor.next()
        XCTAssertEqual(cursor.key, 505)
        map.upsert(505, 2)
        XCTAssertEqual(cursor.payload, 2)
        map.remove(500)
        cursor.previous()
        XCTAssertEqual(cursor.key, 490)
        // Insert enough to split and expand nodes under the cursor, then keep walking.
        for key in stride(from: 491 as Int64, to: 500, by: 1) { map.upsert(key, 0) }
        for i in 0..<20_000 as Range<Int64> { map.upsert(100_000 + i, 0) }
        cursor.next()
        XCTAssertEqual(cursor.key, 491)
        map.remove(Int64(9990))
        cursor.seekForPrevious(9999)
        XCTAssertEqual(cursor.key, 9980)
    }

    func testCursorAtTheExtremes() {
        let map = ALEXMap()
        map.upsert(Int64.min, 1)
        map.upsert(Int64.max, 2)
        var cursor = map.cursor()
        cursor.seekLast()
        XCTAssertEqual(cursor.key, Int64.max)
        map.upsert(0, 3)  // mutation: next() must not overflow past Int64.max
        cursor.next()
        XCTAssertFalse(cursor.isValid)
        cursor.seekFirst()
        XCTAssertEqual(cursor.key, Int64.min)
        map.upsert(1, 4)
        cursor.previous()
        XCTAssertFalse(cursor.isValid)
        cursor.seek(Int64.max)
        XCTAssertEqual(cursor.key, Int64.max)
        cursor.seekForPrevious(Int64.min)
        XCTAssertEqual(cursor.key, Int64.min)
    }
}
