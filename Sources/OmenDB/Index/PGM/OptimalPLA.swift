/// Streaming, optimal piecewise-linear approximation with maximum error ε.
///
/// Points `(x, y)` arrive with strictly increasing `x`. The fitter keeps the
/// convex hulls of the upper points `(x, y + ε)` and lower points `(x, y − ε)`
/// and the two extreme feasible lines (O'Rourke's algorithm, as used by the
/// PGM-index): a new point is accepted while some line passes within ε of
/// every point of the segment, so each segment is as long as any ε-line can be.
/// All geometry is exact (128-bit integers); only the final line is rounded to
/// `Double`, and the index measures the rounded line's true error afterwards.
struct OptimalPLA {
    struct Point {
        var x: Int128
        var y: Int128
    }

    /// A direction `(dx, dy)`; comparisons are between slopes with `dx` of one sign.
    struct Slope {
        var dx: Int128
        var dy: Int128

        @inline(__always) static func < (a: Slope, b: Slope) -> Bool { a.dy * b.dx < b.dy * a.dx }
        @inline(__always) static func > (a: Slope, b: Slope) -> Bool { a.dy * b.dx > b.dy * a.dx }
        var value: Double { Double(dy) / Double(dx) }
    }

    /// A fitted line: `y ≈ intercept + slope · (x − firstX)`.
    struct Line {
        var firstX: Int64
        var slope: Double
        var intercept: Double
    }

    private let epsilon: Int128
    private var upper: [Point] = []
    private var lower: [Point] = []
    private var upperStart = 0
    private var lowerStart = 0
    private var rectangle = (Point(x: 0, y: 0), Point(x: 0, y: 0), Point(x: 0, y: 0), Point(x: 0, y: 0))
    private(set) var pointCount = 0
    private var firstX: Int64 = 0

    init(epsilon: Int) {
        self.epsilon = Int128(epsilon)
        upper.reserveCapacity(64)
        lower.reserveCapacity(64)
    }

    @inline(__always)
    private static func slope(_ a: Point, _ b: Point) -> Slope { Slope(dx: a.x - b.x, dy: a.y - b.y) }

    @inline(__always)
    private static func cross(_ o: Point, _ a: Point, _ b: Point) -> Int128 {
        (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x)
    }

    /// Starts a new, empty segment.
    mutating func reset() { pointCount = 0 }

    /// Adds a point; returns false (and leaves the segment as it was before the call)
    /// when no line within ε of all points exists any more.
    mutating func add(x: Int64, y: Int64) -> Bool {
        let px = Int128(x), py = Int128(y)
        let p1 = Point(x: px, y: py + epsilon)
        let p2 = Point(x: px, y: py - epsilon)
        if pointCount == 0 {
            firstX = x
            rectangle.0 = p1
            rectangle.1 = p2
            upper.removeAll(keepingCapacity: true)
            lower.removeAll(keepingCapacity: true)
            upper.append(p1)
            lower.append(p2)
            upperStart = 0
            lowerStart = 0
            pointCount = 1
            return true
        }
        if pointCount == 1 {
            rectangle.2 = p2
            rectangle.3 = p1
            upper.append(p1)
            lower.append(p2)
            pointCount = 2
            return true
        }
        let slope1 = Self.slope(rectangle.2, rectangle.0)
        let slope2 = Self.slope(rectangle.3, rectangle.1)
        if Self.slope(p1, rectangle.2) < slope1 || Self.slope(p2, rectangle.3) > slope2 {
            return false
        }
        if Self.slope(p1, rectangle.1) < slope2 {
            tightenMaximumSlope(through: p1)
        }
        if Self.slope(p2, rectangle.0) > slope1 {
            tightenMinimumSlope(through: p2)
        }
        pointCount += 1
        return true
    }

    private mutating func tightenMaximumSlope(through p1: Point) {
        var minimum = Self.slope(lower[lowerStart], p1)
        var minimumIndex = lowerStart
        var i = lowerStart + 1
        while i < lower.count {
            let value = Self.slope(lower[i], p1)
            if value > minimum { break }
            minimum = value
            minimumIndex = i
            i += 1
        }
        rectangle.1 = lower[minimumIndex]
        rectangle.3 = p1
        lowerStart = minimumIndex
        var end = upper.count
        while end >= upperStart + 2 && Self.cross(upper[end - 2], upper[end - 1], p1) <= 0 { end -= 1 }
        upper.removeSubrange(end...)
        upper.append(p1)
    }

    private mutating func tightenMinimumSlope(through p2: Point) {
        var maximum = Self.slope(upper[upperStart], p2)
        var maximumIndex = upperStart
        var i = upperStart + 1
        while i < upper.count {
            let value = Self.slope(upper[i], p2)
            if value < maximum { break }
            maximum = value
            maximumIndex = i
            i += 1
        }
        rectangle.0 = upper[maximumIndex]
        rectangle.2 = p2
        upperStart = maximumIndex
        var end = lower.count
        while end >= lowerStart + 2 && Self.cross(lower[end - 2], lower[end - 1], p2) >= 0 { end -= 1 }
        lower.removeSubrange(end...)
        lower.append(p2)
    }

    /// The line through the middle of the feasible region of the current segment.
    func line() -> Line {
        precondition(pointCount > 0)
        if pointCount == 1 {
            return Line(firstX: firstX, slope: 0, intercept: Double((rectangle.0.y + rectangle.1.y) / 2))
        }
        let (p0, p1, p2, p3) = rectangle
        let minimumSlope = Self.slope(p2, p0)
        let maximumSlope = Self.slope(p3, p1)
        let slope = max(0, (minimumSlope.value + maximumSlope.value) / 2)
        // Intersection of the two extreme lines, relative to firstX.
        let origin = Int128(firstX)
        let denominator = minimumSlope.dx * maximumSlope.dy - minimumSlope.dy * maximumSlope.dx
        var ix = Double(p0.x - origin), iy = Double(p0.y)
        if denominator != 0 {
            let numerator = (p1.x - p0.x) * (p3.y - p1.y) - (p1.y - p0.y) * (p3.x - p1.x)
            let b = Double(numerator) / Double(denominator)
            ix = Double(p0.x - origin) + b * Double(minimumSlope.dx)
            iy = Double(p0.y) + b * Double(minimumSlope.dy)
        }
        return Line(firstX: firstX, slope: slope, intercept: iy - ix * slope)
    }
}
