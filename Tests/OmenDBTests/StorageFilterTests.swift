import XCTest
@testable import OmenDB
import OmenTestSupport

/// Run key filters: the background worker builds one for every run but the oldest, and
/// lookups through them still match a dictionary reference (present, overwritten,
/// deleted in a newer run, absent), across key distributions.
final class StorageFilterTests: XCTestCase {
    func testFilteredLookupsMatchReferenceAcrossRuns() throws {
        let seed: UInt64 = 0x5F11_7E25
        print("StorageFilterTests seed \(seed)")
        var rng = SeededGenerator(seed: seed)
        let path = temporaryDatabaseDirectory(self)
        var options = smallOptions(hotTierBytes: 256 << 10)
        options.compactionTrigger = 64  // keep the runs apart: filters are what is tested
        let db = try Database(directory: path, options: options)
        var reference: [Int64: [UInt8]] = [:]
        for round in 0..<5 {
            for _ in 0..<3_000 {
                let key = mixedKey(&rng)
                if Int.random(in: 0..<10, using: &rng) == 0 {
                    try db.delete(key)
                    reference[key] = nil
                } else {
                    let value = testValue(key, round, length: Int.random(in: 1...40, using: &rng))
                    try db.put(key, value)
                    reference[key] = value
                }
            }
            try db.flush()
        }
        let runs = db.currentView().0.runs
        XCTAssertGreaterThanOrEqual(runs.count, 5, "each flushed round is a run")
        // The worker builds the filters of every run but the oldest within a few passes.
        var waited = 0
        while !runs.dropLast().allSatisfy({ $0.filterCell.isBuilt }) && waited < 300 {
            usleep(20_000)
            waited += 1
        }
        XCTAssertTrue(runs.dropLast().allSatisfy { $0.filterCell.isBuilt }, "filters of the newer runs were built")
        XCTAssertFalse(runs.last!.filterCell.isBuilt, "the oldest run gets no filter")
        // Every newer run's filter rejects most keys it does not hold (and never one it holds).
        for run in runs.dropLast() {
            let filter = run.filterCell.filter!
            for i in 0..<run.count { XCTAssertTrue(filter.mayContain(run.keys[i])) }
            var probes = 0, rejected = 0
            for i in 1...2_000 {
                let probe = Int64(bitPattern: UInt64(i) &* 0x9E37_79B9_7F4A_7C15)
                guard try run.position(of: probe) == nil else { continue }
                probes += 1
                if !filter.mayContain(probe) { rejected += 1 }
            }
            XCTAssertGreaterThan(rejected, probes * 95 / 100, "false positives \(probes - rejected) of \(probes)")
        }
        try assertMatches(db, reference)
        for _ in 0..<5_000 {
            let key = mixedKey(&rng) &+ 7
            XCTAssertEqual(try db.get(key), reference[key], "key \(key)")
        }
        try db.close()
    }
}
