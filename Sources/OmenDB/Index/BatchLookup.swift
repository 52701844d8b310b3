/// A model-based index that can split a lookup into "predict the data window (and
/// prefetch it)" and "search the window", so that batches can overlap cache misses.
protocol WindowPredictingIndex: AnyObject {
    /// Predicts the data window of `key`, issues a prefetch for it, and returns it.
    func prefetchWindow(_ key: Int64) -> (lo: Int, hi: Int)
    /// The lower bound of `key` inside a window returned by `prefetchWindow`.
    func lowerBound(_ key: Int64, in window: (lo: Int, hi: Int)) -> Int
}

/// Batched lookups: independent searches are interleaved so that their cache misses
/// overlap (each key's data window is prefetched a group ahead of its search).
///
/// Generic only so that one body serves every kind; every call site passes a
/// concrete final class, so the optimizer emits one specialized copy per kind.
enum BatchLookup {
    /// How many lookups are in flight at once.
    static let groupSize = 8

    @inline(__always)
    static func lowerBounds<Index: WindowPredictingIndex>(_ index: Index, _ queries: UnsafeBufferPointer<Int64>,
                                                          _ out: UnsafeMutableBufferPointer<Int64>) {
        let n = queries.count
        guard n > 0, let q = queries.baseAddress, let o = out.baseAddress else { return }
        var los = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)  // room for groupSize ≤ 16
        var his = los
        withUnsafeMutableBytes(of: &los) { loRaw in
            withUnsafeMutableBytes(of: &his) { hiRaw in
                let lo = loRaw.baseAddress!.assumingMemoryBound(to: Int.self)
                let hi = hiRaw.baseAddress!.assumingMemoryBound(to: Int.self)
                var start = 0
                while start < n {
                    let count = min(groupSize, n &- start)
                    for i in 0..<count {
                        let w = index.prefetchWindow(q[start &+ i])
                        lo[i] = w.lo
                        hi[i] = w.hi
                    }
                    for i in 0..<count {
                        o[start &+ i] = Int64(index.lowerBound(q[start &+ i], in: (lo[i], hi[i])))
                    }
                    start &+= count
                }
            }
        }
    }
}
