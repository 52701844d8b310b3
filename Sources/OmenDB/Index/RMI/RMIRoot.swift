import COmenDBShim

/// The first stage of an RMI: routes a key to one of `leafCount` second-stage models.
///
/// Two shapes, chosen by `RMIIndex` from the data:
/// - **linear**: one least-squares line of key → position, rescaled to leaf numbers
///   (free to evaluate; right when the keys are spread evenly);
/// - **spline**: `knotCount + 1` equal-depth knots (the keys at positions
///   `i · count / knotCount`); a key is routed to the knot interval that holds it
///   (a radix table over the knots narrows that to a search of one bucket) and, inside the
///   interval, linearly to one of its `leafCount / knotCount` leaves. This follows
///   skewed data (lognormal, clusters) that one line cannot.
///
/// Routing is monotone in the key either way (slopes ≥ 0; knots sorted; clamping,
/// interpolation and truncation monotone), so the keys routed to each leaf form one
/// contiguous run of the array and every query routed to leaf `j` has its lower
/// bound inside that run's positions `start...end` (see `RMIIndex`).
///
/// The knot storage is owned by the `RMIIndex` that holds this root.
struct RMIRoot {
    var key: Int64
    var slope: Double
    var intercept: Double
    var leafCount: Int
    /// Spline knots (empty for a linear root).
    var knots: UnsafeBufferPointer<Int64>
    /// A radix table over the knots that narrows the knot search to one bucket
    /// (built with the knots; the `RMIIndex` holding this root frees it).
    var knotRadix: RadixTable

    /// How many knots a spline root uses at most (interval count).
    static let maximumKnotIntervals = 1024

    var knotIntervals: Int { knots.isEmpty ? 0 : knots.count &- 1 }
    var isSpline: Bool { !knots.isEmpty }

    /// The least-squares line of key → position over the keys, rescaled to leaf numbers.
    static func fitLinear(_ keys: UnsafePointer<Int64>, count: Int, leafCount: Int) -> RMIRoot {
        let line = BoundedLinearModel.leastSquares(keys, start: 0, end: count)
        let scale = count > 0 ? Double(leafCount) / Double(count) : 0
        return RMIRoot(key: line.key, slope: line.slope * scale, intercept: line.intercept * scale,
                       leafCount: leafCount, knots: UnsafeBufferPointer(start: nil, count: 0))
    }

    /// A spline root over `intervals` equal-depth intervals with `leavesPerInterval`
    /// leaves each; the knots go into `storage` (`intervals + 1` slots).
    static func fitSpline(_ keys: UnsafePointer<Int64>, count: Int, intervals: Int, leavesPerInterval: Int,
                          storage: UnsafeMutablePointer<Int64>) -> RMIRoot {
        for i in 0...intervals {
            storage[i] = keys[min(count &- 1, Int(Double(i) / Double(intervals) * Double(count)))]
        }
        storage[intervals] = keys[count &- 1]
        return RMIRoot(key: 0, slope: 0, intercept: 0, leafCount: intervals &* leavesPerInterval,
                       knots: UnsafeBufferPointer(start: storage, count: intervals &+ 1))
    }

    init(key: Int64, slope: Double, intercept: Double, leafCount: Int, knots: UnsafeBufferPointer<Int64>) {
        self.key = key
        self.slope = slope.isFinite && slope > 0 ? slope : 0
        self.intercept = intercept.isFinite ? intercept : 0
        self.leafCount = leafCount
        self.knots = knots
        knotRadix = knots.count >= 2 ? RadixTable(keys: knots.baseAddress!, count: knots.count) : RadixTable()
    }

    /// The leaf (`0..<leafCount`) responsible for `query`.
    @inline(__always)
    func leaf(_ query: Int64) -> Int {
        isSpline ? splineLeaf(query) : linearLeaf(query)
    }

    @inline(__always)
    private func linearLeaf(_ query: Int64) -> Int {
        let dx = query > key ? Double(UInt64(bitPattern: query &- key)) : 0
        let predicted = intercept + slope * dx
        let last = Double(leafCount &- 1)
        return Int(predicted < 0 ? 0 : (predicted > last ? last : predicted))
    }

    @inline(__always)
    private func splineLeaf(_ query: Int64) -> Int {
        let intervals = knots.count &- 1
        let k = knots.baseAddress!
        // Interval s: the number of interior knots ≤ query, found inside one radix bucket.
        let s: Int
        if query < k[0] {
            s = 0
        } else {
            let (lo, hi) = knotRadix.range(query)
            let upper = odb_shim_upper_bound_branchless(k, lo, hi, query)  // knots ≤ query, k[0] among them
            s = upper &- 1 < intervals &- 1 ? upper &- 1 : intervals &- 1
        }
        let low = k[s], high = k[s &+ 1]
        let perInterval = leafCount / intervals
        let dx = query > low ? Double(UInt64(bitPattern: query &- low)) : 0
        let width = high > low ? Double(UInt64(bitPattern: high &- low)) : 1
        var within = dx / width * Double(perInterval)
        let last = Double(perInterval &- 1)
        within = within > last ? last : within
        return s &* perInterval &+ Int(within)
    }
}
