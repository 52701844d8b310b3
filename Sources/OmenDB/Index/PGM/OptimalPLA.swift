/// Streaming, optimal piecewise-linear approximation with maximum error ε.
///
/// Points `(x, y)` arrive with strictly increasing `x`. The fitter keeps the
/// convex hulls of the upper points `(x, y + ε)` and lower points `(x, y − ε)`
/// and the two extreme feasible lines (O'Rourke's algorithm, as used by the
/// PGM-index): a new point is accepted while some line passes within ε of
/// every point of the segment, so each segment is as long as any ε-line can be.
///
/// All geometry is exact: coordinates are 64-bit and relative to the segment's first
/// point (a segment ends early in the rare case that its keys span more than 2^63),
/// and every product is a full-width 64 × 64 → 128-bit multiply. Only the final line
/// is rounded to `Double`, and the index measures the rounded line's true error.
struct OptimalPLA {
    /// A point relative to the segment's first key.
    struct Point {
        var x: Int64
        var y: Int64
    }

    /// A direction `(dx, dy)`; comparisons are between slopes with `dx` of one sign.
    struct Slope {
        var dx: Int64
        var dy: Int64

        @inline(__always) static func < (a: Slope, b: Slope) -> Bool {
            OptimalPLA.less(a.dy.multipliedFullWidth(by: b.dx), b.dy.multipliedFullWidth(by: a.dx))
        }
        @inline(__always) static func > (a: Slope, b: Slope) -> Bool { b < a }
        var value: Double { Double(dy) / Double(dx) }
    }

    /// A fitted line: `y ≈ intercept + slope · (x − firstX)`.
    struct Line {
        var firstX: Int64
        var slope: Double
        var intercept: Double
    }

    @inline(__always)
    static func less(_ a: (high: Int64, low: UInt64), _ b: (high: Int64, low: UInt64)) -> Bool {
        a.high < b.high || (a.high == b.high && a.low < b.low)
    }

    private let epsilon: Int64
    /// Hull storage (grown by doubling; freed by `deallocate`).
    private var upper: UnsafeMutablePointer<Point>
    private var lower: UnsafeMutablePointer<Point>
    private var capacity: Int
    private var upperCount = 0, lowerCount = 0
    private var upperStart = 0, lowerStart = 0
    private var rectangle = (Point(x: 0, y: 0), Point(x: 0, y: 0), Point(x: 0, y: 0), Point(x: 0, y: 0))
    private(set) var pointCount = 0
    private var firstX: Int64 = 0

    init(epsilon: Int) {
        self.epsilon = Int64(epsilon)
        capacity = 64
        upper = .allocate(capacity: capacity)
        lower = .allocate(capacity: capacity)
    }

    /// Releases the hull storage; the fitter must not be used afterwards.
    func deallocate() {
        upper.deallocate()
        lower.deallocate()
    }

    @inline(__always)
    private static func slope(_ a: Point, _ b: Point) -> Slope { Slope(dx: a.x &- b.x, dy: a.y &- b.y) }

    /// Whether the turn `o → a → b` is clockwise or straight (cross product ≤ 0).
    @inline(__always)
    private static func crossIsAtMostZero(_ o: Point, _ a: Point, _ b: Point) -> Bool {
        !less((b.x &- o.x).multipliedFullWidth(by: a.y &- o.y), (a.x &- o.x).multipliedFullWidth(by: b.y &- o.y))
    }

    /// Whether the turn `o → a → b` is counter-clockwise or straight (cross product ≥ 0).
    @inline(__always)
    private static func crossIsAtLeastZero(_ o: Point, _ a: Point, _ b: Point) -> Bool {
        !less((a.x &- o.x).multipliedFullWidth(by: b.y &- o.y), (b.x &- o.x).multipliedFullWidth(by: a.y &- o.y))
    }

    /// Starts a new, empty segment.
    mutating func reset() { pointCount = 0 }

    private mutating func reserve(_ needed: Int) {
        guard needed > capacity else { return }
        let newCapacity = max(needed, capacity * 2)
        for hull in [0, 1] {
            let grown = UnsafeMutablePointer<Point>.allocate(capacity: newCapacity)
            let old = hull == 0 ? upper : lower
            grown.moveInitialize(from: old, count: hull == 0 ? upperCount : lowerCount)
            old.deallocate()
            if hull == 0 { upper = grown } else { lower = grown }
        }
        capacity = newCapacity
    }

    /// Adds a point; returns false (and leaves the segment as it was before the call)
    /// when no line within ε of all points exists any more.
    @inline(__always)
    mutating func add(x: Int64, y: Int64) -> Bool {
        if pointCount == 0 {
            firstX = x
            let p1 = Point(x: 0, y: y &+ epsilon), p2 = Point(x: 0, y: y &- epsilon)
            rectangle.0 = p1
            rectangle.1 = p2
            upper[0] = p1
            lower[0] = p2
            upperCount = 1
            lowerCount = 1
            upperStart = 0
            lowerStart = 0
            pointCount = 1
            return true
        }
        let offset = UInt64(bitPattern: x &- firstX)
        guard offset <= UInt64(Int64.max) else { return false }  // span beyond 64-bit geometry
        let relative = Int64(offset)
        let p1 = Point(x: relative, y: y &+ epsilon)
        let p2 = Point(x: relative, y: y &- epsilon)
        if pointCount == 1 {
            rectangle.2 = p2
            rectangle.3 = p1
            upper[1] = p1
            lower[1] = p2
            upperCount = 2
            lowerCount = 2
            pointCount = 2
            return true
        }
        let slope1 = Self.slope(rectangle.2, rectangle.0)
        let slope2 = Self.slope(rectangle.3, rectangle.1)
        if Self.slope(p1, rectangle.2) < slope1 || Self.slope(p2, rectangle.3) > slope2 {
            return false
        }
        reserve(max(upperCount, lowerCount) &+ 1)
        if Self.slope(p1, rectangle.1) < slope2 {
            tightenMaximumSlope(through: p1)
        }
        if Self.slope(p2, rectangle.0) > slope1 {
            tightenMinimumSlope(through: p2)
        }
        pointCount &+= 1
        return true
    }

    private mutating func tightenMaximumSlope(through p1: Point) {
        var minimum = Self.slope(lower[lowerStart], p1)
        var minimumIndex = lowerStart
        var i = lowerStart &+ 1
        while i < lowerCount {
            let value = Self.slope(lower[i], p1)
            if value > minimum { break }
            minimum = value
            minimumIndex = i
            i &+= 1
        }
        rectangle.1 = lower[minimumIndex]
        rectangle.3 = p1
        lowerStart = minimumIndex
        var end = upperCount
        while end >= upperStart &+ 2 && Self.crossIsAtMostZero(upper[end &- 2], upper[end &- 1], p1) { end &-= 1 }
        upper[end] = p1
        upperCount = end &+ 1
    }

    private mutating func tightenMinimumSlope(through p2: Point) {
        var maximum = Self.slope(upper[upperStart], p2)
        var maximumIndex = upperStart
        var i = upperStart &+ 1
        while i < upperCount {
            let value = Self.slope(upper[i], p2)
            if value < maximum { break }
            maximum = value
            maximumIndex = i
            i &+= 1
        }
        rectangle.0 = upper[maximumIndex]
        rectangle.2 = p2
        upperStart = maximumIndex
        var end = lowerCount
        while end >= lowerStart &+ 2 && Self.crossIsAtLeastZero(lower[end &- 2], lower[end &- 1], p2) { end &-= 1 }
        lower[end] = p2
        lowerCount = end &+ 1
    }

    /// The line through the middle of the feasible region of the current segment.
    func line() -> Line {
        precondition(pointCount > 0)
        if pointCount == 1 {
            return Line(firstX: firstX, slope: 0,
                        intercept: Double((Int128(rectangle.0.y) + Int128(rectangle.1.y)) / 2))
        }
        let (p0, p1, p2, p3) = rectangle
        let minimumSlope = Self.slope(p2, p0)
        let maximumSlope = Self.slope(p3, p1)
        let slope = max(0, (minimumSlope.value + maximumSlope.value) / 2)
        // Intersection of the two extreme lines (coordinates are already relative to firstX).
        let denominator = Int128(minimumSlope.dx) * Int128(maximumSlope.dy) - Int128(minimumSlope.dy) * Int128(maximumSlope.dx)
        var ix = Double(p0.x), iy = Double(p0.y)
        if denominator != 0 {
            let numerator = Int128(p1.x - p0.x) * Int128(p3.y - p1.y) - Int128(p1.y - p0.y) * Int128(p3.x - p1.x)
            let b = Double(numerator) / Double(denominator)
            ix = Double(p0.x) + b * Double(minimumSlope.dx)
            iy = Double(p0.y) + b * Double(minimumSlope.dy)
        }
        return Line(firstX: firstX, slope: slope, intercept: iy - ix * slope)
    }
}
