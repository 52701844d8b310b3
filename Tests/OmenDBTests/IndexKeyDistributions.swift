@testable import OmenDB

typealias IndexTestRandom = SeededGenerator

import Glibc
import OmenTestSupport

/// The key distributions every index kind is tested (and benchmarked) on.
enum IndexKeyDistribution: String, CaseIterable {
    case sequential, sequentialWithGaps, uniform, lognormal, normal, clustered, duplicates, extremes

    /// `count` sorted keys (duplicates only where the distribution has them).
    func keys(_ count: Int, seed: UInt64 = 42) -> [Int64] {
        var rng = IndexTestRandom(seed: seed ^ UInt64(count))
        var keys: [Int64] = []
        keys.reserveCapacity(count)
        switch self {
        case .sequential:
            for i in 0..<count { keys.append(Int64(i) + 1_000) }
        case .sequentialWithGaps:
            var k: Int64 = -5_000
            for _ in 0..<count {
                keys.append(k)
                k += rng.next() % 10 == 0 ? Int64(rng.next() % 100_000) + 1 : 1
            }
        case .uniform:
            for _ in 0..<count { keys.append(Int64(bitPattern: rng.next())) }
        case .lognormal:
            for _ in 0..<count { keys.append(Int64(min(exp(2 * rng.normal()) * 1e9, 9e18))) }
        case .normal:
            for _ in 0..<count { keys.append(Int64(rng.normal() * 1e15)) }
        case .clustered:
            var k = Int64.min / 2
            while keys.count < count {
                let run = 1 + Int(rng.next() % 500)
                for _ in 0..<min(run, count - keys.count) { keys.append(k); k += 1 + Int64(rng.next() % 3) }
                k += Int64(rng.next() % (1 << 48)) + (1 << 40)
            }
        case .duplicates:
            let prefix = count / 4
            for _ in 0..<prefix { keys.append(-7) }
            while keys.count < count {
                let key = Int64(rng.next() % 1000) * 1_000_003
                for _ in 0..<min(1 + Int(rng.next() % 40), count - keys.count) { keys.append(key) }
            }
        case .extremes:
            let edge = [Int64.min, Int64.min, Int64.min + 1, Int64.max - 1, Int64.max, Int64.max]
            keys.append(contentsOf: edge.prefix(count))
            while keys.count < count { keys.append(Int64(bitPattern: rng.next()) >> Int64(rng.next() % 60)) }
        }
        keys.sort()
        return keys
    }
}

/// The independent reference: plain binary search over the sorted array.
enum IndexReference {
    static func lowerBound(_ keys: [Int64], _ key: Int64) -> Int {
        var lo = 0, hi = keys.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if keys[mid] < key { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Every key, its absent neighbours, values below the minimum and above the
    /// maximum, and some uniformly random values.
    static func queries(_ keys: [Int64], random: Int, seed: UInt64 = 7) -> [Int64] {
        var rng = IndexTestRandom(seed: seed)
        var queries: [Int64] = [Int64.min, Int64.max, 0, -1, 1]
        for key in keys {
            queries.append(key)
            queries.append(key &+ 1)
            queries.append(key &- 1)
        }
        if let first = keys.first, first > Int64.min {
            queries.append(first - 1)
            queries.append(Int64.min + Int64(rng.next() % UInt64(bitPattern: first &- Int64.min)))
        }
        if let last = keys.last, last < Int64.max { queries.append(last + 1) }
        for _ in 0..<random { queries.append(Int64(bitPattern: rng.next())) }
        return queries
    }
}
