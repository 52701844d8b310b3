import Foundation
import Synchronization
import XCTest
@testable import OmenDB
import OmenTestSupport

/// Online checkpoints (`Database.checkpoint`) and progress callbacks: copies of every tier
/// state compared with the reference and with a snapshot at the checkpoint's sequence,
/// checkpoints under concurrent writes, flushes and compactions during a checkpoint, and
/// cancellation of each long call at several points leaving the database unchanged.
final class StorageCheckpointTests: XCTestCase {
    private func files(_ path: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).sorted()
    }

    /// Every entry of `snapshot`, in key order.
    private func entries(_ snapshot: Snapshot) throws -> [(Int64, [UInt8])] {
        var result: [(Int64, [UInt8])] = []
        let iterator = snapshot.makeIterator()
        try iterator.seekFirst()
        while iterator.isValid {
            result.append((iterator.key, Array(iterator.value)))
            try iterator.next()
        }
        return result
    }

    /// Checkpoints `db` and checks that the copy holds exactly `snapshot` (taken at the
    /// checkpoint's sequence) and `reference`, and opens at that sequence.
    private func checkCopy(of db: Database, _ reference: [Int64: [UInt8]], copyFiles: Bool, _ state: String) throws {
        let destination = temporaryDatabaseDirectory(self, "copy")
        let snapshot = db.snapshot()
        let sequence = try db.checkpoint(to: destination, copyFiles: copyFiles)
        XCTAssertEqual(sequence, snapshot.sequence, state)
        let copy = try Database(directory: destination, options: smallOptions(background: false))
        XCTAssertEqual(copy.snapshot().sequence, sequence, "\(state): the copy's sequence")
        let expected = try entries(snapshot)
        let found = try entries(copy.snapshot())
        XCTAssertEqual(found.map(\.0), expected.map(\.0), "\(state): keys")
        XCTAssertTrue(zip(found, expected).allSatisfy { $0.1 == $1.1 }, "\(state): values")
        try assertMatches(copy, reference)
        try copy.verify()
        try copy.close()
    }

    func testCopiesOfEveryTierState() throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        print("StorageCheckpointTests: seed \(seed)")
        var rng = SeededGenerator(seed: seed)
        let db = try Database(directory: temporaryDatabaseDirectory(self), options: smallOptions(hotTierBytes: 1 << 20, background: false))
        var reference: [Int64: [UInt8]] = [:]
        func write(_ count: Int) throws {
            for version in 0..<count {
                let key = Int64.random(in: 0..<3000, using: &rng)
                if Int.random(in: 0..<4, using: &rng) == 0 {
                    try db.delete(key)
                    reference[key] = nil
                } else {
                    let value = testValue(key, version, length: Int.random(in: 0...60, using: &rng))
                    try db.put(key, value)
                    reference[key] = value
                }
            }
        }
        try checkCopy(of: db, reference, copyFiles: false, "empty")
        try write(2000)
        try checkCopy(of: db, reference, copyFiles: false, "hot tier")
        try db.writerLock.withLock { () throws(OmenError) in try db.freezeActiveTiers() }
        try write(500)
        XCTAssertEqual(db.currentView().0.frozen.count, 1)
        try checkCopy(of: db, reference, copyFiles: true, "frozen and active hot tiers")
        try db.flush()
        try checkCopy(of: db, reference, copyFiles: false, "runs only")
        try write(1000)
        try db.flush()
        try write(300)
        try checkCopy(of: db, reference, copyFiles: true, "two runs and a hot tier")
        let loaded = (0..<500).map { Int64(10_000 + $0) }
        try db.bulkLoad(count: loaded.count, key: { loaded[$0] }) { _ in UnsafeRawBufferPointer(start: nil, count: 0) }
        for key in loaded { reference[key] = [] }
        try checkCopy(of: db, reference, copyFiles: false, "after a bulk load")
        try db.compact()
        try checkCopy(of: db, reference, copyFiles: false, "compacted")
    }

    /// A flush that retires the logs of a captured frozen tier, and a compaction that
    /// retires captured runs, both while the checkpoint copies: the copy still holds
    /// the state at its sequence (the logs' removal waits for the checkpoint). The
    /// callback calls into the database, which the API forbids (other long calls hold
    /// locks while they report); a checkpoint holds none, which makes the timing exact.
    func testFlushAndCompactionDuringACheckpoint() throws {
        let path = temporaryDatabaseDirectory(self)
        let db = try Database(directory: path, options: smallOptions(hotTierBytes: 1 << 20, background: false))
        var reference: [Int64: [UInt8]] = [:]
        for round in 0..<3 {
            for key in Int64(0)..<800 {
                let value = testValue(key, round, length: 30)
                try db.put(key * 3 + Int64(round), value)
                reference[key * 3 + Int64(round)] = value
            }
            try db.flush()
        }
        for key in Int64(5000)..<5400 {
            try db.put(key, testValue(key, 9, length: 20))
            reference[key] = testValue(key, 9, length: 20)
        }
        try db.writerLock.withLock { () throws(OmenError) in try db.freezeActiveTiers() }
        let frozenLogs = db.currentCatalog().0.generations[0].logs
        let destination = temporaryDatabaseDirectory(self, "copy")
        var calls = 0
        var maintenanceError: OmenError?
        let sequence = try db.checkpoint(to: destination, copyFiles: true) { _, _ in
            calls += 1
            do throws(OmenError) {
                if calls == 1 {
                    try db.flush()  // retires the frozen tier's logs, not yet copied
                } else if calls == 2 {
                    try db.compact()  // retires the runs being copied
                }
            } catch { maintenanceError = error }
            return true
        }
        XCTAssertNil(maintenanceError)
        XCTAssertGreaterThan(calls, 2)
        XCTAssertEqual(db.currentView().0.runs.count, 1, "the compaction ran")
        for number in frozenLogs {
            XCTAssertFalse(FileSystem.exists(path + "/" + WALFormat.fileName(number)), "a retired log outlived the checkpoint")
        }
        let copy = try Database(directory: destination, options: smallOptions(background: false))
        XCTAssertEqual(copy.snapshot().sequence, sequence)
        try assertMatches(copy, reference)
        try copy.verify()
        try copy.close()
        try db.close()
    }

    func testCheckpointsWhileAnotherThreadWrites() throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        print("StorageCheckpointTests: seed \(seed)")
        var rng = SeededGenerator(seed: seed)
        let db = try Database(directory: temporaryDatabaseDirectory(self), options: smallOptions())
        let operations = 20_000
        let keys = (0..<operations).map { _ in Int64.random(in: 0..<4000, using: &rng) }
        let deletes = (0..<operations).map { _ in Int.random(in: 0..<5, using: &rng) == 0 }
        let value = { (i: Int) in testValue(keys[i], i, length: i % 50) }
        let base = db.snapshot().sequence
        let progress = Atomic<Int>(0)
        let writer = Thread {
            for i in 0..<operations {
                if deletes[i] { try! db.delete(keys[i]) } else { try! db.put(keys[i], value(i)) }
                progress.store(i + 1, ordering: .releasing)
            }
        }
        writer.start()
        var taken: [(String, UInt64)] = []
        while taken.count < 2 || (taken.count < 10 && progress.load(ordering: .acquiring) < operations) {
            let destination = temporaryDatabaseDirectory(self, "copy")
            let sequence = try db.checkpoint(to: destination, copyFiles: taken.count % 2 == 1)
            taken.append((destination, sequence))
            usleep(2000)
        }
        while progress.load(ordering: .acquiring) < operations { usleep(1000) }
        for (destination, sequence) in taken {
            // The reference at the checkpoint's sequence: each write took one sequence number.
            var reference: [Int64: [UInt8]] = [:]
            for i in 0..<Int(sequence - base) { reference[keys[i]] = deletes[i] ? nil : value(i) }
            let copy = try Database(directory: destination, options: smallOptions(background: false))
            XCTAssertEqual(copy.snapshot().sequence, sequence)
            try assertMatches(copy, reference)
            try copy.close()
        }
        print("StorageCheckpointTests: checkpoints at \(taken.map { $0.1 - base }) of \(operations) writes")
    }

    func testDestinationsAndReadOnlyHandles() throws {
        let path = temporaryDatabaseDirectory(self)
        let db = try Database(directory: path, options: smallOptions(background: false))
        try db.put(1, [1])
        let existing = temporaryDatabaseDirectory(self, "existing")
        try FileManager.default.createDirectory(atPath: existing, withIntermediateDirectories: false)
        for destination in [existing, existing + "/", path, ""] {
            XCTAssertThrowsError(try db.checkpoint(to: destination)) { error in
                XCTAssertEqual((error as? OmenError)?.code, .invalidArgument, "\(error)")
            }
        }
        XCTAssertThrowsError(try db.checkpoint(to: existing + "/missing/copy")) { error in
            XCTAssertEqual((error as? OmenError)?.code, .ioError, "\(error)")
        }
        // A trailing slash names the same destination.
        let sequence = try db.checkpoint(to: existing + "/copy-slash//")
        XCTAssertTrue(try files(existing + "/copy-slash").contains("MANIFEST"))
        XCTAssertEqual(sequence, db.snapshot().sequence)
        try FileManager.default.removeItem(atPath: existing + "/copy-slash")
        XCTAssertEqual(try files(existing), [], "a refused checkpoint wrote into the parent")
        try db.close()
        XCTAssertThrowsError(try db.checkpoint(to: existing + "/copy")) { error in
            XCTAssertEqual((error as? OmenError)?.code, .misuse, "\(error)")
        }
        var options = smallOptions(background: false)
        options.readOnly = true
        let reader = try Database(directory: path, options: options)
        try checkCopy(of: reader, [1: [1]], copyFiles: false, "read-only handle")
    }

    /// A destination on another file system (/dev/shm, tmpfs, when the temporary
    /// directory is elsewhere): the hard links fail with EXDEV and the runs are copied; a
    /// database on tmpfs copied to itself (direct I/O or its buffered fallback, as tmpfs has it).
    func testCheckpointsAcrossFileSystems() throws {
        let path = temporaryDatabaseDirectory(self)
        let db = try Database(directory: path, options: smallOptions(background: false))
        var reference: [Int64: [UInt8]] = [:]
        for key in Int64(0)..<3000 {
            reference[key] = testValue(key, 1, length: Int(key % 5000 == 0 ? 5000 : key % 70))
            try db.put(key, reference[key]!)
        }
        try db.flush()
        try db.put(-1, [9])
        reference[-1] = [9]
        var here = stat(), shm = stat()
        guard stat(Recovery.parentDirectory(of: path), &here) == 0, stat("/dev/shm", &shm) == 0, here.st_dev != shm.st_dev else {
            throw XCTSkip("/dev/shm is missing or on the temporary directory's file system")
        }
        let other = "/dev/shm/omendb-checkpoint-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: other) }
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: false)
        try db.checkpoint(to: other + "/copy")
        let runs = try files(other + "/copy").filter { $0.hasSuffix(".run") }
        XCTAssertFalse(runs.isEmpty)
        for run in runs {
            var copied = stat(), original = stat()
            XCTAssertEqual(stat(other + "/copy/" + run, &copied), 0)
            XCTAssertEqual(stat(path + "/" + run, &original), 0)
            XCTAssertNotEqual(copied.st_dev, original.st_dev, "\(run) is not a copy")
        }
        let copy = try Database(directory: other + "/copy", options: smallOptions(background: false))
        try assertMatches(copy, reference)
        try copy.verify()
        try copy.checkpoint(to: other + "/copy-of-copy", copyFiles: true)
        try copy.close()
        let second = try Database(directory: other + "/copy-of-copy", options: smallOptions(background: false))
        try assertMatches(second, reference)
        try second.verify()
        try second.close()
        try db.close()
    }

    /// Reports of one call: monotone, within the total, at most 66, ending at the total.
    private final class Recorder {
        var reports: [(UInt64, UInt64)] = []
        var cancelAt: Int?
        func callback(_ done: UInt64, _ total: UInt64) -> Bool {
            reports.append((done, total))
            return reports.count != cancelAt
        }
        func check(_ call: String, file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertGreaterThanOrEqual(reports.count, 2, call, file: file, line: line)
            XCTAssertLessThanOrEqual(reports.count, 66, call, file: file, line: line)
            XCTAssertEqual(reports.first?.0, 0, call, file: file, line: line)
            XCTAssertEqual(reports.last?.0, reports.last?.1, "\(call) ends at its total", file: file, line: line)
            XCTAssertTrue(reports.allSatisfy { $0.0 <= $0.1 && $0.1 == reports[0].1 }, call, file: file, line: line)
            XCTAssertTrue(zip(reports, reports.dropFirst()).allSatisfy { $0.0 <= $1.0 }, "\(call) is monotone", file: file, line: line)
        }
    }

    func testProgressAndCancellationOfEveryLongCall() throws {
        let path = temporaryDatabaseDirectory(self)
        let parent = Recovery.parentDirectory(of: path)
        let db = try Database(directory: path, options: smallOptions(hotTierBytes: 1 << 20, background: false))
        var reference: [Int64: [UInt8]] = [:]
        for round in 0..<4 {
            for key in Int64(0)..<3000 where key % 4 == Int64(round) || round == 3 {
                let value = testValue(key, round, length: 16)
                try db.put(key, value)
                reference[key] = value
            }
            try db.flush()
        }
        let loadKeys = (0..<150_000).map { Int64(1_000_000 + $0) }
        let packed = [UInt8](repeating: 7, count: loadKeys.count * 8)
        let calls: [(String, (Database, @escaping ProgressCallback) throws -> Void)] = [
            ("bulk load", { db, progress in
                try loadKeys.withUnsafeBufferPointer { keys in
                    try db.bulkLoad(keys: keys, value: { _ in UnsafeRawBufferPointer(start: nil, count: 0) }, progress: progress)
                }
            }),
            ("packed bulk load", { db, progress in
                try loadKeys.withUnsafeBufferPointer { keys in
                    try packed.withUnsafeBytes { values in
                        try db.bulkLoad(keys: keys, values: values.baseAddress, valueSize: 8, progress: progress)
                    }
                }
            }),
            ("compaction", { db, progress in try db.compact(progress: progress) }),
            ("verify", { db, progress in try db.verify(progress: progress) }),
            ("checkpoint", { db, progress in
                try db.checkpoint(to: parent + "/copy", copyFiles: true, progress: progress)
            }),
        ]
        for (name, call) in calls {
            // How many reports a whole call makes; the calls that change the database are
            // measured on a checkpoint of it, so that the original stays as `reference` says.
            let measure = Recorder()
            if name == "verify" || name == "checkpoint" {
                try call(db, measure.callback)
                if name == "checkpoint" { try FileManager.default.removeItem(atPath: parent + "/copy") }
            } else {
                try db.checkpoint(to: parent + "/measure")
                let copy = try Database(directory: parent + "/measure", options: smallOptions(hotTierBytes: 1 << 20, background: false))
                try call(copy, measure.callback)
                try copy.close()
                try FileManager.default.removeItem(atPath: parent + "/measure")
            }
            measure.check(name)
            let count = measure.reports.count
            XCTAssertGreaterThanOrEqual(count, 3, name)
            for cancelAt in Set([1, count / 2 + 1, count]).sorted() {
                let before = try files(path)
                let parentBefore = try files(parent)
                let runs = db.currentView().0.runs.count
                let sequence = db.snapshot().sequence
                let recorder = Recorder()
                recorder.cancelAt = cancelAt
                XCTAssertThrowsError(try call(db, recorder.callback), "\(name) cancelled at \(cancelAt) of \(count)") { error in
                    XCTAssertEqual((error as? OmenError)?.code, .cancelled, "\(error)")
                }
                XCTAssertEqual(recorder.reports.count, cancelAt, "\(name) reported after it was cancelled")
                XCTAssertEqual(try files(path), before, "\(name) cancelled at \(cancelAt) left files")
                XCTAssertEqual(try files(parent), parentBefore, "\(name) cancelled at \(cancelAt) left files beside the database")
                XCTAssertEqual(db.currentView().0.runs.count, runs)
                XCTAssertEqual(db.snapshot().sequence, sequence)
                try assertMatches(db, reference)
            }
        }
        try db.close()
        let reopened = try Database(directory: path, options: smallOptions(background: false))
        try assertMatches(reopened, reference)
        try reopened.verify()
        try reopened.close()
    }
}
