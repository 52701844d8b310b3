import Foundation
import XCTest
@testable import OmenDB

/// Regression tests of the reliability defects (lock order, failed opens, disk full,
/// dropped handles, foreign directories, lock holders): each failed before its fix.
final class StorageReliabilityTests: XCTestCase {
    /// verify took the maintenance lock and then the writer lock, bulk load the
    /// reverse: a putting/bulk-loading thread and a verifying one hung within a second.
    func testVerifyAndBulkLoadDoNotDeadlock() throws {
        let path = temporaryDatabaseDirectory(self)
        let db = try Database(directory: path, options: smallOptions())
        let deadline = DispatchTime.now() + .milliseconds(1500)
        let done = DispatchGroup()
        let failures = Failures()
        DispatchQueue.global().async(group: done) {
            var key: Int64 = 0
            while DispatchTime.now() < deadline {
                do {
                    try db.put(key, [1, 2, 3])
                    key += 1
                    var value: [UInt8] = [9]
                    try value.withUnsafeMutableBytes { raw in
                        try db.bulkLoad(count: 1, key: { _ in key }, value: { _ in UnsafeRawBufferPointer(raw) })
                    }
                    key += 1
                } catch { failures.add("writer: \(error)") }
            }
        }
        DispatchQueue.global().async(group: done) {
            while DispatchTime.now() < deadline {
                do { try db.verify() } catch { failures.add("verify: \(error)") }
            }
        }
        guard done.wait(timeout: .now() + 60) == .success else {
            // The deadlocked threads hold the locks close would take: leave the handle.
            return XCTFail("put + bulk load against verify deadlocked")
        }
        XCTAssertEqual(failures.all, [])
        try db.close()
    }

    /// A manifest replaced by an older copy that still passes its checksum: the open
    /// fails (its newest log is gone), and it must not have deleted the newer run as a
    /// "leftover" first; with the right manifest back, everything reads.
    func testFailedOpenChangesNothing() throws {
        let path = temporaryDatabaseDirectory(self)
        var reference: [Int64: [UInt8]] = [:]
        let older: [UInt8]
        do {
            let db = try Database(directory: path, options: smallOptions(background: false))
            for k in Int64(0)..<200 { reference[k] = testValue(k, 1, length: 20); try db.put(k, reference[k]!) }
            try db.flush()
            older = try FileSystem.readAll(path + "/MANIFEST")
            for k in Int64(100)..<400 { reference[k] = testValue(k, 2, length: 30); try db.put(k, reference[k]!) }
            try db.flush()
            try db.close()
        }
        let current = try FileSystem.readAll(path + "/MANIFEST")
        _ = try FileSystem.replaceAtomically(path + "/MANIFEST", directory: path, with: older)
        let before = try directoryContents(path)
        for _ in 0..<2 {
            XCTAssertThrowsError(try Database(directory: path, options: smallOptions())) { error in
                XCTAssertEqual((error as! OmenError).code, .corruption, "\(error)")
            }
            XCTAssertEqual(try directoryContents(path), before, "a failed open changed the directory")
        }
        _ = try FileSystem.replaceAtomically(path + "/MANIFEST", directory: path, with: current)
        let db = try Database(directory: path, options: smallOptions())
        try assertMatches(db, reference)
        try db.verify()
        try db.close()
    }

    /// Opens while the disk is full (writes fail; RLIMIT_FSIZE 0 stands in, EFBIG) fail
    /// with an I/O error and leave nothing behind (they left a 0-byte log each, and the
    /// database could not be opened afterwards); a database being created is not left
    /// half-made either.
    func testOpensOnAFullDiskLeaveTheDirectoryUnchanged() throws {
        let path = temporaryDatabaseDirectory(self)
        var reference: [Int64: [UInt8]] = [:]
        do {
            let db = try Database(directory: path, options: smallOptions(background: false))
            for k in Int64(-50)..<50 { reference[k] = testValue(k, 0, length: 40); try db.put(k, reference[k]!) }
            try db.flush()
            for k in Int64(25)..<75 { reference[k] = testValue(k, 1, length: 10); try db.put(k, reference[k]!) }
            try db.close()
        }
        let fresh = path + "-new"
        let before = try directoryContents(path)
        try withFileSizeLimit(0) {
            for _ in 0..<3 {
                XCTAssertThrowsError(try Database(directory: path, options: smallOptions())) { error in
                    XCTAssertEqual((error as! OmenError).code, .ioError, "\(error)")
                }
                XCTAssertThrowsError(try Database(directory: fresh, options: smallOptions())) { error in
                    XCTAssertEqual((error as! OmenError).code, .ioError, "\(error)")
                }
            }
        }
        XCTAssertEqual(try directoryContents(path), before)
        XCTAssertFalse(FileSystem.exists(fresh), "a failed creation left its directory behind")
        let db = try Database(directory: path, options: smallOptions())
        try assertMatches(db, reference)
        try db.put(1000, [1])
        try db.verify()
        try db.close()
        try Database(directory: fresh, options: smallOptions()).close()
    }

    /// Dropping the last reference without `close` while the background thread is in a
    /// pass runs `deinit` on that thread: `stop` joined its own thread (unchecked) and
    /// the next access to the database trapped.
    func testDroppingAnOpenDatabaseDuringBackgroundWorkIsSafe() throws {
        let path = temporaryDatabaseDirectory(self)
        for round in 0..<30 {
            do {
                let db = try Database(directory: path, options: smallOptions(hotTierBytes: 64 << 10, sync: .normal))
                // Several frozen tiers: the background thread is flushing when `db` goes.
                for k in Int64(0)..<3000 { try db.put(k, testValue(k, round, length: 60)) }
            }
            try openWhenReleased(path).close()
        }
        let db = try openWhenReleased(path)
        for k in Int64(0)..<3000 { XCTAssertEqual(try db.get(k), testValue(k, 29, length: 60)) }
        try db.close()
    }

    /// The database handle dropped on another thread releases its directory once that
    /// thread has finished its pass (waits up to 30 s: sanitizer builds are slow).
    private func openWhenReleased(_ path: String) throws -> Database {
        for _ in 0..<3000 {
            do throws(OmenError) { return try Database(directory: path, options: smallOptions()) } catch {
                guard error.code == .busy else { throw error }
                usleep(10_000)
            }
        }
        return try Database(directory: path, options: smallOptions())
    }

    /// Another store's directory (here a LevelDB's files) was silently taken over.
    func testANonEmptyForeignDirectoryIsRefusedUnlessAllowed() throws {
        let path = temporaryDatabaseDirectory(self)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for name in ["CURRENT", "LOG", "000005.ldb"] {
            XCTAssertTrue(FileManager.default.createFile(atPath: path + "/" + name, contents: Data(name.utf8)))
        }
        let before = try directoryContents(path)
        XCTAssertThrowsError(try Database(directory: path)) { error in
            let error = error as! OmenError
            XCTAssertEqual(error.code, .invalidArgument)
            XCTAssertTrue(error.message.contains("'CURRENT'") && error.message.contains("create_in_nonempty_directory"), error.message)
        }
        XCTAssertEqual(try directoryContents(path), before, "the refused open wrote to the directory")
        var options = DatabaseOptions()
        options.createInNonEmptyDirectory = true
        do {
            let db = try Database(directory: path, options: options)
            try db.put(1, [1])
            try db.close()
        }
        // Once it holds a database, it opens without the option; the other files stay.
        let db = try Database(directory: path)
        XCTAssertEqual(try db.get(1), [1])
        try db.close()
        XCTAssertEqual(try FileSystem.readAll(path + "/CURRENT"), Array("CURRENT".utf8))
    }

    func testOpeningARegularFileIsAnIOError() throws {
        let path = temporaryDatabaseDirectory(self)
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data([1, 2, 3])))
        XCTAssertThrowsError(try Database(directory: path)) { error in
            let error = error as! OmenError
            XCTAssertEqual(error.code, .ioError)
            XCTAssertTrue(error.message.contains("not a directory"), error.message)
        }
        XCTAssertEqual(try FileSystem.readAll(path), [1, 2, 3])
    }

    /// A read-only holder was reported with the PID an earlier writer left in LOCK.
    func testBusyNamesTheCurrentHolders() throws {
        let path = temporaryDatabaseDirectory(self)
        try Database(directory: path).close()
        _ = try FileSystem.replaceAtomically(path + "/LOCK", directory: path, with: Array("999999".utf8))
        var readOnly = DatabaseOptions()
        readOnly.readOnly = true
        let reader = try Database(directory: path, options: readOnly)
        XCTAssertThrowsError(try Database(directory: path)) { error in
            let error = error as! OmenError
            XCTAssertEqual(error.code, .busy)
            XCTAssertTrue(error.message.contains("process \(getpid()) (read-only)"), error.message)
            XCTAssertFalse(error.message.contains("999999"), error.message)
        }
        try reader.close()
        let writer = try Database(directory: path)
        XCTAssertThrowsError(try Database(directory: path, options: readOnly)) { error in
            let error = error as! OmenError
            XCTAssertEqual(error.code, .busy)
            XCTAssertTrue(error.message.contains("process \(getpid()) (read-write)"), error.message)
        }
        try writer.close()
    }
}

/// Thread-safe list of failure messages.
private final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [String] = []
    func add(_ message: String) { lock.lock(); messages.append(message); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return messages }
}

/// Every entry of `path` with its bytes, to compare a directory before and after.
func directoryContents(_ path: String) throws -> [String: [UInt8]] {
    var contents: [String: [UInt8]] = [:]
    for name in try FileSystem.list(path) { contents[name] = try FileSystem.readAll(path + "/" + name) }
    return contents
}

/// Runs `body` with writes past `bytes` failing (EFBIG; SIGXFSZ ignored): a stand-in
/// for a full disk that needs no privileges.
func withFileSizeLimit(_ bytes: rlim_t, _ body: () throws -> Void) rethrows {
    var saved = rlimit()
    getrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved)
    let previousHandler = signal(SIGXFSZ, SIG_IGN)
    var limit = saved
    limit.rlim_cur = bytes
    precondition(setrlimit(Int32(RLIMIT_FSIZE.rawValue), &limit) == 0)
    defer {
        setrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved)
        signal(SIGXFSZ, previousHandler)
    }
    try body()
}
