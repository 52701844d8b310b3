/// A PGM-index over a sorted key array: ε-bounded piecewise-linear models, indexed
/// recursively by further PGM levels, with exact error bounds (measured per segment;
/// a lookup's window uses the largest of any leaf).
///
/// The key array is borrowed: the index reads it in place and never copies it.
/// Memory: 56 bytes per leaf segment (a 32-byte `PGMLeaf`, its key again in the
/// level-0 key array the levels route over, and its two measured error bounds), 64 per
/// segment of the levels above (a `BoundedLinearModel` plus its key), plus the leaf
/// radix table's ~6 bytes per leaf segment.
final class PGMIndex: WindowPredictingIndex {
    let keys: UnsafePointer<Int64>
    let count: Int
    let epsilon: Int
    let recursiveEpsilon: Int
    let windowSearch: WindowSearch
    /// The leaf (level-0) segments as the lookup reads them, 64-byte aligned (two per
    /// line), plus a sentinel whose `start` is `count`.
    let leaves: UnsafeMutablePointer<PGMLeaf>
    /// The largest error bounds of any leaf: every lookup's window half-widths.
    let leafErrorBelow: Int
    let leafErrorAbove: Int
    /// Each leaf's own measured bounds (read only to serialize the levels).
    private let leafErrors: UnsafeMutableBufferPointer<(below: Int, above: Int)>
    /// Segments of the levels above the leaves, level 1 first: segment `i` of the
    /// index (`i >= levelStart[1]`) is `inner[i − levelStart[1]]`.
    private let inner: UnsafeMutableBufferPointer<BoundedLinearModel>
    /// The first key of every segment of every level, densely packed, level 0 first:
    /// the search array of the level above.
    let segmentKeys: UnsafeMutableBufferPointer<Int64>
    /// `levelStart[l]..<levelStart[l + 1]` are the segments of level `l`.
    private let levelStart: UnsafeMutableBufferPointer<Int>
    let levelCount: Int
    /// Routes a key to its leaf segment with one table load and a short search;
    /// derived from the leaf keys when the index is built or loaded (not stored).
    let radix: RadixTable

    /// One to two radix buckets per leaf (`RadixTable.init`): a bucket's leaves are
    /// then one or two 32-byte records, and the table is ~6 bytes per leaf, small enough
    /// that table and leaves of a 10M-key index at ε = 16 stay in a 512 KiB L2.
    static let radixExtraBits = 0

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
        let leafCount = levels.first?.count ?? 0
        let leafBytes = (leafCount &+ 1) &* MemoryLayout<PGMLeaf>.stride
        leaves = UnsafeMutableRawPointer.allocate(byteCount: leafBytes, alignment: 64)
            .bindMemory(to: PGMLeaf.self, capacity: leafCount &+ 1)
        leafErrors = .allocate(capacity: max(leafCount, 1))
        inner = .allocate(capacity: max(total &- leafCount, 1))
        var worstBelow = 0, worstAbove = 0
        segmentKeys = .allocate(capacity: max(total, 1))
        levelStart = .allocate(capacity: levels.count + 1)
        var offset = 0
        for (l, level) in levels.enumerated() {
            levelStart[l] = offset
            for segment in level {
                if l == 0 {
                    (leaves + offset).initialize(to: PGMLeaf(segment))
                    leafErrors[offset] = (segment.errorBelow, segment.errorAbove)
                    worstBelow = max(worstBelow, segment.errorBelow)
                    worstAbove = max(worstAbove, segment.errorAbove)
                } else {
                    (inner.baseAddress! + (offset &- leafCount)).initialize(to: segment)
                }
                segmentKeys[offset] = segment.key
                offset += 1
            }
        }
        (leaves + leafCount).initialize(to: PGMLeaf(sentinelAt: count))
        leafErrorBelow = worstBelow
        leafErrorAbove = worstAbove
        levelStart[levels.count] = offset
        levelCount = levels.count
        radix = routesThroughLevels ? RadixTable()
            : RadixTable(keys: segmentKeys.baseAddress!, count: leafCount, extraBits: Self.radixExtraBits)
    }

    /// The segments of each level, level 0 first (for serialization).
    var levels: [[BoundedLinearModel]] {
        guard levelCount > 0 else { return [] }
        let leafLevel = (0..<leafSegmentCount).map { i in
            var model = BoundedLinearModel(key: leaves[i].key, slope: leaves[i].slope, intercept: leaves[i].intercept,
                                           start: leaves[i].start, end: leaves[i &+ 1].start)
            (model.errorBelow, model.errorAbove) = leafErrors[i]
            return model
        }
        return [leafLevel] + (1..<levelCount).map { l in
            Array(inner[(levelStart[l] &- leafSegmentCount)..<(levelStart[l + 1] &- leafSegmentCount)])
        }
    }

    deinit {
        UnsafeMutableRawPointer(leaves).deallocate()
        leafErrors.deallocate()
        inner.deallocate()
        segmentKeys.deallocate()
        levelStart.deallocate()
        radix.deallocate()
    }

    var segmentCount: Int { levelStart[levelCount] }
    var leafSegmentCount: Int { levelCount == 0 ? 0 : levelStart[1] }

    /// The largest error window half-width of any leaf segment.
    var maximumLeafError: Int { max(leafErrorBelow, leafErrorAbove) }

    /// The sizes of the structures one lookup reads a line of, in order: the radix
    /// table and the leaves (or, without a table, every level, then the leaves).
    var routingAccessBytes: [Int] {
        let leafKeyBytes = leafSegmentCount &* MemoryLayout<Int64>.stride
        let leafBytes = (leafSegmentCount &+ 1) &* MemoryLayout<PGMLeaf>.stride
        if radix.starts != nil { return [radix.sizeInBytes, leafBytes] }
        let innerBytes = (1..<max(levelCount, 1)).map { l in
            (levelStart[l + 1] &- levelStart[l]) &* (MemoryLayout<BoundedLinearModel>.stride + MemoryLayout<Int64>.stride)
        }
        return innerBytes + [leafKeyBytes, leafBytes]
    }

    var sizeInBytes: Int {
        (leafSegmentCount &+ 1) * MemoryLayout<PGMLeaf>.stride + inner.count * MemoryLayout<BoundedLinearModel>.stride
            + leafErrors.count * MemoryLayout<(below: Int, above: Int)>.stride
            + segmentCount * MemoryLayout<Int64>.stride + (levelCount + 1) * MemoryLayout<Int>.stride
            + radix.sizeInBytes
    }


    /// The index of the leaf segment responsible for `key`; requires `key > segmentKeys[0]`.
    @inline(__always)
    private func leafIndex(for key: Int64) -> Int {
        let keyBase = UnsafePointer(segmentKeys.baseAddress!)
        if radix.starts != nil {
            let (lo, hi) = radix.range(key)
            let upper = leafUpperBound(lo, hi, key)
            return upper > 0 ? upper &- 1 : 0
        }
        guard levelCount > 1 else { return 0 }
        let leafCount = levelStart[1]
        var index = levelStart[levelCount &- 1]
        var level = levelCount &- 1
        while level > 0 {
            let segment = inner[index &- leafCount]
            let (lo, hi) = segment.window(key)
            let childLevelStart = levelStart[level &- 1]
            let upper = WindowSearchKernels.upperBound(keyBase + childLevelStart, lo, hi, key, windowSearch)
            // `upper ≥ 1` for every query above the first key; the clamp only guards
            // against a (checksummed, validated, yet) inconsistent loaded model.
            index = childLevelStart &+ (upper > 0 ? upper : 1) &- 1
            level &-= 1
        }
        return index
    }

    /// The first leaf in `lo..<hi` whose key is `> key`, or `hi` (branch-free; a radix
    /// bucket holds a few leaves, in one or two cache lines).
    @inline(__always)
    func leafUpperBound(_ lo: Int, _ hi: Int, _ key: Int64) -> Int {
        var first = lo, length = hi &- lo
        while length > 0 {
            let half = length &>> 1
            let right = leaves[first &+ half].key <= key
            first = right ? first &+ half &+ 1 : first
            length = right ? length &- half &- 1 : half
        }
        return first
    }

    /// The data window of `key` in leaf `j`.
    @inline(__always)
    func window(_ key: Int64, leaf j: Int) -> (lo: Int, hi: Int) {
        leaves[j].window(key, end: leaves[j &+ 1].start, errorBelow: leafErrorBelow, errorAbove: leafErrorAbove)
    }

    /// The data window of `key`; requires `key > segmentKeys[0]`.
    @inline(__always)
    private func window(_ key: Int64) -> (lo: Int, hi: Int) {
        window(key, leaf: leafIndex(for: key))
    }

    /// The first position whose key is `>= key` (`count` when every key is smaller).
    @inline(__always)
    func lowerBound(_ key: Int64) -> Int {
        if count == 0 || key <= segmentKeys[0] { return 0 }
        let (lo, hi) = window(key)
        return WindowSearchKernels.search(keys, lo, hi, key, windowSearch)
    }

    /// Issues a prefetch for the data window of `key`, for interleaved batch lookups.
    @inline(__always)
    func prefetchWindow(_ key: Int64) -> (lo: Int, hi: Int) {
        if count == 0 || key <= segmentKeys[0] { return (0, 0) }
        let window = window(key)
        WindowSearchKernels.prefetchLines(keys, window.lo, window.hi)
        return window
    }

    /// The data window searched for `key` (test hook: it must hold the lower bound).
    func dataWindow(_ key: Int64) -> (lo: Int, hi: Int) {
        if count == 0 || key <= segmentKeys[0] { return (0, 0) }
        return window(key)
    }

    @inline(__always)
    func lowerBound(_ key: Int64, in window: (lo: Int, hi: Int)) -> Int {
        WindowSearchKernels.lowerBound(keys, window.lo, window.hi, key, windowSearch)
    }

    /// Visits every segment of every level (for verification and statistics).
    func forEachSegment(_ body: (_ level: Int, _ segment: BoundedLinearModel) -> Void) {
        for (level, segments) in levels.enumerated() {
            for segment in segments { body(level, segment) }
        }
    }
}
