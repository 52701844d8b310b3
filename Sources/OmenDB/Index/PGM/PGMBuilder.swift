/// Builds the levels of a PGM index: level 0 models the data, level `i + 1` models
/// the first keys of level `i`'s segments, up to a single root segment.
enum PGMBuilder {
    /// Fits segments over `targets[0..<count]` (non-decreasing; duplicates map to
    /// their first position) and measures each segment's exact error.
    static func fitLevel(_ targets: UnsafePointer<Int64>, count: Int, epsilon: Int) -> [BoundedLinearModel] {
        var segments: [BoundedLinearModel] = []
        guard count > 0 else { return segments }
        segments.reserveCapacity(max(16, count / max(1, epsilon * 8)))
        var fitter = OptimalPLA(epsilon: epsilon)
        defer { fitter.deallocate() }
        var segmentStart = 0
        var i = 0
        while i < count {
            let key = targets[i]
            if i > segmentStart && key == targets[i &- 1] { i &+= 1; continue }
            if fitter.add(x: key, y: Int64(i)) { i &+= 1; continue }
            segments.append(makeSegment(fitter.line(), targets, start: segmentStart, end: i))
            segmentStart = i
            fitter.reset()
        }
        segments.append(makeSegment(fitter.line(), targets, start: segmentStart, end: count))
        return segments
    }

    /// One flat segment over all targets, with measured errors (a root over a handful of keys).
    static func singleSegment(_ targets: UnsafePointer<Int64>, count: Int) -> [BoundedLinearModel] {
        var segment = BoundedLinearModel(key: targets[0], slope: 0, intercept: 0, start: 0, end: count)
        segment.measureErrors(targets)
        return [segment]
    }

    private static func makeSegment(_ line: OptimalPLA.Line, _ targets: UnsafePointer<Int64>,
                                    start: Int, end: Int) -> BoundedLinearModel {
        // The line's intercept is an absolute position; the model stores it relative to `start`.
        var segment = BoundedLinearModel(key: line.firstX, slope: line.slope,
                                         intercept: line.intercept - Double(start), start: start, end: end)
        segment.measureErrors(targets)
        return segment
    }
}
