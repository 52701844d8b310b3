import COmenDBShim

/// A two-stage recursive model index (Kraska et al.): a linear root routes each key
/// to one of `leafCount` least-squares linear leaves; each leaf has exact error
/// bounds measured over every key routed to it.
///
/// Exactness for absent keys: routing is monotone, so the keys routed to leaf `j`
/// are exactly positions `start_j..<end_j`, and a query `q` routed to `j` is greater
/// than every key of the leaves before and smaller than every key of the leaves
/// after: its lower bound is in `start_j...end_j`, where the leaf's window (monotone
/// prediction, errors measured as in `BoundedLinearModel`) finds it.
///
/// Memory: 32 bytes per leaf (`RMILeaf`) plus 40 for the root and 8 per spline knot.
final class RMIIndex: WindowPredictingIndex {
    let keys: UnsafePointer<Int64>
    let count: Int
    let windowSearch: WindowSearch
    let root: RMIRoot
    private let leaves: UnsafeMutableBufferPointer<RMILeaf>
    private let knotStorage: UnsafeMutableBufferPointer<Int64>?

    /// The leaf count used when the configuration says 0: about one leaf per
    /// `defaultKeysPerLeaf` keys.
    static func defaultLeafCount(keyCount: Int) -> Int {
        min(max(1, keyCount / defaultKeysPerLeaf), 1 << 26)
    }

    static let defaultKeysPerLeaf = 256

    /// Fits the root (linear, or a spline when one line routes the keys too unevenly),
    /// cuts the array where the routing changes leaf, fits each leaf by least squares
    /// and measures its exact errors. Never more leaves than keys (at least one): a
    /// leaf without a key is a model that finds nothing and costs 32 bytes.
    convenience init(keys: UnsafePointer<Int64>, count: Int, leafCount requested: Int,
                     windowSearch: WindowSearch) {
        let leafCount = requested > 0 ? min(requested, max(1, count)) : Self.defaultLeafCount(keyCount: count)
        var root = RMIRoot.fitLinear(keys, count: count, leafCount: leafCount)
        var starts = Self.leafStarts(keys, count, root)
        var knotStorage: UnsafeMutableBufferPointer<Int64>?
        if Self.routesUnevenly(starts, count) {
            let intervals = min(RMIRoot.maximumKnotIntervals, leafCount)
            let storage = UnsafeMutableBufferPointer<Int64>.allocate(capacity: intervals &+ 1)
            root = RMIRoot.fitSpline(keys, count: count, intervals: intervals,
                                     leavesPerInterval: leafCount / intervals, storage: storage.baseAddress!)
            starts = Self.leafStarts(keys, count, root)
            knotStorage = storage
        }
        var leaves: [RMILeaf] = []
        leaves.reserveCapacity(root.leafCount)
        for j in 0..<root.leafCount {
            leaves.append(RMILeaf.fit(keys, start: starts[j], end: j &+ 1 < root.leafCount ? starts[j &+ 1] : count))
        }
        self.init(keys: keys, count: count, windowSearch: windowSearch, root: root, leaves: leaves,
                  knotStorage: knotStorage)
    }

    /// An index from an already-fitted root and leaves (built or loaded and validated);
    /// it takes ownership of `knotStorage`, which holds the root's knots.
    init(keys: UnsafePointer<Int64>, count: Int, windowSearch: WindowSearch, root: RMIRoot,
         leaves: [RMILeaf], knotStorage: UnsafeMutableBufferPointer<Int64>?) {
        self.keys = keys
        self.count = count
        self.windowSearch = windowSearch
        self.root = root
        self.knotStorage = knotStorage
        self.leaves = .allocate(capacity: max(leaves.count, 1))
        _ = self.leaves.initialize(from: leaves)
    }

    deinit {
        leaves.deallocate()
        knotStorage?.deallocate()
        root.knotRadix.deallocate()
    }

    /// The first position of every leaf under `root` (monotone routing: binary searches).
    private static func leafStarts(_ keys: UnsafePointer<Int64>, _ count: Int, _ root: RMIRoot) -> [Int] {
        var starts = [Int](repeating: 0, count: root.leafCount)
        var start = 0
        for j in 1..<max(1, root.leafCount) {
            start = firstPosition(routedAtLeast: j, keys, start, count, root)
            starts[j] = start
        }
        return starts
    }

    /// Whether the leaves' sizes are so uneven that a spline root pays for its knot
    /// search: the expected binary-search depth of a key's leaf, Σ size·log2(size)/n,
    /// is more than one step above that of equal leaves.
    private static func routesUnevenly(_ starts: [Int], _ count: Int) -> Bool {
        guard count >= 4096, starts.count >= 2 else { return false }
        var depth = 0.0
        for j in starts.indices {
            let size = Double((j &+ 1 < starts.count ? starts[j &+ 1] : count) &- starts[j])
            if size > 1 { depth += size * log2(size) }
        }
        let balanced = log2(Double(count) / Double(starts.count) + 1)
        return depth / Double(count) > balanced + 1
    }

    /// log2 to within 0.09 (exponent plus the significand's linear interpolation), x > 0.
    private static func log2(_ x: Double) -> Double { Double(x.exponent) + (x.significand - 1) }


    /// The first position in `lo..<hi` whose key routes to leaf `>= leaf` (monotone routing).
    private static func firstPosition(routedAtLeast leaf: Int, _ keys: UnsafePointer<Int64>,
                                      _ lo: Int, _ hi: Int, _ root: RMIRoot) -> Int {
        // Galloping from `lo` (the previous leaf's start: the answer is usually a leaf's
        // width away), then a binary search of the last step: about 2·log2(leaf width)
        // probes in nearby lines instead of log2(count) spread over the whole array.
        // Invariant: every position below `lo` routes below `leaf`; `hi` routes to `leaf`
        // or above (or is the end).
        var lo = lo, hi = hi
        var step = 1
        while lo &+ step < hi {
            let probe = lo &+ step
            if root.leaf(keys[probe]) >= leaf {
                hi = probe
                break
            }
            lo = probe &+ 1
            step &<<= 1
        }
        while lo < hi {
            let mid = (lo &+ hi) &>> 1
            if root.leaf(keys[mid]) < leaf { lo = mid &+ 1 } else { hi = mid }
        }
        return lo
    }

    var leafCount: Int { root.leafCount }
    var leafModels: [RMILeaf] { Array(leaves) }
    /// One past the last position of leaf `j`.
    func leafEnd(_ j: Int) -> Int { j &+ 1 < leaves.count ? leaves[j &+ 1].start : count }
    var maximumLeafError: Int { leaves.reduce(0) { max($0, $1.maximumError) } }
    var sizeInBytes: Int {
        leaves.count * MemoryLayout<RMILeaf>.stride + MemoryLayout<RMIRoot>.stride
            + root.knots.count * MemoryLayout<Int64>.stride + root.knotRadix.sizeInBytes
    }

    /// The data window searched for `key` (holds its lower bound).
    @inline(__always)
    func dataWindow(_ key: Int64) -> (lo: Int, hi: Int) {
        leaves[root.leaf(key)].window(key, arrayCount: count)
    }

    /// Starts loading the leaf that `key` routes to (first stage of a batched lookup).
    @inline(__always)
    func prefetchModel(_ key: Int64) {
        odb_prefetch(UnsafeRawPointer(leaves.baseAddress! + root.leaf(key)))
    }

    /// The first position whose key is `>= key` (`count` when every key is smaller).
    @inline(__always)
    func lowerBound(_ key: Int64) -> Int {
        let (lo, hi) = dataWindow(key)
        return WindowSearchKernels.search(keys, lo, hi, key, windowSearch)
    }

    @inline(__always)
    func prefetchWindow(_ key: Int64) -> (lo: Int, hi: Int) {
        let window = dataWindow(key)
        WindowSearchKernels.prefetchLines(keys, window.lo, window.hi)
        return window
    }

    @inline(__always)
    func lowerBound(_ key: Int64, in window: (lo: Int, hi: Int)) -> Int {
        WindowSearchKernels.lowerBound(keys, window.lo, window.hi, key, windowSearch)
    }
}
