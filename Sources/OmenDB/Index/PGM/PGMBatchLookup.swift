import COmenDBShim

/// Batched PGM lookups, software-pipelined across the four dependent loads of a
/// lookup so that the cache misses of different queries overlap:
///
/// 1. the radix-table entry of query `i + 4d` is prefetched;
/// 2. query `i + 3d` reads it and prefetches the leaves of its bucket;
/// 3. query `i + 2d` searches those leaves and prefetches the line where its leaf ends;
/// 4. query `i + d` computes its data window from the leaf and prefetches its lines;
/// 5. query `i` searches its window.
///
/// Each query's state lives in a ring slot from stage 2 to stage 5 (the ring is
/// larger than the pipeline's depth `4d`). Without a radix table (tests that route
/// through the levels) the generic two-stage `BatchLookup` serves.
extension PGMIndex {
    /// How many queries apart the stages run.
    static let batchStageDistance = 4
    private static let ringSize = 32  // > 4 × batchStageDistance, a power of two

    func lowerBounds(_ queries: UnsafeBufferPointer<Int64>, _ out: UnsafeMutableBufferPointer<Int64>) {
        guard radix.starts != nil else {
            BatchLookup.lowerBounds(self, queries, out)
            return
        }
        let n = queries.count
        guard n > 0, let q = queries.baseAddress, let o = out.baseAddress else { return }
        let d = Self.batchStageDistance
        let first = segmentKeys[0]
        let leaves = UnsafePointer(self.leaves)
        let radix = self.radix
        withUnsafeTemporaryAllocation(of: (lo: Int, hi: Int).self, capacity: Self.ringSize) { ring in
            let slot = ring.baseAddress!
            let mask = Self.ringSize &- 1
            // A query at or below the first key has lower bound 0: its slot holds the
            // empty window (0, 0) from stage 2 on, which the later stages pass through.
            @inline(__always) func stage2(_ i: Int) {
                let key = q[i]
                if key <= first {
                    (slot + (i & mask)).initialize(to: (0, 0))
                    return
                }
                let range = radix.range(key)
                odb_prefetch(UnsafeRawPointer(leaves + range.lo))
                (slot + (i & mask)).initialize(to: (range.lo, range.hi &+ 1))  // hi + 1 > 0 marks "routing"
            }
            @inline(__always) func stage3(_ i: Int) {
                let s = slot[i & mask]
                guard s.hi != 0 else { return }
                let key = q[i]
                let upper = leafUpperBound(s.lo, s.hi &- 1, key)
                let j = upper > 0 ? upper &- 1 : 0
                odb_prefetch(UnsafeRawPointer(leaves + (j &+ 1)))  // its end: usually the same line
                slot[i & mask] = (j, -1)  // -1 marks "leaf found"
            }
            @inline(__always) func stage4(_ i: Int) {
                let s = slot[i & mask]
                guard s.hi == -1 else { return }
                let window = window(q[i], leaf: s.lo)
                WindowSearchKernels.prefetchLines(keys, window.lo, window.hi)
                slot[i & mask] = window
            }
            for i in 0..<min(4 &* d, n) { radix.prefetch(max(q[i], first)) }
            for i in 0..<min(3 &* d, n) { stage2(i) }
            for i in 0..<min(2 &* d, n) { stage3(i) }
            for i in 0..<min(d, n) { stage4(i) }
            for i in 0..<n {
                if i &+ 4 &* d < n { radix.prefetch(max(q[i &+ 4 &* d], first)) }
                if i &+ 3 &* d < n { stage2(i &+ 3 &* d) }
                if i &+ 2 &* d < n { stage3(i &+ 2 &* d) }
                if i &+ d < n { stage4(i &+ d) }
                let window = slot[i & mask]
                o[i] = Int64(WindowSearchKernels.lowerBound(keys, window.lo, window.hi, q[i], windowSearch))
            }
        }
    }
}
