import Foundation
import XCTest
@testable import OmenDB
import OmenTestSupport

/// Damaged copies of a database (flipped bytes, truncation, deleted files) must give
/// an error naming the file — never a crash and never a wrong answer.
final class StorageCorruptionTests: XCTestCase {
    /// The key written last, alone in the newest WAL's last record: the one record a
    /// torn-tail cut may legitimately drop.
    static let lastKey: Int64 = 999_999_999

    /// Builds a database with two runs and a non-empty WAL; returns its reference contents.
    private func makeDatabase(_ path: String) throws -> [Int64: [UInt8]] {
        var reference: [Int64: [UInt8]] = [:]
        let db = try Database(directory: path, options: smallOptions(background: false))
        var rng = SeededGenerator(seed: 11)
        for round in 0..<3 {
            for i in 0..<400 {
                let key = mixedKey(&rng)
                if i % 9 == 0 { try db.delete(key); reference[key] = nil; continue }
                let value = testValue(key, round * 1000 + i, length: Int.random(in: 0...64, using: &rng))
                try db.put(key, value)
                reference[key] = value
            }
            if round < 2 { try db.flush() }
        }
        try db.put(Self.lastKey, [1, 2, 3])
        reference[Self.lastKey] = [1, 2, 3]
        XCTAssertEqual(db.statistics.runCount, 2)
        try db.close()
        return reference
    }

    private enum Outcome { case refused(OmenError), intact, lostLastRecord, consistent }

    /// What a damaged copy may legitimately lose: nothing, the newest WAL's last record
    /// (a flip there looks like a torn append), or any suffix of the newest WAL
    /// (a truncation at a record boundary is indistinguishable from a crash before
    /// those appends; then only self-consistency is checked).
    private enum Allowance { case nothing, lastRecord, walSuffix }

    /// Opens the damaged copy and reads everything; the answer must be an error, the
    /// reference, or what `allowance` permits.
    private func examine(_ path: String, _ reference: [Int64: [UInt8]], allowance: Allowance, _ what: String) -> Outcome {
        let db: Database
        do {
            db = try Database(directory: path, options: smallOptions(background: false))
        } catch {
            XCTAssertTrue([.corruption, .ioError, .unsupported].contains(error.code), "\(what): unexpected \(error)")
            XCTAssertTrue(error.message.contains(path) || error.message.contains("/"), "\(what): message names no file: \(error.message)")
            return .refused(error)
        }
        defer { try? db.close() }
        do { try db.verify() } catch {
            XCTAssertEqual(error.code, .corruption, "\(what)")
            return .refused(error)
        }
        do {
            return try compare(db, reference, allowance: allowance)
        } catch {
            XCTFail("\(what): verify passed, then a read failed: \(error)")
            return .refused(error as! OmenError)
        }
    }

    private func compare(_ db: Database, _ reference: [Int64: [UInt8]], allowance: Allowance) throws -> Outcome {
        if allowance == .walSuffix {
            var contents: [Int64: [UInt8]] = [:]
            let iterator = db.snapshot().makeIterator()
            try iterator.seekFirst()
            while iterator.isValid { contents[iterator.key] = Array(iterator.value); try iterator.next() }
            try assertMatches(db, contents)
            return .consistent
        }
        var expected = reference
        var outcome = Outcome.intact
        if try db.get(Self.lastKey) == nil && allowance == .lastRecord {
            expected[Self.lastKey] = nil
            outcome = .lostLastRecord
        }
        try assertMatches(db, expected, file: #filePath, line: #line)
        return outcome
    }

    private func copy(_ source: String, _ test: String) -> String {
        let destination = source + "-" + test
        try? FileManager.default.removeItem(atPath: destination)
        try! FileManager.default.copyItem(atPath: source, toPath: destination)
        return destination
    }

    private func dataFiles(_ path: String) -> [String] {
        try! FileManager.default.contentsOfDirectory(atPath: path).filter { $0 != "LOCK" }.sorted()
    }

    private func newestWAL(_ path: String) -> String {
        dataFiles(path).filter { $0.hasPrefix("wal-") }.max()!
    }

    func testFlippedBytesInEveryFileAreDetected() throws {
        let original = temporaryDatabaseDirectory(self)
        let reference = try makeDatabase(original)
        let newest = newestWAL(original)
        var refusals = 0
        for name in dataFiles(original) {
            let size = (try FileManager.default.attributesOfItem(atPath: original + "/" + name)[.size] as! NSNumber).intValue
            var offsets = Set([0, 1, 8, 16, 31, size / 2, size - 1, size - 4, size - 100, size - 144])
            var rng = SeededGenerator(seed: UInt64(size))
            for _ in 0..<12 { offsets.insert(Int.random(in: 0..<max(size, 1), using: &rng)) }
            for offset in offsets where offset >= 0 && offset < size {
                let path = copy(original, "flip")
                let file = path + "/" + name
                var bytes = [UInt8](FileManager.default.contents(atPath: file)!)
                bytes[offset] ^= 0x5A
                try Data(bytes).write(to: URL(fileURLWithPath: file))
                let outcome = examine(path, reference, allowance: name == newest ? .lastRecord : .nothing, "\(name) byte \(offset)")
                if case .refused = outcome { refusals += 1 }
                if case .intact = outcome { XCTFail("\(name): flipped byte \(offset) went unnoticed") }
            }
        }
        XCTAssertGreaterThan(refusals, 20)
    }

    func testTruncatedFilesAreDetected() throws {
        let original = temporaryDatabaseDirectory(self)
        let reference = try makeDatabase(original)
        let newest = newestWAL(original)
        for name in dataFiles(original) {
            let size = (try FileManager.default.attributesOfItem(atPath: original + "/" + name)[.size] as! NSNumber).intValue
            for length in Set([0, 1, size / 3, size - 1]) where length < size {
                let path = copy(original, "truncate")
                truncate(path + "/" + name, off_t(length))
                let outcome = examine(path, reference, allowance: name == newest ? .walSuffix : .nothing, "\(name) cut to \(length)")
                // Only the newest WAL may be cut (a torn tail); all else must be refused.
                if name != newest, case .refused = outcome {} else if name != newest { XCTFail("\(name) cut to \(length) went unnoticed") }
            }
        }
    }

    func testDeletedFilesAreDetected() throws {
        let original = temporaryDatabaseDirectory(self)
        let reference = try makeDatabase(original)
        for name in dataFiles(original) {
            let path = copy(original, "delete")
            try FileManager.default.removeItem(atPath: path + "/" + name)
            let outcome = examine(path, reference, allowance: .nothing, "deleted \(name)")
            if case .refused = outcome {} else { XCTFail("deleting \(name) went unnoticed") }
        }
    }

    func testUnknownFormatVersionIsRefusedClearly() throws {
        let path = temporaryDatabaseDirectory(self)
        _ = try makeDatabase(path)
        let manifest = path + "/MANIFEST"
        var bytes = [UInt8](FileManager.default.contents(atPath: manifest)!)
        bytes[8] = 99  // version field
        try Data(bytes).write(to: URL(fileURLWithPath: manifest))
        XCTAssertThrowsError(try Database(directory: path)) { error in
            let error = error as! OmenError
            XCTAssertEqual(error.code, .unsupported)
            XCTAssertTrue(error.message.contains("version 99"), error.message)
        }
    }
}

final class StorageHandleTests: XCTestCase {
    func testSecondOpenerGetsBusyWithProcessId() throws {
        let path = temporaryDatabaseDirectory(self)
        let db = try Database(directory: path)
        XCTAssertThrowsError(try Database(directory: path)) { error in
            let error = error as! OmenError
            XCTAssertEqual(error.code, .busy)
            XCTAssertTrue(error.message.contains(String(getpid())), error.message)
        }
        try db.close()
        let again = try Database(directory: path)
        try again.close()
    }

    func testReadOnlyOpenReadsAndRefusesWrites() throws {
        let path = temporaryDatabaseDirectory(self)
        do {
            let db = try Database(directory: path)
            try db.put(5, [5])
            try db.close()
        }
        var options = DatabaseOptions()
        options.readOnly = true
        let reader = try Database(directory: path, options: options)
        let second = try Database(directory: path, options: options)  // shared lock
        XCTAssertEqual(try reader.get(5), [5])
        XCTAssertThrowsError(try reader.put(6, [6])) { XCTAssertEqual(($0 as! OmenError).code, .readOnly) }
        XCTAssertThrowsError(try Database(directory: path)) { XCTAssertEqual(($0 as! OmenError).code, .busy) }
        try second.close()
        try reader.close()
    }

    func testMissingDirectoryAndErrorIfExists() throws {
        let path = temporaryDatabaseDirectory(self)
        var options = DatabaseOptions()
        options.createIfMissing = false
        XCTAssertThrowsError(try Database(directory: path, options: options)) { XCTAssertEqual(($0 as! OmenError).code, .ioError) }
        try Database(directory: path).close()
        options.createIfMissing = true
        options.errorIfExists = true
        XCTAssertThrowsError(try Database(directory: path, options: options)) { XCTAssertEqual(($0 as! OmenError).code, .invalidArgument) }
    }

    func testValueSizeLimitIsConfigurable() throws {
        let path = temporaryDatabaseDirectory(self)
        var options = DatabaseOptions()
        options.maximumValueSize = 100
        let db = try Database(directory: path, options: options)
        try db.put(1, [UInt8](repeating: 1, count: 100))
        XCTAssertThrowsError(try db.put(2, [UInt8](repeating: 1, count: 101))) { XCTAssertEqual(($0 as! OmenError).code, .tooLarge) }
        try db.close()
    }

    func testFileSizeLimitFailuresAreIOErrorsAndDatabaseStaysReadable() throws {
        // RLIMIT_FSIZE makes writes past the limit fail with EFBIG (SIGXFSZ ignored):
        // a stand-in for a full disk that works without privileges.
        let path = temporaryDatabaseDirectory(self)
        let db = try Database(directory: path, options: smallOptions(hotTierBytes: 8 << 20, background: false))
        for k in Int64(0)..<100 { try db.put(k, testValue(k, 0, length: 100)) }
        var saved = rlimit()
        getrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved)
        let previousHandler = signal(SIGXFSZ, SIG_IGN)
        var limit = saved
        limit.rlim_cur = 256 << 10
        XCTAssertEqual(setrlimit(Int32(RLIMIT_FSIZE.rawValue), &limit), 0)
        defer {
            setrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved)
            signal(SIGXFSZ, previousHandler)
        }
        // The log append fails; the partial record is cut off; smaller writes go on.
        XCTAssertThrowsError(try db.put(1000, [UInt8](repeating: 7, count: 400 << 10))) {
            XCTAssertEqual(($0 as! OmenError).code, .ioError)
        }
        try db.put(1001, [1])
        XCTAssertNil(try db.get(1000))
        // A flush whose run file cannot be written fails; reads still answer.
        for k in Int64(2000)..<2300 { try db.put(k, testValue(k, 0, length: 500)) }
        limit.rlim_cur = 64 << 10  // below the run file's size
        XCTAssertEqual(setrlimit(Int32(RLIMIT_FSIZE.rawValue), &limit), 0)
        XCTAssertThrowsError(try db.flush()) { XCTAssertEqual(($0 as! OmenError).code, .ioError) }
        XCTAssertEqual(try db.get(5), testValue(5, 0, length: 100))
        XCTAssertEqual(try db.get(2100), testValue(2100, 0, length: 500))
        XCTAssertThrowsError(try db.put(3000, [1]))  // writes stay disabled until reopen
        setrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved)
        try? db.close()
        let reopened = try Database(directory: path, options: smallOptions())
        XCTAssertEqual(try reopened.get(1001), [1])
        XCTAssertEqual(try reopened.get(2100), testValue(2100, 0, length: 500))
        XCTAssertNil(try reopened.get(1000))
        try reopened.verify()
    }

    func testWriteFailureLeavesDatabaseReadable() throws {
        // A directory made read-only: the flush cannot create its run file.
        guard getuid() != 0 else { throw XCTSkip("root ignores directory permissions") }
        let path = temporaryDatabaseDirectory(self)
        let db = try Database(directory: path, options: smallOptions(background: false))
        try db.put(1, [1])
        chmod(path, 0o500)
        defer { chmod(path, 0o755) }
        XCTAssertThrowsError(try db.flush()) { XCTAssertEqual(($0 as! OmenError).code, .ioError) }
        XCTAssertEqual(try db.get(1), [1])
    }
}
