/// A linear model over the target positions `start..<end` of a sorted array, with
/// exact error bounds: the building block of every learned-index kind (a PGM segment,
/// an RMI leaf, the single model of a linear index).
///
/// The model predicts `start + clamp(intercept + slope · max(0, query − key), 0, end − start)`,
/// where `key` is the first key it covers. The prediction is monotone in `query`
/// (slope ≥ 0, clamping and truncation are monotone), and `errorBelow`/`errorAbove`
/// are measured over every distinct key it covers (`measureErrors`), so for *any*
/// query routed to it — present or absent — the lower bound (and upper bound) lies
/// in `window(query)`. Proof sketch: if `k_{a−1} < q ≤ k_a` then
/// `pred(k_{a−1}) ≤ pred(q) ≤ pred(k_a)`, so
/// `pred(q) − firstPos(k_a) ≤ pred(k_a) − firstPos(k_a) ≤ errorBelow` and
/// `firstPos(k_a) − pred(q) ≤ endPos(k_{a−1}) − pred(k_{a−1}) ≤ errorAbove`.
///
/// Memory: 56 bytes.
struct BoundedLinearModel {
    var key: Int64
    var slope: Double
    /// The prediction at `key`, relative to `start`.
    var intercept: Double
    var start: Int
    var end: Int
    var errorBelow: Int
    var errorAbove: Int

    /// A model that has not been measured yet (errors 0).
    init(key: Int64, slope: Double, intercept: Double, start: Int, end: Int) {
        self.key = key
        self.slope = slope.isFinite && slope > 0 ? slope : 0
        self.intercept = intercept.isFinite ? intercept : 0
        self.start = start
        self.end = end
        self.errorBelow = 0
        self.errorAbove = 0
    }

    /// The predicted position of `query` (monotone; queries below `key` predict as `key`).
    @inline(__always)
    func predict(_ query: Int64) -> Int {
        let dx = query > key ? Double(UInt64(bitPattern: query &- key)) : 0
        var relative = intercept + slope * dx
        let width = Double(end &- start)
        relative = relative < 0 ? 0 : (relative > width ? width : relative)
        return start &+ Int(relative)
    }

    /// The window `[lo, hi]` (inside `start...end`) that holds the lower and upper
    /// bound of any `query` routed to this model.
    @inline(__always)
    func window(_ query: Int64) -> (lo: Int, hi: Int) {
        let p = predict(query)
        let lo = p &- errorBelow
        let hi = p &+ errorAbove
        return (lo < start ? start : lo, hi > end ? end : hi)
    }

    /// The larger of the two error bounds.
    var maximumError: Int { max(errorBelow, errorAbove) }

    /// Sets the error bounds to the exact worst case of this (rounded) model over
    /// `targets[start..<end]` (non-decreasing): `errorBelow = max(prediction − firstPosition)`
    /// and `errorAbove = max(endPosition − prediction)` over its distinct keys, where
    /// `endPosition` is one past the key's last duplicate. Never sampled, never capped.
    mutating func measureErrors(_ targets: UnsafePointer<Int64>) {
        let (below, above) = Self.exactErrors(targets, start: start, end: end) { predict($0) }
        errorBelow = below
        errorAbove = above
    }

    /// The exact worst-case errors of a monotone `prediction` over `targets[start..<end]`:
    /// how far the prediction of a distinct key lies after its first position (below)
    /// and how far the position after its last duplicate lies after the prediction
    /// (above). Shared by every model kind that measures its own bounds.
    @inline(__always)
    static func exactErrors(_ targets: UnsafePointer<Int64>, start: Int, end: Int,
                            _ prediction: (Int64) -> Int) -> (below: Int, above: Int) {
        var below = 0, above = 0
        var previousPrediction = start
        var i = start
        while i < end {
            let current = targets[i]
            let predicted = prediction(current)
            if i > start { above = max(above, i &- previousPrediction) }
            below = max(below, predicted &- i)
            previousPrediction = predicted
            i &+= 1
            while i < end && targets[i] == current { i &+= 1 }
        }
        above = max(above, end &- previousPrediction)
        return (below, above)
    }

    /// The least-squares line through `(targets[i], i)` for `i` in `start..<end`
    /// (two passes: means, then covariance; relative coordinates keep full precision).
    static func leastSquares(_ targets: UnsafePointer<Int64>, start: Int, end: Int) -> BoundedLinearModel {
        let first = start < end ? targets[start] : 0
        let count = end &- start
        guard count > 1 else {
            return BoundedLinearModel(key: first, slope: 0, intercept: 0, start: start, end: end)
        }
        let step = max(1, count / 65_536)  // the fit (not the error) may use a regular sample
        var sumX = 0.0, sumY = 0.0, samples = 0.0
        var i = start
        while i < end {
            sumX += Double(UInt64(bitPattern: targets[i] &- first))
            sumY += Double(i &- start)
            samples += 1
            i &+= step
        }
        let meanX = sumX / samples, meanY = sumY / samples
        var covariance = 0.0, variance = 0.0
        i = start
        while i < end {
            let dx = Double(UInt64(bitPattern: targets[i] &- first)) - meanX
            covariance += dx * (Double(i &- start) - meanY)
            variance += dx * dx
            i &+= step
        }
        let slope = variance > 0 ? covariance / variance : 0
        return BoundedLinearModel(key: first, slope: slope, intercept: meanY - slope * meanX,
                                  start: start, end: end)
    }
}
