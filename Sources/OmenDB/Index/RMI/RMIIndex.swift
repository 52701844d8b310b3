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
/// Memory: 56 bytes per leaf plus 32 for the root.
final class RMIIndex: WindowPredictingIndex {
    let keys: UnsafePointer<Int64>
    let count: Int
    let windowSearch: WindowSearch
    let root: RMIRoot
    private let leaves: UnsafeMutableBufferPointer<BoundedLinearModel>

    /// The leaf count used when the configuration says 0: about one leaf per 64 keys.
    static func defaultLeafCount(keyCount: Int) -> Int {
        min(max(1, keyCount / 64), 1 << 26)
    }

    /// Fits the root, cuts the array where the routing changes leaf, fits each leaf
    /// by least squares and measures its exact errors.
    convenience init(keys: UnsafePointer<Int64>, count: Int, leafCount requested: Int,
                     windowSearch: WindowSearch) {
        let leafCount = requested > 0 ? requested : Self.defaultLeafCount(keyCount: count)
        let root = RMIRoot.fit(keys, count: count, leafCount: leafCount)
        var leaves: [BoundedLinearModel] = []
        leaves.reserveCapacity(leafCount)
        var start = 0
        for j in 0..<leafCount {
            let end = j == leafCount &- 1 ? count : Self.firstPosition(routedAtLeast: j &+ 1, keys, start, count, root)
            var leaf = BoundedLinearModel.leastSquares(keys, start: start, end: end)
            leaf.measureErrors(keys)
            leaves.append(leaf)
            start = end
        }
        self.init(keys: keys, count: count, windowSearch: windowSearch, root: root, leaves: leaves)
    }

    /// An index from an already-fitted root and leaves (built or loaded and validated).
    init(keys: UnsafePointer<Int64>, count: Int, windowSearch: WindowSearch, root: RMIRoot,
         leaves: [BoundedLinearModel]) {
        self.keys = keys
        self.count = count
        self.windowSearch = windowSearch
        self.root = root
        self.leaves = .allocate(capacity: max(leaves.count, 1))
        _ = self.leaves.initialize(from: leaves)
    }

    deinit { leaves.deallocate() }

    /// The first position in `lo..<hi` whose key routes to leaf `>= leaf` (monotone routing).
    private static func firstPosition(routedAtLeast leaf: Int, _ keys: UnsafePointer<Int64>,
                                      _ lo: Int, _ hi: Int, _ root: RMIRoot) -> Int {
        var lo = lo, hi = hi
        while lo < hi {
            let mid = (lo &+ hi) &>> 1
            if root.leaf(keys[mid]) < leaf { lo = mid &+ 1 } else { hi = mid }
        }
        return lo
    }

    var leafCount: Int { root.leafCount }
    var leafModels: [BoundedLinearModel] { Array(leaves) }
    var maximumLeafError: Int { leaves.reduce(0) { max($0, $1.maximumError) } }
    var sizeInBytes: Int { leaves.count * MemoryLayout<BoundedLinearModel>.stride + MemoryLayout<RMIRoot>.stride }

    /// The data window searched for `key` (holds its lower bound).
    @inline(__always)
    func dataWindow(_ key: Int64) -> (lo: Int, hi: Int) {
        leaves[root.leaf(key)].window(key)
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
