/// What a committing transaction's validation compares with later commits: the keys
/// it writes and the ranges it deletes, and under SERIALIZABLE the keys it read and the
/// ranges it scanned.
/// Built once at commit (sorted, ranges merged), then each later commit's keys are
/// checked by binary search.
struct ConflictFootprint {
    private let writes: [Int64]
    private let reads: [Int64]
    /// Disjoint, sorted, inclusive ranges.
    private let ranges: [ClosedRange<Int64>]
    /// Range deletes (few: checked one by one).
    private let deletedRanges: [ClosedRange<Int64>]

    init(writes: [Int64], reads: [Int64], ranges: [ClosedRange<Int64>], deletedRanges: [ClosedRange<Int64>] = []) {
        self.writes = writes.sorted()
        self.reads = reads.sorted()
        self.deletedRanges = deletedRanges
        var merged: [ClosedRange<Int64>] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = merged.last, range.lowerBound <= last.upperBound || range.lowerBound == last.upperBound &+ 1 {
                merged[merged.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        self.ranges = merged
    }

    /// How a later commit's keys met the footprint.
    enum Meeting {
        case wroteSameKey(Int64)
        case readKey(Int64)
        case scannedRange(ClosedRange<Int64>)
        case deletedRange(ClosedRange<Int64>)
    }

    /// The first part of the footprint inside `low...high`, or nil.
    func meets(_ low: Int64, _ high: Int64) -> Meeting? {
        if let key = Self.firstKey(in: writes, low, high) { return .wroteSameKey(key) }
        if let key = Self.firstKey(in: reads, low, high) { return .readKey(key) }
        if let range = deletedRanges.first(where: { $0.overlaps(low...high) }) { return .deletedRange(range) }
        // The last range starting at or below `high` is the only candidate (disjoint, sorted).
        var lower = 0, upper = ranges.count
        while lower < upper {
            let middle = (lower + upper) / 2
            if ranges[middle].lowerBound <= high { lower = middle + 1 } else { upper = middle }
        }
        if lower > 0 && ranges[lower - 1].upperBound >= low { return .scannedRange(ranges[lower - 1]) }
        return nil
    }

    private static func firstKey(in keys: [Int64], _ low: Int64, _ high: Int64) -> Int64? {
        var lower = 0, upper = keys.count
        while lower < upper {
            let middle = (lower + upper) / 2
            if keys[middle] < low { lower = middle + 1 } else { upper = middle }
        }
        return lower < keys.count && keys[lower] <= high ? keys[lower] : nil
    }
}

/// A transaction's footprints, one per table it touched (validation compares a later
/// commit's keys only with the footprint of the same table).
struct TablesFootprint {
    /// By table id, ascending (a transaction touches few tables: searched linearly).
    let parts: [(table: UInt32, footprint: ConflictFootprint)]

    @inline(__always)
    func part(_ table: UInt32) -> ConflictFootprint? {
        if parts.count == 1 { return parts[0].table == table ? parts[0].footprint : nil }
        return parts.first { $0.table == table }?.footprint
    }
}
