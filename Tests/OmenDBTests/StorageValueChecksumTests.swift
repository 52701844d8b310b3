import Foundation
import XCTest
@testable import OmenDB
import OmenTestSupport

/// Damaged value bytes in a run (format version 3) are never returned as data: every
/// read path that hands out a value checks the heap blocks it spans and throws
/// `.corruption` naming the run file and the damaged block's offset.
final class StorageValueChecksumTests: XCTestCase {
    private enum Keys: CaseIterable { case sequential, gapped, random }
    private enum Sizes { case fixed(Int), mixed }

    private static func keys(_ kind: Keys, _ count: Int, _ rng: inout SeededGenerator) -> [Int64] {
        switch kind {
        case .sequential: return (0..<count).map { Int64($0) }
        case .gapped: return (0..<count).map { Int64($0) * 1_000_003 - 500_000_000 }
        case .random:
            var keys: Set<Int64> = [Int64.min, Int64.max, 0]
            while keys.count < count { keys.insert(Int64.random(in: Int64.min...Int64.max, using: &rng)) }
            return keys.sorted()
        }
    }

    /// A value of `length` bytes derived from its key.
    private static func value(_ key: Int64, _ length: Int) -> [UInt8] { testValue(key, 7, length: length) }

    /// One run holding `keys` (bulk-loaded, or put and flushed); the contents and, per
    /// key, where its value lies in the run file.
    private struct Layout {
        var path = ""
        var runPath = ""
        var reference: [Int64: [UInt8]] = [:]
        var sorted: [Int64] = []
        var fileOffsets: [Int64: Int] = [:]
    }

    private func makeRun(_ keys: [Int64], sizes: Sizes, bulk: Bool, _ rng: inout SeededGenerator) throws -> Layout {
        var layout = Layout()
        layout.path = temporaryDatabaseDirectory(self)
        let db = try Database(directory: layout.path, options: smallOptions(hotTierBytes: 64 << 20, background: false))
        for key in keys {
            switch sizes {
            case .fixed(let length): layout.reference[key] = Self.value(key, length)
            case .mixed: layout.reference[key] = Self.value(key, [0, 1, 8, 100, 5000].randomElement(using: &rng)!)
            }
        }
        layout.sorted = keys
        if bulk {
            let values = keys.map { layout.reference[$0]! }
            let starts = values.reduce(into: [0]) { $0.append($0.last! + $1.count) }
            try values.joined().map { $0 }.withUnsafeBytes { all in
                try db.bulkLoad(count: keys.count, key: { keys[$0] }, value: { i in
                    UnsafeRawBufferPointer(rebasing: all[starts[i]..<starts[i + 1]])
                })
            }
        } else {
            for key in keys.shuffled(using: &rng) { try db.put(key, layout.reference[key]!) }
            try db.flush()
        }
        let runs = db.currentView().0.runs
        XCTAssertEqual(runs.count, 1)
        let run = runs[0]
        XCTAssertGreaterThanOrEqual(run.footer.version, RunFormat.heapBlockChecksumsVersion)
        layout.runPath = run.path
        for (position, key) in keys.enumerated() {
            let value = try run.value(position)
            layout.fileOffsets[key] = Int(run.footer.heapOffset) + run.heap.distance(to: value.baseAddress!)
        }
        try db.close()
        return layout
    }

    private static func flip(_ file: String, at offset: Int) throws {
        var bytes = [UInt8](FileManager.default.contents(atPath: file)!)
        bytes[offset] ^= 0x20
        try Data(bytes).write(to: URL(fileURLWithPath: file))
    }

    /// The heap blocks (by file offset of their start) that a value spans.
    private static func blocks(_ layout: Layout, _ key: Int64, heapOffset: Int) -> Range<Int> {
        let length = layout.reference[key]!.count
        guard length > 0 else { return 0..<0 }
        let start = layout.fileOffsets[key]! - heapOffset
        return (start >> 12)..<(((start + length - 1) >> 12) + 1)
    }

    private func assertCorruption(_ what: String, _ expected: String, _ runPath: String,
                                  file: StaticString = #filePath, line: UInt = #line, _ body: () throws(OmenError) -> Void) {
        do throws(OmenError) {
            try body()
            XCTFail("\(what): damaged value bytes were returned as data", file: file, line: line)
        } catch {
            XCTAssertEqual(error.code, .corruption, "\(what): \(error)", file: file, line: line)
            XCTAssertTrue(error.message.contains(runPath) && error.message.contains(expected),
                          "\(what): message should name \(runPath) and '\(expected)': \(error.message)", file: file, line: line)
        }
    }

    /// Damages one byte of one value and checks every read path: get (copy, into a
    /// buffer, borrowed), snapshot get, multi-get, iteration both ways, batched
    /// iteration, verify and compaction refuse the damaged block; every value outside
    /// it still reads.
    private func checkDamage(_ keyKind: Keys, _ sizes: Sizes, bulk: Bool, seed: UInt64) throws {
        print("StorageValueChecksumTests: keys \(keyKind), sizes \(sizes), bulk \(bulk), seed \(seed)")
        var rng = SeededGenerator(seed: seed)
        let count: Int
        switch sizes {
        case .fixed(let length): count = min(20_000, max(64, 3 * 4096 / max(length, 1) + 10))
        case .mixed: count = 300
        }
        let layout = try makeRun(Self.keys(keyKind, count, &rng), sizes: sizes, bulk: bulk, &rng)
        let candidates = layout.sorted.filter { !layout.reference[$0]!.isEmpty }
        guard let target = candidates.randomElement(using: &rng) else {
            // Zero-length values only: an empty heap, nothing to damage; all reads work.
            let db = try Database(directory: layout.path, options: smallOptions(background: false))
            try assertMatches(db, layout.reference)
            try db.verify()
            return
        }
        let heapOffset = RunFormat.headerSize
        let length = layout.reference[target]!.count
        let damaged = layout.fileOffsets[target]! + Int.random(in: 0..<length, using: &rng)
        try Self.flip(layout.runPath, at: damaged)
        let damagedBlock = (damaged - heapOffset) >> 12
        let expected = "offset \(heapOffset + damagedBlock << 12)"
        let touches = { (key: Int64) in Self.blocks(layout, key, heapOffset: heapOffset).contains(damagedBlock) }

        let db = try Database(directory: layout.path, options: smallOptions(background: false))
        let path = layout.runPath
        // Twice: a failed check must not be remembered as verified.
        for round in 0..<2 {
            assertCorruption("get, round \(round)", expected, path) { () throws(OmenError) in _ = try db.get(target) }
        }
        assertCorruption("read into buffer", expected, path) { () throws(OmenError) in
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: length, alignment: 8)
            defer { buffer.deallocate() }
            _ = try db.read(target, into: buffer, capacity: length)
        }
        assertCorruption("withValue", expected, path) { () throws(OmenError) in _ = try db.withValue(target) { $0?.count } }
        let snapshot = db.snapshot()
        assertCorruption("snapshot get", expected, path) { () throws(OmenError) in _ = try snapshot.get(target) }
        assertCorruption("multi-get", expected, path) { () throws(OmenError) in
            let keys = [layout.sorted[0], target]
            var lengths = [0, 0]
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: 16_384, alignment: 8)
            defer { buffer.deallocate() }
            _ = try snapshot.copyValues(keys: keys, count: 2, lengths: &lengths, buffer: buffer, capacity: 16_384)
        }
        // Every value that does not touch the damaged block reads; every one that does is refused.
        for key in layout.sorted {
            if touches(key) {
                assertCorruption("get \(key) (shares the damaged block)", expected, path) { () throws(OmenError) in _ = try snapshot.get(key) }
            } else {
                XCTAssertEqual(try db.get(key), layout.reference[key], "undamaged key \(key)")
            }
        }
        let firstDamaged = layout.sorted.firstIndex(where: touches)!
        let lastDamaged = layout.sorted.lastIndex(where: touches)!
        for forward in [true, false] {
            let iterator = snapshot.makeIterator()
            var seen: [Int64] = []
            assertCorruption("iterator, forward \(forward)", expected, path) { () throws(OmenError) in
                if forward { try iterator.seekFirst() } else { try iterator.seekLast() }
                while iterator.isValid {
                    seen.append(iterator.key)
                    XCTAssertEqual(Array(iterator.value), layout.reference[iterator.key])
                    if forward { try iterator.next() } else { try iterator.previous() }
                }
            }
            XCTAssertFalse(iterator.isValid, "an iterator that met damage is invalid")
            XCTAssertEqual(seen, forward ? Array(layout.sorted[..<firstDamaged]) : Array(layout.sorted[(lastDamaged + 1)...].reversed()))
        }
        assertCorruption("batched iterator read", expected, path) { () throws(OmenError) in
            let iterator = snapshot.makeIterator()
            try iterator.seek(layout.sorted[firstDamaged > 0 ? firstDamaged - 1 : 0])
            var keys = [Int64](repeating: 0, count: 64)
            var lengths = [Int](repeating: 0, count: 64)
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 8)
            defer { buffer.deallocate() }
            while true {
                guard case .copied(let copied) = try iterator.copyEntries(forward: true, maxEntries: 64, keys: &keys, lengths: &lengths,
                                                                          buffer: buffer, capacity: 1 << 20), copied > 0 else { return }
            }
        }
        assertCorruption("zero-copy batched iterator read", expected, path) { () throws(OmenError) in
            let iterator = snapshot.makeIterator()
            try iterator.seekFirst()
            var keys = [Int64](repeating: 0, count: 64)
            var values = [UnsafeRawPointer?](repeating: nil, count: 64)
            var lengths = [Int](repeating: 0, count: 64)
            var seen: [Int64] = []
            while true {
                let count = try iterator.borrowEntries(forward: true, maxEntries: 64, keys: &keys, values: &values,
                                                       lengths: &lengths)
                seen += keys[..<count]
                XCTAssertTrue(seen.allSatisfy { !touches($0) }, "a value of the damaged block was handed out")
                if count < 64 { return }
            }
        }
        assertCorruption("verify", "offset \(heapOffset + damagedBlock << 12)", path) { () throws(OmenError) in try db.verify() }
        // Compaction reads every value of the runs it merges: it must not copy damage into a new run.
        var fresh: Int64 = -7
        while layout.reference[fresh] != nil { fresh -= 1 }
        try db.put(fresh, [1, 2, 3])
        try db.flush()
        assertCorruption("compaction", expected, path) { () throws(OmenError) in try db.compact() }
        XCTAssertEqual(try db.get(fresh), [1, 2, 3])
        try db.close()
    }

    func testEveryReadPathRefusesDamagedValuesAcrossSizesAndKeys() throws {
        let base = UInt64.random(in: 0..<1 << 32)
        var run = 0
        for sizes in [Sizes.fixed(0), .fixed(1), .fixed(8), .fixed(100), .fixed(5000), .mixed] {
            for keys in Keys.allCases {
                try checkDamage(keys, sizes, bulk: run % 2 == 0, seed: base + UInt64(run))
                run += 1
            }
        }
    }

    /// Concurrent readers of one damaged run: each either reads a correct value or
    /// gets the corruption error — the verified-block bitmap never lets damage through.
    func testConcurrentFirstTouchesAgree() throws {
        let seed = UInt64.random(in: 0..<1 << 32)
        print("StorageValueChecksumTests.testConcurrentFirstTouchesAgree seed \(seed)")
        var rng = SeededGenerator(seed: seed)
        let layout = try makeRun(Self.keys(.sequential, 4000, &rng), sizes: .fixed(100), bulk: true, &rng)
        let target = layout.sorted.randomElement(using: &rng)!
        try Self.flip(layout.runPath, at: layout.fileOffsets[target]!)
        let damagedBlock = (layout.fileOffsets[target]! - RunFormat.headerSize) >> 12
        let db = try Database(directory: layout.path, options: smallOptions(background: false))
        let failures = UnsafeMutablePointer<Int>.allocate(capacity: 4)
        failures.initialize(repeating: 0, count: 4)
        defer { failures.deallocate() }
        DispatchQueueShim.concurrentPerform(iterations: 4) { thread in
            for key in layout.sorted {
                let touches = Self.blocks(layout, key, heapOffset: RunFormat.headerSize).contains(damagedBlock)
                do throws(OmenError) {
                    let value = try db.get(key)
                    if touches || value != layout.reference[key] { failures[thread] += 1 }
                } catch {
                    if !touches || error.code != .corruption { failures[thread] += 1 }
                }
            }
        }
        XCTAssertEqual((0..<4).map { failures[$0] }, [0, 0, 0, 0])
    }
}
