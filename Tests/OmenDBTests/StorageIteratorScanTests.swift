import XCTest
@testable import OmenDB
import OmenTestSupport

/// Scans against a sorted reference over every kind of tier at once: a bulk-loaded run
/// (no tombstones, one value size: the batch read's stretch path), a flushed run with
/// tombstones and mixed sizes, a hot tier, and versions newer than the iterator's
/// snapshot (which the merge must skip). Steps and `borrowEntries`, forward and
/// backward, with random bounds and batch sizes; then `refresh`.
final class StorageIteratorScanTests: XCTestCase {
    private typealias Entry = (key: Int64, value: [UInt8])

    func testScansMatchTheReferenceOverEveryTier() throws {
        let seed = UInt64.random(in: 1...UInt64.max)
        print("StorageIteratorScanTests seed \(seed)")
        var rng = SeededGenerator(seed: seed)
        let db = try Database(directory: temporaryDatabaseDirectory(self),
                              options: smallOptions(hotTierBytes: 16 << 20, background: false))
        var reference: [Int64: [UInt8]] = [:]
        let loaded = (0..<5000).map { Int64($0) * 3 }
        let values = loaded.map { testValue($0, 0, length: 8) }
        let flat = values.flatMap { $0 }
        try flat.withUnsafeBytes { bytes in
            try db.bulkLoad(count: loaded.count, key: { loaded[$0] },
                            value: { UnsafeRawBufferPointer(rebasing: bytes[8 * $0 ..< 8 * $0 + 8]) })
        }
        for (key, value) in zip(loaded, values) { reference[key] = value }

        func writeRandomly(_ operations: Int, version: Int) throws {
            for _ in 0..<operations {
                let key = Int64(rng.next() % 16_000) - 500
                if rng.next() % 3 == 0 {
                    try db.delete(key)
                    reference[key] = nil
                } else {
                    let value = testValue(key, version, length: Int(rng.next() % 40))
                    try db.put(key, value)
                    reference[key] = value
                }
            }
        }
        try writeRandomly(600, version: 1)
        try db.flush()  // a second run, with tombstones and mixed sizes
        try writeRandomly(300, version: 2)  // the hot tier

        let before = sorted(reference)
        let old = db.makeIterator()
        try writeRandomly(300, version: 3)  // newer than `old`'s snapshot
        let now = sorted(reference)
        let fresh = db.makeIterator()

        for (iterator, expected, name) in [(old, before, "old snapshot"), (fresh, now, "current")] {
            // A full forward walk in batches.
            try iterator.seekFirst()
            XCTAssertEqual(try borrowAll(iterator, forward: true, batch: 64).map(\.key), expected.map(\.key),
                           "seed \(seed) \(name): full walk")
            for round in 0..<150 {
                let start = Int64(rng.next() % 17_000) - 1000
                let bounded = rng.next() % 2 == 0
                let lower = bounded ? start - Int64(rng.next() % 100) : Int64.min
                let upper: Int64? = bounded ? start + Int64(rng.next() % 400) : nil
                iterator.setBounds(lower: lower, upper: upper)
                let inBounds = expected.filter { $0.key >= lower && (upper == nil || $0.key < upper!) }
                let label = "seed \(seed) \(name) round \(round) start \(start) bounds \(lower)..<\(String(describing: upper))"

                let forward = rng.next() % 4 != 0
                let batch = 1 + Int(rng.next() % 300)
                if forward { try iterator.seek(start) } else { try iterator.seekForPrevious(start) }
                let want = forward ? inBounds.filter { $0.key >= start } : inBounds.filter { $0.key <= start }.reversed()
                let limit = Int(rng.next() % 400)
                let got = try borrowAll(iterator, forward: forward, batch: batch, limit: limit)
                XCTAssertEqual(got.map(\.key), Array(want.prefix(got.count)).map(\.key), label)
                XCTAssertTrue(got.count >= min(limit, want.count) && got.count <= want.count, "\(label): \(got.count) entries")
                for (entry, expected) in zip(got, want) where entry.value != expected.value {
                    XCTFail("\(label): key \(entry.key) has the wrong value")
                }

                // The same range by single steps.
                if forward { try iterator.seek(start) } else { try iterator.seekForPrevious(start) }
                var stepped: [Int64] = []
                while iterator.isValid && stepped.count < 50 {
                    stepped.append(iterator.key)
                    if stepped.count <= want.count { XCTAssertEqual(Array(iterator.value), want[stepped.count - 1].value, label) }
                    if forward { try iterator.next() } else { try iterator.previous() }
                }
                XCTAssertEqual(stepped, Array(want.prefix(50)).map(\.key), label)
            }
            iterator.setBounds(lower: Int64.min, upper: nil)
        }
        try db.close()
    }

    func testRefreshMovesToTheCurrentState() throws {
        let db = try Database(directory: temporaryDatabaseDirectory(self), options: smallOptions(background: false))
        let iterator = db.makeIterator()  // over an empty database: its hot tier has no source yet
        for key in stride(from: Int64(0), to: 100, by: 2) { try db.put(key, [UInt8(key)]) }
        try iterator.refresh()
        iterator.setBounds(lower: 10, upper: 20)
        try iterator.seekFirst()
        XCTAssertEqual(try keys(iterator), [10, 12, 14, 16, 18])

        try db.put(11, [11])
        try db.put(25, [25])
        try db.delete(14)
        try iterator.seekFirst()
        XCTAssertEqual(try keys(iterator), [10, 12, 14, 16, 18], "a snapshot until refreshed")
        try iterator.refresh()
        XCTAssertFalse(iterator.isValid, "invalid until the next seek")
        try iterator.seekFirst()
        XCTAssertEqual(try keys(iterator), [10, 11, 12, 16, 18], "the new state, the bounds kept")

        let snapshot = iterator.snapshot
        try iterator.refresh()
        XCTAssertTrue(iterator.snapshot === snapshot, "nothing committed: the snapshot is kept")

        try db.flush()
        try db.put(13, [13])
        try iterator.refresh()
        XCTAssertFalse(iterator.snapshot === snapshot)
        try iterator.seek(12)
        XCTAssertEqual(try keys(iterator), [12, 13, 16, 18], "after a flush (new tiers)")

        XCTAssertThrowsError(try db.snapshot().makeIterator().refresh()) { error in
            XCTAssertEqual((error as? OmenError)?.code, .misuse)
        }
        let transaction = try db.beginTransaction()
        XCTAssertThrowsError(try transaction.makeIterator().refresh()) { error in
            XCTAssertEqual((error as? OmenError)?.code, .misuse)
        }
        transaction.rollback()
        try db.close()
        XCTAssertThrowsError(try iterator.refresh()) { error in
            XCTAssertEqual((error as? OmenError)?.code, .misuse)
        }
    }

    private func sorted(_ reference: [Int64: [UInt8]]) -> [Entry] {
        reference.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }
    }

    /// Entries from `borrowEntries` in batches of `batch` until the end or at least
    /// `limit` entries, values copied out right after each call.
    private func borrowAll(_ iterator: StorageIterator, forward: Bool, batch: Int,
                           limit: Int = .max) throws -> [Entry] {
        var keys = [Int64](repeating: 0, count: batch)
        var values = [UnsafeRawPointer?](repeating: nil, count: batch)
        var lengths = [Int](repeating: 0, count: batch)
        var out: [Entry] = []
        while out.count < limit {
            let count = try iterator.borrowEntries(forward: forward, maxEntries: batch, keys: &keys,
                                                   values: &values, lengths: &lengths)
            for i in 0..<count {
                out.append((keys[i], Array(UnsafeRawBufferPointer(start: values[i], count: lengths[i]))))
            }
            if count < batch {
                XCTAssertFalse(iterator.isValid, "a short batch only at the end")
                break
            }
        }
        return out
    }

    private func keys(_ iterator: StorageIterator) throws -> [Int64] {
        var out: [Int64] = []
        while iterator.isValid {
            out.append(iterator.key)
            try iterator.next()
        }
        return out
    }
}
