import XCTest
@testable import OmenDB

/// The PGM's leaf radix table: monotone buckets in both modes, and ranges that always
/// hold the upper bound of the query (checked against a sorted-array reference).
final class RadixTableTests: XCTestCase {
    func testBucketsAreMonotoneInBothModes() {
        var offsets: [UInt64] = [0, 1, 2, 3, 63, 64, 65, 127, 128, 1 << 20, (1 << 20) + 1, 1 << 62,
                                 (1 << 63) - 1, 1 << 63, UInt64.max - 1, UInt64.max]
        var rng = IndexTestRandom(seed: 3)
        for _ in 0..<2_000 { offsets.append(rng.next() >> (rng.next() % 64)) }
        offsets.sort()
        for logarithmic in [false, true] {
            for shift: UInt64 in [0, 1, 6, 12, 20, 40, 63] where logarithmic ? shift <= 20 : true {
                var previous: UInt64 = 0
                for d in offsets {
                    let b = RadixTable.bucket(d, logarithmic, shift)
                    XCTAssertGreaterThanOrEqual(b, previous, "mode log=\(logarithmic) shift \(shift) at \(d)")
                    previous = b
                }
            }
        }
    }

    func testRangesHoldTheUpperBoundForEveryDistribution() {
        for distribution in IndexKeyDistribution.allCases {
            for size in [2, 3, 100, 5_000] {
                // Distinct sorted keys, like a PGM's leaf-segment first keys.
                let keys = Array(Set(distribution.keys(size))).sorted()
                guard keys.count >= 2 else { continue }
                keys.withUnsafeBufferPointer { buffer in
                    let table = RadixTable(keys: buffer.baseAddress!, count: buffer.count)
                    defer { table.deallocate() }
                    XCTAssertNotNil(table.starts)
                    var queries = IndexReference.queries(keys, random: 300).filter { $0 >= keys[0] }
                    queries += [keys[0], keys[keys.count - 1], Int64.max]
                    for q in queries {
                        let upper = keys.firstIndex { $0 > q } ?? keys.count
                        let (lo, hi) = table.range(q)
                        if !(lo <= upper && upper <= hi) {
                            XCTFail("\(distribution) n=\(keys.count) log=\(table.logarithmic): range \(lo)...\(hi) misses upper bound \(upper) of \(q)")
                            return
                        }
                    }
                }
            }
        }
    }

    func testLognormalSegmentKeysChooseTheLogarithmicBuckets() {
        let keys = Array(Set(IndexKeyDistribution.lognormal.keys(20_000))).sorted()
        keys.withUnsafeBufferPointer { buffer in
            let table = RadixTable(keys: buffer.baseAddress!, count: buffer.count)
            defer { table.deallocate() }
            XCTAssertTrue(table.logarithmic)
        }
        let uniform = IndexKeyDistribution.uniform.keys(20_000)
        uniform.withUnsafeBufferPointer { buffer in
            let table = RadixTable(keys: buffer.baseAddress!, count: buffer.count)
            defer { table.deallocate() }
            XCTAssertFalse(table.logarithmic)
        }
    }
}
