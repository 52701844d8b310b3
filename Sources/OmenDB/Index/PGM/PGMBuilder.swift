/// Builds the levels of a PGM index: level 0 models the data, level `i + 1` models
/// the first keys of level `i`'s segments, up to a single root segment.
enum PGMBuilder {
    /// Fits segments over `targets[0..<count]` (non-decreasing; duplicates map to
    /// their first position) and measures each segment's exact error.
    static func fitLevel(_ targets: UnsafePointer<Int64>, count: Int, epsilon: Int) -> [PGMSegment] {
        var segments: [PGMSegment] = []
        guard count > 0 else { return segments }
        segments.reserveCapacity(max(16, count / max(1, epsilon * 8)))
        var fitter = OptimalPLA(epsilon: epsilon)
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

    private static func makeSegment(_ line: OptimalPLA.Line, _ targets: UnsafePointer<Int64>,
                                    start: Int, end: Int) -> PGMSegment {
        // The line's intercept is an absolute position; the segment stores it relative to `start`.
        var segment = PGMSegment(key: line.firstX, slope: line.slope.isFinite ? line.slope : 0,
                                 intercept: line.intercept - Double(start), start: start, end: end,
                                 errorBelow: 0, errorAbove: 0)
        if !segment.intercept.isFinite { segment.intercept = 0 }
        measureErrors(&segment, targets)
        return segment
    }

    /// Sets the segment's error bounds to the exact worst case of its rounded model:
    /// `errorBelow = max(prediction − firstPosition)` and
    /// `errorAbove = max(endPosition − prediction)` over its distinct keys, where
    /// `endPosition` is one past the key's last duplicate.
    static func measureErrors(_ segment: inout PGMSegment, _ targets: UnsafePointer<Int64>) {
        var below = 0, above = 0
        var previousPrediction = 0
        var i = segment.start
        while i < segment.end {
            let key = targets[i]
            let prediction = segment.predict(key)
            if i > segment.start { above = max(above, i &- previousPrediction) }
            below = max(below, prediction &- i)
            previousPrediction = prediction
            i &+= 1
            while i < segment.end && targets[i] == key { i &+= 1 }
        }
        above = max(above, segment.end &- previousPrediction)
        segment.errorBelow = UInt32(clamping: below)
        segment.errorAbove = UInt32(clamping: above)
    }
}
