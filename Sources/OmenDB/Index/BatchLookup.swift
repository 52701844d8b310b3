/// Batched lookups: independent searches are interleaved so that their cache misses
/// overlap (each key's data window is prefetched a few keys ahead of its search).
enum BatchLookup {
    /// How many lookups are in flight at once.
    static let groupSize = 16

    static func lowerBounds(_ index: PGMIndex, _ queries: UnsafeBufferPointer<Int64>,
                            _ out: UnsafeMutableBufferPointer<Int64>) {
        let n = queries.count
        guard n > 0 else { return }
        var los = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var his = los
        var start = 0
        while start < n {
            let end = min(start &+ groupSize, n)
            withUnsafeMutableBytes(of: &los) { loRaw in
                withUnsafeMutableBytes(of: &his) { hiRaw in
                    let lo = loRaw.bindMemory(to: Int.self)
                    let hi = hiRaw.bindMemory(to: Int.self)
                    for i in start..<end {
                        let w = index.prefetchWindow(queries[i])
                        lo[i &- start] = w.lo
                        hi[i &- start] = w.hi
                    }
                    for i in start..<end {
                        let position = index.lowerBound(queries[i], in: (lo[i &- start], hi[i &- start]))
                        out[i] = Int64(position)
                    }
                }
            }
            start = end
        }
    }
}
