/// One second-stage model of an RMI, packed into 32 bytes (two per cache line) so that
/// the leaf array of a 10M-key index stays in the L2/L3 caches.
///
/// It predicts `start + clamp(intercept + slope · max(0, query − key), ±2^52)` with
/// `slope` and `intercept` stored as `Float` (the fit is rounded to `Float` *before*
/// the errors are measured, so the bounds are exact for the model as stored). The
/// prediction is monotone in `query`, and `errorBelow`/`errorAbove` are measured
/// over every distinct key of the leaf, so — by the argument of
/// `BoundedLinearModel` — the lower bound of any query routed to the leaf lies in
/// `window(query)`, which is clamped to the leaf's positions `start...end`.
///
/// Errors above `UInt16.max − 1` and widths above `UInt32.max − 1` are stored as
/// sentinels that widen the window to the whole leaf (resp. to the array's end):
/// still exact, only slower, and only for data no linear leaf can model.
struct RMILeaf {
    var key: Int64
    var start: Int
    var slope: Float
    var intercept: Float
    /// `end − start`, or `RMILeaf.wideLeaf` when that does not fit.
    var width: UInt32
    var errorBelow: UInt16
    var errorAbove: UInt16

    static let wideLeaf = UInt32.max
    static let wideError = UInt16.max
    private static let predictionLimit = Double(1 << 52)

    /// The least-squares fit of `keys[start..<end]`, rounded to `Float`, with exact errors.
    static func fit(_ keys: UnsafePointer<Int64>, start: Int, end: Int) -> RMILeaf {
        let line = BoundedLinearModel.leastSquares(keys, start: start, end: end)
        let width = end &- start
        var leaf = RMILeaf(key: line.key, start: start, slope: Float(line.slope), intercept: Float(line.intercept),
                           width: width < Int(wideLeaf) ? UInt32(width) : wideLeaf, errorBelow: 0, errorAbove: 0)
        if !leaf.slope.isFinite || leaf.slope < 0 { leaf.slope = 0 }
        if !leaf.intercept.isFinite { leaf.intercept = 0 }
        let (below, above) = leaf.measureErrors(keys, end: end)
        leaf.errorBelow = below < Int(wideError) ? UInt16(below) : wideError
        leaf.errorAbove = above < Int(wideError) ? UInt16(above) : wideError
        return leaf
    }

    /// The predicted position of `query` (monotone; not clamped to the leaf).
    @inline(__always)
    func predict(_ query: Int64) -> Int {
        let dx = query > key ? Double(UInt64(bitPattern: query &- key)) : 0
        var relative = Double(intercept) + Double(slope) * dx
        relative = relative < -Self.predictionLimit ? -Self.predictionLimit
            : (relative > Self.predictionLimit ? Self.predictionLimit : relative)
        return start &+ Int(relative)
    }

    /// One past the leaf's last position (`count` for a leaf too wide to store).
    @inline(__always)
    func end(arrayCount: Int) -> Int {
        width == Self.wideLeaf ? arrayCount : start &+ Int(width)
    }

    /// The window `[lo, hi]` (inside `start...end`) that holds the lower bound of any
    /// query routed to this leaf.
    @inline(__always)
    func window(_ query: Int64, arrayCount: Int) -> (lo: Int, hi: Int) {
        let end = end(arrayCount: arrayCount)
        let p = predict(query)
        var lo = errorBelow == Self.wideError ? start : p &- Int(errorBelow)
        var hi = errorAbove == Self.wideError ? end : p &+ Int(errorAbove)
        lo = lo < start ? start : (lo > end ? end : lo)
        hi = hi < start ? start : (hi > end ? end : hi)
        return (lo, hi)
    }

    /// The larger error bound; a whole-leaf sentinel counts as the leaf's width.
    var maximumError: Int {
        errorBelow == Self.wideError || errorAbove == Self.wideError ? Int(width) : Int(max(errorBelow, errorAbove))
    }

    /// The exact worst-case errors of this model over `keys[start..<end]`
    /// (`BoundedLinearModel.exactErrors` with this leaf's prediction).
    func measureErrors(_ keys: UnsafePointer<Int64>, end: Int) -> (below: Int, above: Int) {
        BoundedLinearModel.exactErrors(keys, start: start, end: end) { predict($0) }
    }
}
