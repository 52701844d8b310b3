import Foundation
import XCTest
@testable import OmenDB
import OmenTestSupport

/// Everything at once on one database, bounded in time: writers (puts, deletes, batches
/// in their own key ranges, each recording what was acknowledged), a bulk loader (its
/// own range), readers (gets, snapshots checked for atomicity and freshness, bounded
/// iterators checked for order, bounds and agreement with the snapshot) and a
/// maintenance thread (flush, compact, verify). At the end, and after a reopen, the
/// contents equal the union of the per-thread records exactly.
///
///   OMENDB_STRESS_SECONDS   how long the threads run (default 10)
///   OMENDB_STRESS_SEED      the seed (default: random; printed either way)
///
/// A thread that makes no progress for `stallSeconds` (a deadlock) ends the process
/// with the operation each thread was in, instead of hanging the suite.
final class StorageStressTests: XCTestCase {
    static let writers = 3
    static let readers = 2
    static let writerKeySpace: Int64 = 4096
    static let loaderKeySpace = 8192
    static let groupSize = 8
    static let stallSeconds = 120.0

    func testWritersReadersSnapshotsMaintenanceAndBulkLoadsAtOnce() throws {
        let environment = ProcessInfo.processInfo.environment
        let seconds = environment["OMENDB_STRESS_SECONDS"].flatMap(Double.init) ?? 10
        let seed = environment["OMENDB_STRESS_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 0...UInt64.max)
        print("stress test: seed \(seed) (OMENDB_STRESS_SEED), \(seconds) s (OMENDB_STRESS_SECONDS)")
        fflush(stdout)
        let path = temporaryDatabaseDirectory(self)
        let db = try Database(directory: path, options: smallOptions(hotTierBytes: 128 << 10, sync: .normal))
        let state = StressState(threads: Self.writers + Self.readers + 2, seconds: seconds)

        var workers: [(String, (inout SeededGenerator) -> Void)] = []
        for w in 0..<Self.writers {
            workers.append(("writer \(w)", { rng in self.runWriter(w, db, state, &rng) }))
        }
        workers.append(("bulk loader", { rng in self.runLoader(db, state, &rng) }))
        for r in 0..<Self.readers {
            workers.append(("reader \(r)", { rng in self.runReader(Self.writers + 1 + r, db, state, &rng) }))
        }
        workers.append(("maintenance", { rng in self.runMaintenance(db, state, &rng) }))
        let group = DispatchGroup()
        for (index, (name, body)) in workers.enumerated() {
            group.enter()
            let thread = Thread {
                var rng = SeededGenerator(seed: seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
                state.name(index, name)
                body(&rng)
                state.finish(index)
                group.leave()
            }
            thread.start()
        }
        state.waitOrDie(group, stallSeconds: Self.stallSeconds)

        for failure in state.failures { XCTFail(failure) }
        print("stress test: " + state.summary())
        guard state.failures.isEmpty else { return }
        let expected = state.expectedContents()
        XCTAssertGreaterThan(expected.count, 0)
        try assertExactly(db, expected, "at the end")
        try db.verify()
        try db.close()
        let reopened = try Database(directory: path, options: smallOptions(hotTierBytes: 128 << 10, sync: .normal))
        try assertExactly(reopened, expected, "after the reopen")
        try reopened.verify()
        try reopened.close()
    }

    // ---- the threads -----------------------------------------------------------

    /// Writer w's keys: `writerBase(w) + (0..<writerKeySpace)`, and `groupSize` group
    /// keys that are only ever written together, by one batch, with one version.
    static func writerBase(_ w: Int) -> Int64 { (w % 2 == 0 ? 1 : -1) * (Int64(w + 1) << 40) }
    static func groupKey(_ w: Int, _ i: Int) -> Int64 { writerBase(w) + (1 << 20) + Int64(i) }
    static let loaderBase: Int64 = 100 << 40
    /// The bulk loader's marker key (above its data keys): the version of the newest load.
    static let loaderMarker: Int64 = loaderBase + (1 << 20)

    private func runWriter(_ w: Int, _ db: Database, _ state: StressState, _ rng: inout SeededGenerator) {
        var record: [Int64: [UInt8]] = [:]
        var version: UInt64 = 0
        var groupVersion: UInt64 = 0
        let base = Self.writerBase(w)
        func randomKey(_ rng: inout SeededGenerator) -> Int64 { base + Int64.random(in: 0..<Self.writerKeySpace, using: &rng) }
        while state.running {
            version += 1
            let operation = Int.random(in: 0..<10, using: &rng)
            var touched: [Int64] = []
            do throws(OmenError) {
                switch operation {
                case 0..<5:
                    let key = randomKey(&rng)
                    let value = stressValue(key, version, &rng)
                    state.enter(w, "put")
                    try db.put(key, value)
                    record[key] = value
                    touched = [key]
                case 5..<7:
                    let key = randomKey(&rng)
                    state.enter(w, "delete")
                    try db.delete(key)
                    record[key] = nil
                    touched = [key]
                case 7..<9:
                    let batch = WriteBatch()
                    var pending: [Int64: [UInt8]?] = [:]
                    for _ in 0..<Int.random(in: 1...30, using: &rng) {
                        let key = randomKey(&rng)
                        if Int.random(in: 0..<4, using: &rng) == 0 {
                            batch.delete(key)
                            pending[key] = .some(nil)
                        } else {
                            let value = stressValue(key, version, &rng)
                            batch.put(key, value)
                            pending[key] = .some(value)
                        }
                    }
                    state.enter(w, "batch")
                    try db.write(batch)
                    for (key, value) in pending { record[key] = value }
                    touched = Array(pending.keys)
                default:
                    groupVersion += 1
                    let batch = WriteBatch()
                    var values: [Int64: [UInt8]] = [:]
                    for i in 0..<Self.groupSize {
                        let key = Self.groupKey(w, i)
                        values[key] = stressValue(key, groupVersion, &rng)
                        batch.put(key, values[key]!)
                    }
                    state.enter(w, "group batch")
                    try db.write(batch)
                    for (key, value) in values { record[key] = value }
                    touched = Array(values.keys)
                    state.publishGroup(w, groupVersion)
                }
                state.enter(w, "read back")
                // Read-your-writes: the writer owns these keys, so they hold its last writes.
                for key in touched {
                    let found = try db.get(key)
                    if found != record[key] {
                        state.fail("writer \(w): key \(key) reads back \(found.map { "\($0.count) bytes" } ?? "absent"), wrote \(record[key].map { "\($0.count) bytes" } ?? "a delete")")
                    }
                }
            } catch {
                state.fail("writer \(w): \(error)")
                break
            }
            state.done(w)
        }
        state.record(record)
    }

    private func runLoader(_ db: Database, _ state: StressState, _ rng: inout SeededGenerator) {
        let index = Self.writers
        var record: [Int64: [UInt8]] = [:]
        var version: UInt64 = 0
        while state.running {
            version += 1
            let count = Int.random(in: 100...2000, using: &rng)
            var keys = Array(Set((0..<count).map { _ in Self.loaderBase + Int64.random(in: 0..<Int64(Self.loaderKeySpace), using: &rng) })).sorted()
            keys.append(Self.loaderMarker)
            let values = keys.map { stressValue($0, version, &rng) }
            state.announceLoad(version, keys: keys.count - 1)
            state.enter(index, "bulk load")
            do throws(OmenError) {
                try values.withUnsafeBufferPointer { (buffer) throws(OmenError) in
                    try db.bulkLoad(count: keys.count, key: { keys[$0] }, value: { i in buffer[i].withUnsafeBytes { $0 } })
                }
            } catch {
                state.fail("bulk loader: \(error)")
                break
            }
            for (key, value) in zip(keys, values) { record[key] = value }
            state.publishLoad(version)
            state.done(index)
            // Loads are heavy (a flush and a run each): leave the others some room.
            usleep(UInt32.random(in: 5_000...30_000, using: &rng))
        }
        state.record(record)
    }

    private func runReader(_ reader: Int, _ db: Database, _ state: StressState, _ rng: inout SeededGenerator) {
        while state.running {
            let w = Int.random(in: 0..<Self.writers, using: &rng)
            do throws(OmenError) {
                switch Int.random(in: 0..<4, using: &rng) {
                case 0:
                    state.enter(reader, "get")
                    let key = Self.writerBase(w) + Int64.random(in: 0..<Self.writerKeySpace, using: &rng)
                    if let value = try db.get(key), let problem = value.withUnsafeBytes({ checkStressValue(key, $0) }) { state.fail("get: \(problem)") }
                case 1:
                    state.enter(reader, "snapshot groups")
                    // Published before the snapshot, so the snapshot must include it.
                    let acknowledged = (0..<Self.writers).map { state.publishedGroup($0) }
                    let acknowledgedLoad = state.publishedLoad()
                    let snapshot = db.snapshot()
                    for w in 0..<Self.writers { try checkGroup(w, snapshot, atLeast: acknowledged[w], state) }
                    try checkLoad(snapshot, atLeast: acknowledgedLoad, state)
                default:
                    state.enter(reader, "iterator")
                    let snapshot = db.snapshot()
                    let iterator = snapshot.makeIterator()
                    let source = Int.random(in: 0...Self.writers, using: &rng)
                    let base = source == Self.writers ? Self.loaderBase : Self.writerBase(source)
                    let span = source == Self.writers ? Int64(Self.loaderKeySpace) : Self.writerKeySpace
                    let lower = base + Int64.random(in: -10..<span, using: &rng)
                    let upper = lower + Int64.random(in: 0..<span, using: &rng)
                    iterator.setBounds(lower: lower, upper: upper)
                    try checkIterator(iterator, snapshot, lower: lower, upper: upper, forward: Bool.random(using: &rng), state)
                }
            } catch {
                state.fail("reader \(reader): \(error)")
                break
            }
            state.done(reader)
        }
    }

    private func runMaintenance(_ db: Database, _ state: StressState, _ rng: inout SeededGenerator) {
        let index = Self.writers + 1 + Self.readers
        while state.running {
            do throws(OmenError) {
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: state.enter(index, "flush"); try db.flush()
                case 1: state.enter(index, "compact"); try db.compact()
                default: state.enter(index, "verify"); try db.verify()
                }
            } catch {
                state.fail("maintenance: \(error)")
                break
            }
            state.done(index)
            usleep(UInt32.random(in: 0...20_000, using: &rng))
        }
    }

    // ---- the checks ------------------------------------------------------------

    /// A group's keys are written only together: a snapshot shows all of them with one
    /// version, at least the version acknowledged before it was taken.
    private func checkGroup(_ w: Int, _ snapshot: Snapshot, atLeast acknowledged: UInt64, _ state: StressState) throws(OmenError) {
        var versions = Set<UInt64?>()
        for i in 0..<Self.groupSize {
            let key = Self.groupKey(w, i)
            guard let value = try snapshot.get(key) else { versions.insert(nil); continue }
            if let problem = checkStressValue(key, value) { state.fail("snapshot: \(problem)"); return }
            versions.insert(stressVersion(value))
        }
        guard versions.count == 1 else {
            state.fail("snapshot \(snapshot.sequence): writer \(w)'s group batch is partly visible: versions \(versions)")
            return
        }
        let version = versions.first! ?? 0
        if version < acknowledged {
            state.fail("snapshot \(snapshot.sequence): writer \(w)'s group is at version \(version) but \(acknowledged) was acknowledged before the snapshot")
        }
    }

    /// The newest bulk load visible (its marker's version) is there in full: exactly its
    /// number of keys carry its version.
    private func checkLoad(_ snapshot: Snapshot, atLeast acknowledged: UInt64, _ state: StressState) throws(OmenError) {
        guard let marker = try snapshot.get(Self.loaderMarker) else {
            if acknowledged > 0 { state.fail("snapshot \(snapshot.sequence): bulk load \(acknowledged) was acknowledged but no load is visible") }
            return
        }
        let version = stressVersion(marker)
        if version < acknowledged {
            state.fail("snapshot \(snapshot.sequence): bulk load \(version) visible, \(acknowledged) was acknowledged before the snapshot")
        }
        let iterator = snapshot.makeIterator()
        iterator.setBounds(lower: Self.loaderBase, upper: Self.loaderBase + Int64(Self.loaderKeySpace))
        try iterator.seekFirst()
        var count = 0
        while iterator.isValid {
            if stressVersion(iterator.value) == version { count += 1 }
            try iterator.next()
        }
        if count != state.loadSize(version) {
            state.fail("snapshot \(snapshot.sequence): bulk load \(version) shows \(count) of its \(state.loadSize(version)) keys")
        }
    }

    /// Keys strictly ordered in the direction of travel and inside [lower, upper); each
    /// value well-formed and the one the snapshot's point lookup returns.
    private func checkIterator(_ iterator: StorageIterator, _ snapshot: Snapshot, lower: Int64, upper: Int64,
                               forward: Bool, _ state: StressState) throws(OmenError) {
        if forward { try iterator.seekFirst() } else { try iterator.seekLast() }
        var previous: Int64?
        while iterator.isValid {
            let key = iterator.key
            if key < lower || key >= upper { state.fail("iterator: key \(key) outside [\(lower), \(upper))"); return }
            if let previous, forward ? key <= previous : key >= previous {
                state.fail("iterator: key \(key) after \(previous) moving \(forward ? "forward" : "backward")"); return
            }
            if let problem = checkStressValue(key, iterator.value) { state.fail("iterator: \(problem)"); return }
            guard let point = try snapshot.get(key), point.elementsEqual(iterator.value) else {
                state.fail("iterator: key \(key) differs from the snapshot's point lookup"); return
            }
            previous = key
            if forward { try iterator.next() } else { try iterator.previous() }
        }
    }

    private func assertExactly(_ db: Database, _ expected: [Int64: [UInt8]], _ when: String,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        var mismatches = 0
        for (key, value) in expected {
            let found = try db.get(key)
            if found == value { continue }
            mismatches += 1
            if mismatches <= 5 { XCTFail("\(when): key \(key) is \(found?.count.description ?? "absent"), expected \(value.count) bytes", file: file, line: line) }
        }
        XCTAssertEqual(mismatches, 0, "\(when): keys with a wrong value", file: file, line: line)
        let iterator = db.snapshot().makeIterator()
        try iterator.seekFirst()
        var seen: [Int64] = []
        while iterator.isValid { seen.append(iterator.key); try iterator.next() }
        XCTAssertEqual(seen, expected.keys.sorted(), "\(when): iterated keys", file: file, line: line)
    }
}

// ---- values ------------------------------------------------------------------

/// A self-describing value: key and version (16 bytes), then bytes derived from both.
private func stressValue(_ key: Int64, _ version: UInt64, _ rng: inout SeededGenerator) -> [UInt8] {
    let length = Int.random(in: 0..<50, using: &rng) == 0 ? Int.random(in: 1000...6000, using: &rng) : Int.random(in: 0...100, using: &rng)
    var value = withUnsafeBytes(of: key.littleEndian) { Array($0) } + withUnsafeBytes(of: version.littleEndian) { Array($0) }
    value += testValue(key, Int(truncatingIfNeeded: version), length: length)
    return value
}

private func stressVersion(_ value: UnsafeRawBufferPointer) -> UInt64 {
    value.count >= 16 ? UInt64(littleEndian: value.loadUnaligned(fromByteOffset: 8, as: UInt64.self)) : 0
}

/// Why `value` is not a value written for `key`, or nil when it is one.
private func checkStressValue(_ key: Int64, _ bytes: UnsafeRawBufferPointer) -> String? {
    guard bytes.count >= 16 else { return "key \(key): a \(bytes.count)-byte value (at least 16 expected)" }
    let owner = Int64(littleEndian: bytes.loadUnaligned(as: Int64.self))
    guard owner == key else { return "key \(key) holds a value written for key \(owner)" }
    let version = stressVersion(bytes)
    guard bytes[16...].elementsEqual(testValue(key, Int(truncatingIfNeeded: version), length: bytes.count - 16)) else {
        return "key \(key): the bytes of version \(version) are damaged"
    }
    return nil
}

// ---- shared state --------------------------------------------------------------

/// What the threads share: the stop flag, acknowledged group and load versions,
/// progress per thread (for the stall watchdog), failures and the final records.
private final class StressState: @unchecked Sendable {
    private let lock = NSLock()
    private let deadline: Date
    private var stopped = false
    private var names: [String]
    private var operations: [String]
    private var counts: [Int]
    private var finished: [Bool]
    private var groups: [Int: UInt64] = [:]
    private var load: UInt64 = 0
    private var loadSizes: [UInt64: Int] = [:]
    private(set) var failures: [String] = []
    private var records: [[Int64: [UInt8]]] = []

    init(threads: Int, seconds: Double) {
        deadline = Date(timeIntervalSinceNow: seconds)
        names = Array(repeating: "", count: threads)
        operations = Array(repeating: "starting", count: threads)
        counts = Array(repeating: 0, count: threads)
        finished = Array(repeating: false, count: threads)
    }

    private func locked<T>(_ body: () -> T) -> T { lock.lock(); defer { lock.unlock() }; return body() }

    var running: Bool { locked { !stopped } && Date() < deadline }

    func name(_ index: Int, _ name: String) { locked { names[index] = name } }
    func enter(_ index: Int, _ operation: String) { locked { operations[index] = operation } }
    func done(_ index: Int) { locked { counts[index] += 1; operations[index] = "between operations" } }
    func finish(_ index: Int) { locked { finished[index] = true; operations[index] = "finished" } }

    func fail(_ message: String) {
        locked {
            if failures.count < 20 { failures.append(message) }
            stopped = true
        }
    }

    func publishGroup(_ w: Int, _ version: UInt64) { locked { groups[w] = version } }
    func publishedGroup(_ w: Int) -> UInt64 { locked { groups[w] ?? 0 } }
    func announceLoad(_ version: UInt64, keys: Int) { locked { loadSizes[version] = keys } }
    func publishLoad(_ version: UInt64) { locked { load = version } }
    func publishedLoad() -> UInt64 { locked { load } }
    func loadSize(_ version: UInt64) -> Int { locked { loadSizes[version] ?? -1 } }
    func record(_ contents: [Int64: [UInt8]]) { locked { records.append(contents) } }

    func expectedContents() -> [Int64: [UInt8]] {
        locked { records.reduce(into: [:]) { union, record in union.merge(record) { _, _ in fatalError("key ranges overlap") } } }
    }

    func summary() -> String {
        locked { zip(names, counts).map { "\($0) \($1)" }.joined(separator: ", ") + " operations" }
    }

    /// Waits for every thread; ends the process when a thread that has not finished
    /// completed no operation for `stallSeconds` (a deadlock must fail the suite, not
    /// hang it).
    func waitOrDie(_ group: DispatchGroup, stallSeconds: Double) {
        var lastCounts: [Int] = []
        var lastProgress: [Date] = []
        while group.wait(timeout: .now() + 1) == .timedOut {
            let (now, done, states) = locked { (counts, finished, zip(names, operations).map { "\($0): \($1)" }) }
            if lastCounts.isEmpty { lastCounts = now; lastProgress = now.map { _ in Date() } }
            for i in now.indices where now[i] != lastCounts[i] { lastCounts[i] = now[i]; lastProgress[i] = Date() }
            if now.indices.contains(where: { !done[$0] && Date().timeIntervalSince(lastProgress[$0]) > stallSeconds }) {
                let message = "stress test: no operation finished for \(Int(stallSeconds)) s (deadlock?); threads: " + states.joined(separator: "; ")
                fputs(message + "\n", stderr)
                fatalError(message)
            }
        }
    }
}
