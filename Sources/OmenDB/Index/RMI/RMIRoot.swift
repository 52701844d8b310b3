/// The first stage of an RMI: a linear model that routes a key to one of
/// `leafCount` second-stage models.
///
/// Routing is monotone in the key (slope ≥ 0; `max`, clamping and truncation are
/// monotone), so the keys routed to each leaf form one contiguous run of the array
/// and every query routed to leaf `j` has its lower bound inside that run's
/// positions `start...end` (see `RMIIndex`).
struct RMIRoot {
    var key: Int64
    var slope: Double
    var intercept: Double
    var leafCount: Int

    /// The least-squares line of key → position over the keys, rescaled to leaf numbers.
    static func fit(_ keys: UnsafePointer<Int64>, count: Int, leafCount: Int) -> RMIRoot {
        let line = BoundedLinearModel.leastSquares(keys, start: 0, end: count)
        let scale = count > 0 ? Double(leafCount) / Double(count) : 0
        return RMIRoot(key: line.key, slope: line.slope * scale, intercept: line.intercept * scale,
                       leafCount: leafCount)
    }

    init(key: Int64, slope: Double, intercept: Double, leafCount: Int) {
        self.key = key
        self.slope = slope.isFinite && slope > 0 ? slope : 0
        self.intercept = intercept.isFinite ? intercept : 0
        self.leafCount = leafCount
    }

    /// The leaf (`0..<leafCount`) responsible for `query`.
    @inline(__always)
    func leaf(_ query: Int64) -> Int {
        let dx = query > key ? Double(UInt64(bitPattern: query &- key)) : 0
        let predicted = intercept + slope * dx
        let last = Double(leafCount &- 1)
        return Int(predicted < 0 ? 0 : (predicted > last ? last : predicted))
    }
}
