import COmenDBShim

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

    /// First position in `[lo, hi)` whose key is `>= key`, or `hi`. Branch-free binary
    /// search (conditional moves; written in C so that the compiler keeps them).
    @inline(__always)
    static func lowerBoundBranchless(_ base: UnsafePointer<Int64>, _ lo: Int, _ hi: Int, _ key: Int64) -> Int {
        odb_shim_lower_bound_branchless(base, lo, hi, key)
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
        odb_shim_upper_bound_branchless(base, lo, hi, key)
    }

    /// Windows up to this many cache lines are prefetched as a whole before a single
    /// lookup searches them, so the search's dependent probes overlap into ~one miss.
    static let prefetchLineLimit = 40

    /// Starts loading every cache line of `[lo, hi)` when it spans at most
    /// `prefetchLineLimit` lines; for a wider window, the lines of the binary search's
    /// first four probe levels (15 lines), so that those probes overlap too.
    @inline(__always)
    static func prefetchLines(_ base: UnsafePointer<Int64>, _ lo: Int, _ hi: Int) {
        var line = UInt(bitPattern: base + lo) & ~63
        let last = UInt(bitPattern: base + hi) & ~63
        guard last &- line <= UInt(64 &* prefetchLineLimit) else {
            prefetchProbeLevels(base, lo, hi)
            return
        }
        while line <= last {
            odb_prefetch(UnsafeRawPointer(bitPattern: line)!)
            line &+= 64
        }
    }

    /// Prefetches the probe positions of the first four levels of a binary search of
    /// `[lo, hi)`: the midpoints of the window, its halves, quarters and eighths.
    @inline(__always)
    static func prefetchProbeLevels(_ base: UnsafePointer<Int64>, _ lo: Int, _ hi: Int) {
        let width = hi &- lo
        var level = 2
        while level <= 16 {
            var j = 1
            while j < level {
                odb_prefetch(UnsafeRawPointer(base + (lo &+ width &* j / level)))
                j &+= 2
            }
            level &<<= 1
        }
    }

    /// The last-mile search of a single lookup: prefetch the window's lines, then search.
    @inline(__always)
    static func search(_ base: UnsafePointer<Int64>, _ lo: Int, _ hi: Int, _ key: Int64,
                       _ strategy: WindowSearch) -> Int {
        prefetchLines(base, lo, hi)
        return lowerBound(base, lo, hi, key, strategy)
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
