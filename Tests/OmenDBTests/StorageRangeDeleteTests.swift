import Foundation
import XCTest
@testable import OmenDB
import OmenTestSupport

/// Range deletes and exact counts against a reference model: random puts, deletes,
/// range deletes (alone, in batches, in transactions), counts, flushes, compactions,
/// snapshots, reopens and crash copies (WAL replay), checked by point reads, counts and
/// iteration in both directions.
final class StorageRangeDeleteTests: XCTestCase {
    /// The reference: a dictionary, queried in key order.
    private struct Model {
        var entries: [Int64: [UInt8]] = [:]

        mutating func deleteRange(_ range: ClosedRange<Int64>) {
            for key in entries.keys where range.contains(key) { entries[key] = nil }
        }

        func keys(in range: ClosedRange<Int64>) -> [Int64] { entries.keys.filter { range.contains($0) }.sorted() }
    }

    /// A random inclusive range: around a key, wide, everything, at the extremes, or one key.
    private func randomRange(_ rng: inout SeededGenerator) -> ClosedRange<Int64> {
        switch Int.random(in: 0..<8, using: &rng) {
        case 0: return Int64.min...Int64.max
        case 1: return Int64.min...mixedKey(&rng)
        case 2: return mixedKey(&rng)...Int64.max
        case 3:
            let key = mixedKey(&rng)
            return key...key
        case 4:
            let start = Int64.random(in: -2000..<2000, using: &rng)
            return start...(start + Int64.random(in: 0..<300, using: &rng))
        default:
            let a = mixedKey(&rng), b = mixedKey(&rng)
            return min(a, b)...max(a, b)
        }
    }

    func testRandomRangeDeletesAndCountsAgainstReference() throws {
        let seed = UInt64(ProcessInfo.processInfo.environment["OMENDB_TEST_SEED"] ?? "") ?? UInt64.random(in: 1...UInt64(1) << 40)
        print("StorageRangeDeleteTests seed \(seed) (set OMENDB_TEST_SEED to repeat)")
        for round: UInt64 in 0..<3 {
            try runModel(seed: seed &+ round, background: round != 1)
        }
    }

    private func runModel(seed: UInt64, background: Bool) throws {
        var rng = SeededGenerator(seed: seed)
        let path = temporaryDatabaseDirectory(self)
        var model = Model()
        var version = 0
        var db = try Database(directory: path, options: smallOptions(hotTierBytes: 256 << 10, background: background))
        /// Snapshots with the reference as it was when each was taken.
        var snapshots: [(Snapshot, Model)] = []
        let context = "seed \(seed)"
        for step in 0..<1500 {
            version += 1
            let key = mixedKey(&rng)
            switch Int.random(in: 0..<100, using: &rng) {
            case 0..<45:
                let value = testValue(key, version, length: Int.random(in: 0...40, using: &rng))
                try db.put(key, value)
                model.entries[key] = value
            case 45..<55:
                try db.delete(key)
                model.entries[key] = nil
            case 55..<63:
                let range = randomRange(&rng)
                try db.deleteRange(range)
                model.deleteRange(range)
            case 63..<66:
                // Half-open form; an empty range is a no-op.
                let start = mixedKey(&rng)
                let end = start == Int64.min ? start : start &- Int64.random(in: 0...1, using: &rng)
                try db.deleteRange(min(start, end)..<max(start, end))
                if min(start, end) < max(start, end) { model.deleteRange(min(start, end)...(max(start, end) - 1)) }
            case 66..<72:
                // A batch: operations apply in order, a range delete hiding the batch's earlier writes.
                let batch = WriteBatch()
                for _ in 0..<Int.random(in: 1...12, using: &rng) {
                    let k = Bool.random(using: &rng) ? mixedKey(&rng) : key &+ Int64.random(in: -5...5, using: &rng)
                    switch Int.random(in: 0..<4, using: &rng) {
                    case 0, 1:
                        let value = testValue(k, version, length: Int.random(in: 0...20, using: &rng))
                        batch.put(k, value)
                        model.entries[k] = value
                    case 2:
                        batch.delete(k)
                        model.entries[k] = nil
                    default:
                        let range = Bool.random(using: &rng) ? randomRange(&rng) : min(k, key)...max(k, key)
                        batch.deleteRange(range)
                        model.deleteRange(range)
                    }
                }
                try db.write(batch)
            case 72..<76:
                // A transaction reading its own range delete, then committing it.
                let txn = try db.beginTransaction()
                let range = randomRange(&rng)
                try txn.deleteRange(range)
                var expected = model
                expected.deleteRange(range)
                let inside = range.lowerBound == Int64.max ? range.lowerBound : range.lowerBound &+ 1
                if range.contains(inside) {
                    let value = testValue(inside, version, length: 3)
                    try txn.put(inside, value)
                    expected.entries[inside] = value
                }
                XCTAssertEqual(try txn.get(key), expected.entries[key], "\(context) step \(step): txn read of \(key)")
                let counted = randomRange(&rng)
                XCTAssertEqual(try txn.count(in: counted), expected.keys(in: counted).count, "\(context) step \(step): txn count \(counted)")
                let iterator = try txn.makeIterator()
                var seen: [Int64] = []
                try iterator.seekFirst()
                while iterator.isValid { seen.append(iterator.key); try iterator.next() }
                XCTAssertEqual(seen, expected.keys(in: Int64.min...Int64.max), "\(context) step \(step): txn iteration")
                seen.removeAll()
                try iterator.seekLast()
                while iterator.isValid { seen.append(iterator.key); try iterator.previous() }
                XCTAssertEqual(seen, expected.keys(in: Int64.min...Int64.max).reversed(), "\(context) step \(step): txn reverse iteration")
                try txn.commit()
                model = expected
            case 76..<84:
                let range = randomRange(&rng)
                XCTAssertEqual(try db.count(in: range), model.keys(in: range).count, "\(context) step \(step): count \(range)")
            case 84..<88:
                XCTAssertEqual(try db.get(key), model.entries[key], "\(context) step \(step): get \(key)")
            case 88..<90:
                try db.flush()
            case 90..<92:
                try db.compact()
            case 92..<94:
                snapshots.append((db.snapshot(), model))
                if snapshots.count > 3 { snapshots.removeFirst() }
            case 94:
                try db.close()
                db = try Database(directory: path, options: smallOptions(hotTierBytes: 256 << 10, background: background))
            case 95 where !background:
                // A crash copy (the files as a killed process leaves them): recovery replays the log.
                // Only without background work: a copy taken while a background flush writes and
                // renames files is no image a crash leaves (and can miss a renamed file).
                let copy = path + "-crash\(step)"
                try FileManager.default.copyItem(atPath: path, toPath: copy)
                defer { try? FileManager.default.removeItem(atPath: copy) }
                let recovered = try Database(directory: copy, options: smallOptions(background: false))
                try check(recovered, model, "\(context) step \(step): crash copy", rng: &rng)
                try recovered.close()
            case 96:
                // A bulk load is newer than every range delete before it (and older than those after).
                let keys = Array(Set((0..<Int.random(in: 1...30, using: &rng)).map { _ in mixedKey(&rng) })).sorted()
                let values = keys.map { testValue($0, version, length: 8) }
                let packed = values.flatMap { $0 }
                try keys.withUnsafeBufferPointer { keyBuffer in
                    try packed.withUnsafeBytes { try db.bulkLoad(keys: keyBuffer, values: $0.baseAddress, valueSize: 8) }
                }
                for (key, value) in zip(keys, values) { model.entries[key] = value }
            default:
                try check(db, model, "\(context) step \(step)", rng: &rng)
                for (snapshot, old) in snapshots { try check(snapshot, old, "\(context) step \(step): old snapshot", rng: &rng) }
            }
        }
        try check(db, model, "\(context) end", rng: &rng)
        for (snapshot, old) in snapshots { try check(snapshot, old, "\(context) end: old snapshot", rng: &rng) }
        try db.verify()
        try db.close()
    }

    private func check(_ db: Database, _ model: Model, _ context: String, rng: inout SeededGenerator) throws {
        try check(db.snapshot(), model, context, rng: &rng)
        for key in model.entries.keys.shuffled(using: &rng).prefix(50) {
            XCTAssertEqual(try db.get(key), model.entries[key], "\(context): get \(key)")
        }
    }

    /// Point reads (present keys and random ones), batched copy reads, counts, full
    /// iteration both ways, and a bounded window.
    private func check(_ snapshot: Snapshot, _ model: Model, _ context: String, rng: inout SeededGenerator) throws {
        let probes = Array(model.entries.keys.shuffled(using: &rng).prefix(40)) + (0..<40).map { _ in mixedKey(&rng) }
        for key in probes {
            XCTAssertEqual(try snapshot.get(key).map { Array($0) }, model.entries[key], "\(context): snapshot get \(key)")
        }
        var lengths = [Int](repeating: 0, count: probes.count)
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        let outcome = try buffer.withUnsafeMutableBytes { raw in
            try snapshot.copyValues(keys: probes, count: probes.count, lengths: &lengths, buffer: raw.baseAddress, capacity: raw.count)
        }
        XCTAssertEqual(outcome, .processed(done: probes.count), context)
        for (i, key) in probes.enumerated() {
            XCTAssertEqual(lengths[i], model.entries[key]?.count ?? -1, "\(context): copyValues length of \(key)")
        }
        let all = model.keys(in: Int64.min...Int64.max)
        XCTAssertEqual(try snapshot.count(in: Int64.min...Int64.max), all.count, "\(context): count of everything")
        let range = randomRange(&rng)
        XCTAssertEqual(try snapshot.count(in: range), model.keys(in: range).count, "\(context): count \(range)")

        let iterator = snapshot.makeIterator()
        var seen: [Int64] = []
        try iterator.seekFirst()
        while iterator.isValid {
            seen.append(iterator.key)
            if Array(iterator.value) != model.entries[iterator.key] { XCTFail("\(context): iterator value of \(iterator.key)"); return }
            try iterator.next()
        }
        XCTAssertEqual(seen, all, "\(context): forward iteration")
        seen.removeAll()
        try iterator.seekLast()
        while iterator.isValid { seen.append(iterator.key); try iterator.previous() }
        XCTAssertEqual(seen, all.reversed(), "\(context): backward iteration")
        // A bounded window, read with the batched zero-copy call.
        if range.upperBound < Int64.max {
            iterator.setBounds(lower: range.lowerBound, upper: range.upperBound + 1)
            try iterator.seekFirst()
            var keys = [Int64](repeating: 0, count: 64)
            var values = [UnsafeRawPointer?](repeating: nil, count: 64)
            var sizes = [Int](repeating: 0, count: 64)
            var window: [Int64] = []
            while true {
                let n = try iterator.borrowEntries(forward: true, maxEntries: 64, keys: &keys, values: &values, lengths: &sizes)
                window += keys[0..<n]
                if n < 64 { break }
            }
            XCTAssertEqual(window, model.keys(in: range), "\(context): bounded window \(range)")
        }
    }

    /// Compaction drops what the tombstones cover and, with the oldest run included, the
    /// tombstones; the count over a single clean run comes from its positions.
    func testCompactionDropsCoveredEntriesAndTombstones() throws {
        let path = temporaryDatabaseDirectory(self)
        let db = try Database(directory: path, options: smallOptions(background: false))
        for key in Int64(0)..<1000 { try db.put(key, [UInt8(truncatingIfNeeded: key)]) }
        try db.flush()
        try db.deleteRange(Int64(100)..<900)
        try db.put(500, [1])
        XCTAssertEqual(try db.count(in: Int64.min...Int64.max), 201)
        try db.flush()
        XCTAssertEqual(db.currentView().0.runs.first?.rangeTombstones?.tombstones.map { $0.first...$0.last }, [100...899])
        XCTAssertEqual(try db.count(in: Int64(0)..<1000), 201)
        XCTAssertEqual(try db.get(500), [1])
        XCTAssertNil(try db.get(499))
        try db.compact()
        let runs = db.currentView().0.runs
        XCTAssertEqual(runs.count, 1)
        XCTAssertNil(runs[0].rangeTombstones, "tombstones dropped with nothing older below them")
        XCTAssertEqual(runs[0].count, 201, "covered entries dropped")
        XCTAssertEqual(try db.count(in: Int64(0)..<100), 100)
        XCTAssertEqual(try db.count(in: Int64(50)...550), 51)
        try db.close()
    }

    /// A range delete in a transaction conflicts with a later commit of a key in the
    /// range, and a transaction that wrote a key in a range deleted after its snapshot fails.
    func testRangeDeleteConflicts() throws {
        let path = temporaryDatabaseDirectory(self)
        let db = try Database(directory: path, options: smallOptions(background: false))
        try db.put(5, [5])
        let deleter = try db.beginTransaction(TransactionOptions(isolation: .repeatableRead))
        try deleter.deleteRange(Int64(0)..<10)
        try db.put(7, [7])
        XCTAssertThrowsError(try deleter.commit()) { XCTAssertEqual(($0 as? OmenError)?.code, .conflict) }
        let writer = try db.beginTransaction(TransactionOptions(isolation: .repeatableRead))
        try writer.put(3, [3])
        try db.deleteRange(Int64(0)..<10)
        XCTAssertThrowsError(try writer.commit()) { XCTAssertEqual(($0 as? OmenError)?.code, .conflict) }
        XCTAssertEqual(try db.count(in: Int64.min...Int64.max), 0)
        try db.close()
    }
}

extension StorageRangeDeleteTests {
    /// A hot tier holding only a range tombstone flushes to a run without entries that
    /// still hides the older run's keys, also after a reopen; the range also hides keys
    /// at the extremes of the key space.
    func testTombstoneOnlyRunAndExtremeKeys() throws {
        let path = temporaryDatabaseDirectory(self)
        var db = try Database(directory: path, options: smallOptions(background: false))
        for key in [Int64.min, Int64.min + 1, -1, 0, 1, Int64.max - 1, Int64.max] { try db.put(key, [1]) }
        try db.flush()
        try db.deleteRange(Int64.min...0)
        try db.flush()
        let runs = db.currentView().0.runs
        XCTAssertEqual(runs.count, 2)
        XCTAssertEqual(runs[0].count, 0, "a run of one range tombstone and no entry")
        XCTAssertEqual(runs[0].footer.version, RunFormat.version)
        try db.close()
        db = try Database(directory: path, options: smallOptions(background: false))
        XCTAssertNil(try db.get(Int64.min))
        XCTAssertNil(try db.get(0))
        XCTAssertEqual(try db.get(1), [1])
        XCTAssertEqual(try db.count(in: Int64.min...Int64.max), 3)
        try db.deleteRange(Int64(1)...Int64.max)
        XCTAssertEqual(try db.count(in: Int64.min...Int64.max), 0)
        let iterator = db.makeIterator()
        try iterator.seekLast()
        XCTAssertFalse(iterator.isValid)
        try db.verify()
        try db.flush()
        try db.compact()
        XCTAssertEqual(db.currentView().0.runs.count, 0, "everything deleted: compaction leaves no run")
        XCTAssertEqual(try db.count(in: Int64.min...Int64.max), 0)
        try db.close()
    }
}
