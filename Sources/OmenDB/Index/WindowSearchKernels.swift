/// Last-mile searches over a small window of a sorted array, after a model's prediction.
///
/// These are concrete (non-generic) and always inlined into the index that calls them.
/// All take a half-open window `[lo, hi)` and return a position in `lo...hi`.
enum WindowSearchKernels {
    /// First position in `[lo, hi)` whose key is `>= key`, or `hi`. Branchy binary search.
    @inline(__always)
    static func lowerBoundBranchy(_ base: UnsafePointer<Int64>, _ lo: Int, _ hi: Int, _ key: Int64) -> Int {
        var lo = lo, hi = hi
        while lo < hi {
            let mid = (lo &+ hi) &>> 1
            if base[mid] < key { lo = mid &+ 1 } else { hi = mid }
        }
        return lo
    }

    /// First position in `[lo, hi)` whose key is `>= key`, or `hi`. Branch-free (cmov) binary search.
    @inline(__always)
    static func lowerBoundBranchless(_ base: UnsafePointer<Int64>, _ lo: Int, _ hi: Int, _ key: Int64) -> Int {
        var first = lo
        var length = hi &- lo
        if length <= 0 { return lo }
        while length > 1 {
            let half = length &>> 1
            first = base[first &+ half] < key ? first &+ half : first
            length &-= half
        }
        return base[first] < key ? first &+ 1 : first
    }

    /// First position in `[lo, hi)` whose key is `> key`, or `hi`. Branchy binary search.
    @inline(__always)
    static func upperBoundBranchy(_ base: UnsafePointer<Int64>, _ lo: Int, _ hi: Int, _ key: Int64) -> Int {
        var lo = lo, hi = hi
        while lo < hi {
            let mid = (lo &+ hi) &>> 1
            if base[mid] <= key { lo = mid &+ 1 } else { hi = mid }
        }
        return lo
    }

    /// First position in `[lo, hi)` whose key is `> key`, or `hi`. Branch-free binary search.
    @inline(__always)
    static func upperBoundBranchless(_ base: UnsafePointer<Int64>, _ lo: Int, _ hi: Int, _ key: Int64) -> Int {
        var first = lo
        var length = hi &- lo
        if length <= 0 { return lo }
        while length > 1 {
            let half = length &>> 1
            first = base[first &+ half] <= key ? first &+ half : first
            length &-= half
        }
        return base[first] <= key ? first &+ 1 : first
    }

    @inline(__always)
    static func lowerBound(_ base: UnsafePointer<Int64>, _ lo: Int, _ hi: Int, _ key: Int64,
                           _ strategy: WindowSearch) -> Int {
        strategy == .branchy
            ? lowerBoundBranchy(base, lo, hi, key)
            : lowerBoundBranchless(base, lo, hi, key)
    }

    @inline(__always)
    static func upperBound(_ base: UnsafePointer<Int64>, _ lo: Int, _ hi: Int, _ key: Int64,
                           _ strategy: WindowSearch) -> Int {
        strategy == .branchy
            ? upperBoundBranchy(base, lo, hi, key)
            : upperBoundBranchless(base, lo, hi, key)
    }
}
