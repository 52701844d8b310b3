/// A PGM leaf segment as the lookup path reads it: the line of a level-0
/// `BoundedLinearModel` packed into 32 bytes (two per cache line, where the full model
/// takes 56 and straddles two lines three times in four), searched in place by the
/// routing step, so that finding the leaf and reading its model is one access.
///
/// It predicts exactly as the model it was made from (same `key`, `slope`,
/// `intercept`, clamp to `0...end − start`); its end is the next leaf's `start` (a
/// sentinel follows the last leaf), and its window uses the index-wide largest error
/// bounds, which contain the model's own: every window holds what the model's did.
struct PGMLeaf {
    var key: Int64
    var slope: Double
    var intercept: Double
    var start: Int

    init(_ model: BoundedLinearModel) {
        key = model.key
        slope = model.slope
        intercept = model.intercept
        start = model.start
    }

    /// The leaf after the last one: only its `start` (the key count) is read.
    init(sentinelAt end: Int) {
        key = .max
        slope = 0
        intercept = 0
        start = end
    }

    /// The window `[lo, hi]` (inside `start...end`, `end` = the next leaf's start) that
    /// holds the lower bound of `query`, for error bounds at least the model's.
    @inline(__always)
    func window(_ query: Int64, end: Int, errorBelow: Int, errorAbove: Int) -> (lo: Int, hi: Int) {
        let dx = query > key ? Double(UInt64(bitPattern: query &- key)) : 0
        var relative = intercept + slope * dx
        let width = Double(end &- start)
        relative = relative < 0 ? 0 : (relative > width ? width : relative)
        let p = start &+ Int(relative)
        let lo = p &- errorBelow
        let hi = p &+ errorAbove
        return (lo < start ? start : lo, hi > end ? end : hi)
    }
}
