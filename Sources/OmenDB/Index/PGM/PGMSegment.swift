/// One linear model of a PGM level, covering the target positions `start..<end`.
///
/// The model predicts `start + clamp(intercept + slope · (key − key₀), 0, end − start)`,
/// where `key₀` is the first key it covers. `errorBelow` and `errorAbove` are the exact
/// worst-case errors of that prediction, measured over every key the segment covers:
/// for any query `q` routed here, its lower (and upper) bound lies in
/// `[prediction − errorBelow, prediction + errorAbove]` (see `docs/architecture.md`).
struct PGMSegment {
    var key: Int64
    var slope: Double
    var intercept: Double
    var start: Int
    var end: Int
    var errorBelow: UInt32
    var errorAbove: UInt32

    /// The predicted position of `key`; requires `key >= self.key`.
    @inline(__always)
    func predict(_ query: Int64) -> Int {
        let dx = Double(UInt64(bitPattern: query &- key))
        var relative = intercept + slope * dx
        // Clamping keeps the prediction monotone in `query` and inside the segment.
        let width = Double(end &- start)
        relative = relative < 0 ? 0 : (relative > width ? width : relative)
        return start &+ Int(relative)
    }

    /// The window `[lo, hi]` that holds the lower and upper bound of `query`.
    @inline(__always)
    func window(_ query: Int64) -> (lo: Int, hi: Int) {
        let p = predict(query)
        let lo = p &- Int(errorBelow)
        let hi = p &+ Int(errorAbove)
        return (lo < start ? start : lo, hi > end ? end : hi)
    }
}
