import XCTest
@testable import OmenDB

/// The run key filter: never a false negative, about 1 % false positives at 10 bits per
/// key, on every key distribution (checked against a hash set of the inserted keys).
final class RunFilterTests: XCTestCase {
    private func filter(_ keys: [Int64]) -> (words: [UInt64], blocks: Int) {
        let blocks = RunFilter.blockCount(keys: keys.count)
        var words = [UInt64](repeating: 0, count: blocks * RunFilter.blockWords)
        words.withUnsafeMutableBufferPointer { w in
            for key in keys { RunFilter.insert(key, into: w.baseAddress!, blockCount: blocks) }
        }
        return (words, blocks)
    }

    func testNoFalseNegativesAndFewFalsePositives() {
        let seed: UInt64 = 20_261_206
        print("RunFilterTests seed \(seed)")
        for distribution in IndexKeyDistribution.allCases {
            for size in [0, 1, 7, 1_000, 60_000] {
                let keys = distribution.keys(size, seed: seed)
                let (words, blocks) = filter(keys)
                let present = Set(keys)
                words.withUnsafeBufferPointer { w in
                    let f = RunFilter(words: w.baseAddress!, blockCount: blocks)
                    for key in keys { XCTAssertTrue(f.mayContain(key), "\(distribution) n=\(size): false negative for \(key)") }
                    // Absent probes: neighbours of present keys (the hard case for a weak
                    // hash) and uniform keys.
                    var rng = IndexTestRandom(seed: seed ^ UInt64(size))
                    var probes = 0, positives = 0
                    for i in 0..<20_000 {
                        let probe = i % 2 == 0 && !keys.isEmpty ? keys[Int(rng.next() % UInt64(keys.count))] &+ 1
                                                              : Int64(bitPattern: rng.next())
                        guard !present.contains(probe) else { continue }
                        probes += 1
                        if f.mayContain(probe) { positives += 1 }
                    }
                    let rate = Double(positives) / Double(max(probes, 1))
                    if size == 0 { XCTAssertEqual(positives, 0, "an empty filter holds nothing") }
                    if size >= 1_000 {
                        XCTAssertLessThan(rate, 0.025, "\(distribution) n=\(size): false-positive rate \(rate)")
                    }
                }
            }
        }
    }

    func testSizeIsTenBitsPerKeyInWholeCacheLines() {
        XCTAssertEqual(RunFilter.byteCount(keys: 0), 64)
        XCTAssertEqual(RunFilter.byteCount(keys: 51), 64)
        XCTAssertEqual(RunFilter.byteCount(keys: 52), 128)
        XCTAssertEqual(RunFilter.byteCount(keys: 10_000_000), 12_500_032)
    }

    func testExtremeKeysAndLargeBlockCounts() {
        // Block choice uses the full-width product: block counts beyond 2^32 stay in range.
        for key: Int64 in [.min, .min + 1, -1, 0, 1, .max - 1, .max] {
            for blocks in [1, 3, 1 << 20, (1 << 33) + 5] {
                XCTAssertLessThan(RunFilter.block(RunFilter.hash(key), blocks), blocks)
            }
        }
    }
}
