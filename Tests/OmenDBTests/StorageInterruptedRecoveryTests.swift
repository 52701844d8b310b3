import Foundation
import XCTest
@testable import OmenDB

/// A recovery that stops part-way (a crash, or a failed write) must leave a directory
/// that the next open recovers.
final class StorageInterruptedRecoveryTests: XCTestCase {
    /// A crash while a log was being created leaves it empty. The recovery that follows
    /// creates a newer log; when that recovery dies before its manifest is stored, the
    /// empty log is no longer the newest and, if still there, reads as a damaged older
    /// log: the database would never open again. (Found by Tests/crash/run.sh killing
    /// reopens.) Here the recovery is stopped by a file-size limit that fails the new
    /// log's header write, which leaves the same files as a kill at that moment.
    func testEmptyLogFromACrashDoesNotBlockTheOpenAfterAnInterruptedRecovery() throws {
        let path = temporaryDatabaseDirectory(self)
        let db = try Database(directory: path, options: smallOptions(background: false))
        for k in Int64(0)..<50 { try db.put(k, testValue(k, 0, length: 20)) }
        try db.close()
        let numbers = try FileManager.default.contentsOfDirectory(atPath: path).compactMap { name -> UInt64? in
            switch Recovery.classify(name) {
            case .wal(let n), .run(let n): return n
            case .other: return nil
            }
        }
        let torn = path + "/" + WALFormat.fileName(numbers.max()! + 1)
        XCTAssertTrue(FileManager.default.createFile(atPath: torn, contents: Data()))

        var saved = rlimit()
        getrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved)
        let previousHandler = signal(SIGXFSZ, SIG_IGN)
        var limit = saved
        limit.rlim_cur = UInt(WALFormat.headerSize / 2)
        XCTAssertEqual(setrlimit(Int32(RLIMIT_FSIZE.rawValue), &limit), 0)
        XCTAssertThrowsError(try Database(directory: path, options: smallOptions(background: false))) {
            XCTAssertEqual(($0 as! OmenError).code, .ioError)
        }
        setrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved)
        signal(SIGXFSZ, previousHandler)

        let reopened = try Database(directory: path, options: smallOptions(background: false))
        for k in Int64(0)..<50 { XCTAssertEqual(reopened.get(k), testValue(k, 0, length: 20)) }
        try reopened.verify()
        try reopened.close()
    }
}
