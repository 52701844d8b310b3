import Foundation
import Synchronization
import XCTest
@testable import OmenDB
import OmenTestSupport

/// A concurrent-read ALEX map (the hot tier's) under one writer and two optimistic
/// readers, checked against the writer's own record of what it inserted: every key
/// the writer published must be found with its payload, never absent or wrong, and
/// every batch a reader collects must be strictly ordered with correct payloads. Keys
/// arrive in shuffled order from every test distribution, so the tree splits, expands
/// and grows levels while the readers run.
final class ALEXConcurrentReadTests: XCTestCase {
    func testOptimisticReadsDuringInsertsMatchTheWritersRecord() throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        print("ALEXConcurrentReadTests seed \(seed)")
        for distribution in IndexKeyDistribution.allCases {
            var rng = SeededGenerator(seed: seed ^ UInt64(IndexKeyDistribution.allCases.firstIndex(of: distribution)!))
            var keys = Array(Set(distribution.keys(60_000, seed: seed)))
            keys.shuffle(using: &rng)
            let failures = check(keys, seed: seed)
            XCTAssertEqual(failures, [], "\(distribution), seed \(seed)")
        }
    }

    /// Payload of the key inserted `index`-th (never 0, so a zero read is a torn read).
    private static func payload(_ index: Int) -> UInt64 { UInt64(index) &* 0x9E37_79B9 &+ 1 }

    private func check(_ keys: [Int64], seed: UInt64) -> [String] {
        let map = ALEXMap(concurrentReads: true)
        let published = Atomic<Int>(0)
        let failures = Mutex<[String]>([])
        let byKey = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0) })
        let group = DispatchGroup()
        for reader in 0..<2 {
            group.enter()
            Thread {
                defer { group.leave() }
                var rng = SeededGenerator(seed: seed &+ UInt64(reader))
                let batchKeys = UnsafeMutablePointer<Int64>.allocate(capacity: 32)
                let batchPayloads = UnsafeMutablePointer<UInt64>.allocate(capacity: 32)
                defer { batchKeys.deallocate(); batchPayloads.deallocate() }
                var rounds = 0
                while true {
                    let visible = published.load(ordering: .acquiring)
                    if visible == keys.count && rounds > 0 { break }
                    rounds += 1
                    guard visible > 0 else { continue }
                    for _ in 0..<64 {
                        let index = Int.random(in: 0..<visible, using: &rng)
                        let found = map.optimisticFind(keys[index])
                        if found != Self.payload(index) {
                            failures.withLock { $0.append("key \(keys[index]) (#\(index)): found \(String(describing: found))") }
                            return
                        }
                    }
                    let start = keys[Int.random(in: 0..<visible, using: &rng)]
                    let forward = Bool.random(using: &rng)
                    let count = map.optimisticCollect(from: start, forward: forward, limit: 32,
                                                      keys: batchKeys, payloads: batchPayloads)
                    for i in 0..<count {
                        let key = batchKeys[i]
                        let ordered = i == 0 ? (forward ? key >= start : key <= start)
                            : (forward ? key > batchKeys[i - 1] : key < batchKeys[i - 1])
                        guard ordered, let index = byKey[key], batchPayloads[i] == Self.payload(index) else {
                            failures.withLock { $0.append("collect from \(start) (forward \(forward)): entry \(i) key \(key) payload \(batchPayloads[i])") }
                            return
                        }
                    }
                    if count == 0 {
                        failures.withLock { $0.append("collect from \(start), a published key, found nothing") }
                        return
                    }
                }
            }.start()
        }
        for (index, key) in keys.enumerated() {
            map.upsert(key, Self.payload(index))
            published.store(index + 1, ordering: .releasing)
        }
        group.wait()
        return failures.withLock { $0 }
    }
}
