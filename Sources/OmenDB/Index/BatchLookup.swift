/// A model-based index that can split a lookup into "predict the data window (and
/// prefetch it)" and "search the window", so that batches can overlap cache misses.
protocol WindowPredictingIndex: AnyObject {
    /// Starts loading the model that `key` routes to (no-op when the model is tiny or
    /// several levels deep).
    func prefetchModel(_ key: Int64)
    /// Predicts the data window of `key`, issues a prefetch for it, and returns it.
    func prefetchWindow(_ key: Int64) -> (lo: Int, hi: Int)
    /// The lower bound of `key` inside a window returned by `prefetchWindow`.
    func lowerBound(_ key: Int64, in window: (lo: Int, hi: Int)) -> Int
}

extension WindowPredictingIndex {
    @inline(__always)
    func prefetchModel(_ key: Int64) {}
}

/// Batched lookups: independent searches are software-pipelined so that their cache
/// misses overlap. Lookup `i` is searched while the data window of lookup `i + d`
/// is being loaded and the model of lookup `i + 2d` is being loaded (`d = distance`).
///
/// Generic only so that one body serves every kind; every call site passes a
/// concrete final class, so the optimizer emits one specialized copy per kind.
enum BatchLookup {
    /// How many lookups ahead the data windows are prefetched (models: twice as far).
    static let distance = 8

    @inline(__always)
    static func lowerBounds<Index: WindowPredictingIndex>(_ index: Index, _ queries: UnsafeBufferPointer<Int64>,
                                                          _ out: UnsafeMutableBufferPointer<Int64>) {
        let n = queries.count
        guard n > 0, let q = queries.baseAddress, let o = out.baseAddress else { return }
        let d = distance
        withUnsafeTemporaryAllocation(of: (lo: Int, hi: Int).self, capacity: 16) { ring in  // 16 > distance
            let w = ring.baseAddress!
            for i in 0..<min(2 &* d, n) { index.prefetchModel(q[i]) }
            for i in 0..<min(d, n) { (w + i).initialize(to: index.prefetchWindow(q[i])) }
            for i in min(d, n)..<16 { (w + i).initialize(to: (0, 0)) }
            for i in 0..<n {
                if i &+ 2 &* d < n { index.prefetchModel(q[i &+ 2 &* d]) }
                if i &+ d < n { w[(i &+ d) & 15] = index.prefetchWindow(q[i &+ d]) }
                o[i] = Int64(index.lowerBound(q[i], in: w[i & 15]))
            }
        }
    }
}
