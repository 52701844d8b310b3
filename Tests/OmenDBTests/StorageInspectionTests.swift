import XCTest
@testable import OmenDB

/// `Database.runStatistics` and `hotTierStatistics` (what `omendb stat` prints) agree
/// with the data written.
final class StorageInspectionTests: XCTestCase {
    func testRunAndHotTierStatisticsDescribeTheData() throws {
        let directory = temporaryDatabaseDirectory(self)
        let db = try Database(directory: directory, options: smallOptions(hotTierBytes: 4 << 20, background: false))
        XCTAssertTrue(db.runStatistics.isEmpty)
        XCTAssertEqual(db.hotTierStatistics.map(\.frozen), [false])
        for key in stride(from: Int64(-500), to: 1500, by: 2) { try db.put(key, [UInt8(truncatingIfNeeded: key)]) }
        try db.flush()
        try db.put(Int64.max, [1, 2, 3])
        try db.put(Int64.min, [])
        try db.flush()
        let runs = db.runStatistics
        XCTAssertEqual(runs.count, 2)
        // Newest first: the run holding the two extremes.
        XCTAssertEqual(runs[0].count, 2)
        XCTAssertEqual(runs[0].minimumKey, Int64.min)
        XCTAssertEqual(runs[0].maximumKey, Int64.max)
        XCTAssertEqual(runs[1].count, 1000)
        XCTAssertEqual(runs[1].minimumKey, -500)
        XCTAssertEqual(runs[1].maximumKey, 1498)
        XCTAssertGreaterThan(runs[1].largestSequence, 0)
        XCTAssertLessThan(runs[1].largestSequence, runs[0].largestSequence)
        for run in runs {
            XCTAssertTrue(run.fileName.hasSuffix(".run"), run.fileName)
            XCTAssertTrue(FileManager.default.fileExists(atPath: directory + "/" + run.fileName))
            XCTAssertEqual(run.index.keyCount, run.count)
            XCTAssertGreaterThanOrEqual(run.index.modelCount, 1)
            XCTAssertGreaterThan(run.filterBytes, 0)
            XCTAssertFalse(run.filterBuilt)  // background work is off
        }
        XCTAssertEqual(runs.reduce(0) { $0 + Int($1.fileBytes) }, db.statistics.coldBytes)
        try db.put(7, [7])
        XCTAssertEqual(db.hotTierStatistics.reduce(0) { $0 + $1.keys }, 1)
        XCTAssertEqual(db.hotTierStatistics.reduce(0) { $0 + $1.keys }, db.statistics.hotKeys)
        try db.close()
    }
}
