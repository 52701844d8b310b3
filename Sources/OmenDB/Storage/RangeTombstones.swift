/// One range delete: every key in `first...last` (inclusive) written before
/// `sequence` is deleted (docs/storage.md, "Range tombstones").
struct RangeTombstone: Equatable {
    var first: Int64
    var last: Int64
    var sequence: UInt64
}

/// An immutable set of range tombstones, sorted by `first`, with the running maximum
/// of `last`, for stabbing queries ("which tombstones cover key k?") without
/// allocating: a binary search for the last tombstone starting at or below `k`, then
/// a walk down while the running maximum still reaches `k` (one step for disjoint
/// tombstones, as a run's are; more only for nested ones).
///
/// 32 bytes per tombstone (first, last, sequence and the running maximum). Readers use
/// it through `Unmanaged` (the owning `HotTier` / `RunFile` / `StorageView` keeps it
/// alive), so a query writes no shared memory.
final class RangeTombstoneList {
    let count: Int
    private let firsts: UnsafeMutablePointer<Int64>
    private let lasts: UnsafeMutablePointer<Int64>
    private let sequences: UnsafeMutablePointer<UInt64>
    private let reach: UnsafeMutablePointer<Int64>

    /// `tombstones` in any order (sorted here).
    init(_ tombstones: [RangeTombstone]) {
        let sorted = tombstones.sorted { ($0.first, $0.last, $0.sequence) < ($1.first, $1.last, $1.sequence) }
        count = sorted.count
        firsts = .allocate(capacity: max(count, 1))
        lasts = .allocate(capacity: max(count, 1))
        sequences = .allocate(capacity: max(count, 1))
        reach = .allocate(capacity: max(count, 1))
        var maximum = Int64.min
        for (i, t) in sorted.enumerated() {
            firsts[i] = t.first
            lasts[i] = t.last
            sequences[i] = t.sequence
            maximum = max(maximum, t.last)
            reach[i] = maximum
        }
    }

    deinit {
        firsts.deallocate()
        lasts.deallocate()
        sequences.deallocate()
        reach.deallocate()
    }

    var tombstones: [RangeTombstone] {
        (0..<count).map { RangeTombstone(first: firsts[$0], last: lasts[$0], sequence: sequences[$0]) }
    }

    /// The largest sequence (at most `sequence`) of a tombstone covering `key`, or 0.
    @inline(__always)
    func newestCovering(_ key: Int64, atOrBelow sequence: UInt64) -> UInt64 {
        var low = 0, high = count
        while low < high {
            let middle = (low &+ high) >> 1
            if firsts[middle] <= key { low = middle &+ 1 } else { high = middle }
        }
        var i = low &- 1
        var best: UInt64 = 0
        while i >= 0 && reach[i] >= key {
            if lasts[i] >= key && sequences[i] <= sequence && sequences[i] > best { best = sequences[i] }
            i &-= 1
        }
        return best
    }

    /// The range of a tombstone covering `key` with a sequence in `(above, atOrBelow]`, or nil.
    func covering(_ key: Int64, above: UInt64, atOrBelow sequence: UInt64) -> ClosedRange<Int64>? {
        var low = 0, high = count
        while low < high {
            let middle = (low &+ high) >> 1
            if firsts[middle] <= key { low = middle &+ 1 } else { high = middle }
        }
        var i = low &- 1
        while i >= 0 && reach[i] >= key {
            if lasts[i] >= key && sequences[i] > above && sequences[i] <= sequence { return firsts[i]...lasts[i] }
            i &-= 1
        }
        return nil
    }

    /// Whether any tombstone covers `key` (whatever its sequence: a run's tombstones are
    /// visible to every reader of a view holding the run).
    @inline(__always)
    func covers(_ key: Int64) -> Bool { newestCovering(key, atOrBelow: .max) != 0 }

    /// The tombstones with overlapping or adjacent ranges merged (largest sequence kept):
    /// disjoint and sorted, as a run stores them (reads ignore a run tombstone's sequence).
    static func coalesced(_ tombstones: [RangeTombstone]) -> [RangeTombstone] {
        var merged: [RangeTombstone] = []
        for t in tombstones.sorted(by: { $0.first < $1.first }) {
            if var last = merged.last, last.last == Int64.max || t.first <= last.last &+ 1 {
                last.last = max(last.last, t.last)
                last.sequence = max(last.sequence, t.sequence)
                merged[merged.count - 1] = last
            } else {
                merged.append(t)
            }
        }
        return merged
    }
}
