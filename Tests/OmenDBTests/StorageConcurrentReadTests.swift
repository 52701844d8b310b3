import Foundation
import Synchronization
import XCTest
@testable import OmenDB
import OmenTestSupport

/// Lock-free reads of a growing hot tier through the database: one writer commits
/// keys (shuffled, from every test distribution, so the tier's map splits and expands
/// and its retired memory is reclaimed through the reader epochs) while two readers
/// get published keys and scan from them, checked against the writer's record.
final class StorageConcurrentReadTests: XCTestCase {
    func testGetsAndScansDuringInsertsMatchTheWritersRecord() throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        print("StorageConcurrentReadTests seed \(seed)")
        for distribution in [IndexKeyDistribution.uniform, .sequential, .clustered, .extremes] {
            var rng = SeededGenerator(seed: seed)
            var keys = Array(Set(distribution.keys(40_000, seed: seed)))
            keys.shuffle(using: &rng)
            let db = try Database(directory: temporaryDatabaseDirectory(self),
                                  options: smallOptions(hotTierBytes: 64 << 20, sync: .off))
            XCTAssertEqual(try run(db, keys, seed: seed), [], "\(distribution), seed \(seed)")
        }
    }

    private static func value(_ key: Int64) -> [UInt8] { withUnsafeBytes(of: key.byteSwapped) { Array($0) } }

    private func run(_ db: Database, _ keys: [Int64], seed: UInt64) throws -> [String] {
        let published = Atomic<Int>(0)
        let failures = Mutex<[String]>([])
        let known = Set(keys)
        let group = DispatchGroup()
        for reader in 0..<2 {
            group.enter()
            Thread {
                defer { group.leave() }
                var rng = SeededGenerator(seed: seed &+ UInt64(reader))
                do {
                    while true {
                        let visible = published.load(ordering: .acquiring)
                        if visible == keys.count { break }
                        guard visible > 0 else { continue }
                        for _ in 0..<32 {
                            let key = keys[Int.random(in: 0..<visible, using: &rng)]
                            let found = try db.get(key)
                            if found != Self.value(key) {
                                failures.withLock { $0.append("get \(key): \(String(describing: found))") }
                                return
                            }
                        }
                        let iterator = db.snapshot().makeIterator()
                        let start = keys[Int.random(in: 0..<visible, using: &rng)]
                        try iterator.seek(start)
                        var previous: Int64?
                        for step in 0..<100 where iterator.isValid {
                            let key = iterator.key
                            if step == 0 && key != start || previous.map({ key <= $0 }) == true
                                || !known.contains(key) || Array(iterator.value) != Self.value(key) {
                                failures.withLock { $0.append("scan from \(start): step \(step) at key \(key)") }
                                return
                            }
                            previous = key
                            try iterator.next()
                        }
                    }
                } catch {
                    failures.withLock { $0.append("reader error: \(error)") }
                }
            }.start()
        }
        for (index, key) in keys.enumerated() {
            try db.put(key, Self.value(key))
            published.store(index + 1, ordering: .releasing)
        }
        group.wait()
        return failures.withLock { $0 }
    }
}
