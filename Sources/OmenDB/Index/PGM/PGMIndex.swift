/// A PGM-index over a sorted key array: ε-bounded piecewise-linear models, indexed
/// recursively by further PGM levels, with exact per-segment error bounds.
///
/// The key array is borrowed: the index reads it in place and never copies it.
/// Memory: 64 bytes per segment (a `BoundedLinearModel` plus its key in the level's key
/// array), plus the leaf radix table's ~16 bytes per leaf segment.
final class PGMIndex: WindowPredictingIndex {
    let keys: UnsafePointer<Int64>
    let count: Int
    let epsilon: Int
    let recursiveEpsilon: Int
    let windowSearch: WindowSearch
    /// Segments of every level, level 0 (over the data) first.
    private let segments: UnsafeMutableBufferPointer<BoundedLinearModel>
    /// `segments[i].key`, densely packed: the search array of the level above.
    private let segmentKeys: UnsafeMutableBufferPointer<Int64>
    /// `levelStart[l]..<levelStart[l + 1]` are the segments of level `l`.
    private let levelStart: UnsafeMutableBufferPointer<Int>
    let levelCount: Int
    /// Routes a key to its leaf segment with one table load and a short search;
    /// derived from the leaf keys when the index is built or loaded (not stored).
    private let radix: RadixTable

    /// Builds the index: fits level 0 over the keys, then each level over the first
    /// keys of the level below, up to a single root segment.
    convenience init(keys: UnsafePointer<Int64>, count: Int, epsilon: Int, recursiveEpsilon: Int,
                     windowSearch: WindowSearch, routesThroughLevels: Bool = false) {
        var levels: [[BoundedLinearModel]] = []
        if count > 0 {
            levels.append(PGMBuilder.fitLevel(keys, count: count, epsilon: epsilon))
            while levels[levels.count - 1].count > 1 {
                let below = levels[levels.count - 1].map(\.key)
                var level = below.withUnsafeBufferPointer {
                    PGMBuilder.fitLevel($0.baseAddress!, count: $0.count, epsilon: recursiveEpsilon)
                }
                if level.count >= below.count {
                    // No progress: only two keys more than 2^63 apart do that (see OptimalPLA).
                    level = below.withUnsafeBufferPointer { PGMBuilder.singleSegment($0.baseAddress!, count: $0.count) }
                }
                levels.append(level)
            }
        }
        self.init(keys: keys, count: count, epsilon: epsilon, recursiveEpsilon: recursiveEpsilon,
                  windowSearch: windowSearch, levels: levels, routesThroughLevels: routesThroughLevels)
    }

    /// An index from already-fitted levels (built or loaded; the caller validated them).
    /// `routesThroughLevels` skips the radix table so that tests exercise the levels.
    init(keys: UnsafePointer<Int64>, count: Int, epsilon: Int, recursiveEpsilon: Int,
         windowSearch: WindowSearch, levels: [[BoundedLinearModel]], routesThroughLevels: Bool = false) {
        self.keys = keys
        self.count = count
        self.epsilon = epsilon
        self.recursiveEpsilon = recursiveEpsilon
        self.windowSearch = windowSearch
        let total = levels.reduce(0) { $0 + $1.count }
        segments = .allocate(capacity: max(total, 1))
        segmentKeys = .allocate(capacity: max(total, 1))
        levelStart = .allocate(capacity: levels.count + 1)
        var offset = 0
        for (l, level) in levels.enumerated() {
            levelStart[l] = offset
            for segment in level {
                segments[offset] = segment
                segmentKeys[offset] = segment.key
                offset += 1
            }
        }
        levelStart[levels.count] = offset
        levelCount = levels.count
        let leaves = levels.first?.count ?? 0
        radix = routesThroughLevels ? RadixTable() : RadixTable(keys: segmentKeys.baseAddress!, count: leaves)
    }

    /// The segments of each level, level 0 first (for serialization).
    var levels: [[BoundedLinearModel]] {
        (0..<levelCount).map { l in Array(segments[levelStart[l]..<levelStart[l + 1]]) }
    }

    deinit {
        segments.deallocate()
        segmentKeys.deallocate()
        levelStart.deallocate()
        radix.deallocate()
    }

    var segmentCount: Int { levelStart[levelCount] }
    var leafSegmentCount: Int { levelCount == 0 ? 0 : levelStart[1] }

    /// The largest error window half-width of any leaf segment.
    var maximumLeafError: Int {
        var worst = 0
        for i in 0..<leafSegmentCount {
            worst = max(worst, Int(segments[i].errorBelow), Int(segments[i].errorAbove))
        }
        return worst
    }

    var sizeInBytes: Int {
        segmentCount * (MemoryLayout<BoundedLinearModel>.stride + MemoryLayout<Int64>.stride)
            + (levelCount + 1) * MemoryLayout<Int>.stride + radix.sizeInBytes
    }


    /// The leaf segment responsible for `key`; requires `key >= keys[0]` and `count > 0`.
    @inline(__always)
    private func leafSegment(for key: Int64) -> BoundedLinearModel {
        let segmentBase = segments.baseAddress!
        let keyBase = UnsafePointer(segmentKeys.baseAddress!)
        if radix.starts != nil {
            let (lo, hi) = radix.range(key)
            let upper = WindowSearchKernels.upperBoundBranchless(keyBase, lo, hi, key)
            return segmentBase[upper > 0 ? upper &- 1 : 0]
        }
        var index = levelStart[levelCount &- 1]
        var level = levelCount &- 1
        while level > 0 {
            let segment = segmentBase[index]
            let (lo, hi) = segment.window(key)
            let childLevelStart = levelStart[level &- 1]
            let upper = WindowSearchKernels.upperBound(keyBase + childLevelStart, lo, hi, key, windowSearch)
            // `upper ≥ 1` for every query above the first key; the clamp only guards
            // against a (checksummed, validated, yet) inconsistent loaded model.
            index = childLevelStart &+ (upper > 0 ? upper : 1) &- 1
            level &-= 1
        }
        return segmentBase[index]
    }

    /// The first position whose key is `>= key` (`count` when every key is smaller).
    @inline(__always)
    func lowerBound(_ key: Int64) -> Int {
        if count == 0 || key <= segmentKeys[0] { return 0 }
        let segment = leafSegment(for: key)
        let (lo, hi) = segment.window(key)
        return WindowSearchKernels.search(keys, lo, hi, key, windowSearch)
    }

    /// Issues a prefetch for the data window of `key`, for interleaved batch lookups.
    @inline(__always)
    func prefetchWindow(_ key: Int64) -> (lo: Int, hi: Int) {
        if count == 0 || key <= segmentKeys[0] { return (0, 0) }
        let window = leafSegment(for: key).window(key)
        WindowSearchKernels.prefetchLines(keys, window.lo, window.hi)
        return window
    }

    /// The data window searched for `key` (test hook: it must hold the lower bound).
    func dataWindow(_ key: Int64) -> (lo: Int, hi: Int) {
        if count == 0 || key <= segmentKeys[0] { return (0, 0) }
        return leafSegment(for: key).window(key)
    }

    @inline(__always)
    func lowerBound(_ key: Int64, in window: (lo: Int, hi: Int)) -> Int {
        WindowSearchKernels.lowerBound(keys, window.lo, window.hi, key, windowSearch)
    }

    /// Visits every segment of every level (for verification and statistics).
    func forEachSegment(_ body: (_ level: Int, _ segment: BoundedLinearModel) -> Void) {
        for level in 0..<levelCount {
            for i in levelStart[level]..<levelStart[level + 1] { body(level, segments[i]) }
        }
    }
}
