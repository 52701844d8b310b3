import COmenDBShim

/// The positions a model leaves to the last-mile search: the window `[lo, hi]` that
/// provably holds the answer, and the model's own prediction inside it.
struct SearchWindow {
    var lo: Int
    var hi: Int
    var prediction: Int
}

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

    /// First position in `[lo, hi)` whose key is `>= key`, or `hi`, searching outward
    /// from the model's prediction `p` (galloping 1, 2, 4, … positions away, then a
    /// binary search of the bracket). Touches the prediction's cache line first and
    /// moves to others only as far as the key actually lies from the prediction, so a
    /// model whose typical error is far below its bound costs about one miss.
    @inline(__always)
    static func lowerBoundNear(_ base: UnsafePointer<Int64>, _ lo: Int, _ hi: Int, _ p: Int, _ key: Int64) -> Int {
        guard lo < hi else { return lo }
        let p = p < lo ? lo : (p >= hi ? hi &- 1 : p)
        if base[p] < key {
            var bracketLo = p &+ 1, step = 1
            while p &+ step < hi {
                if base[p &+ step] >= key { return lowerBoundBranchy(base, bracketLo, p &+ step, key) }
                bracketLo = p &+ step &+ 1
                step &<<= 1
            }
            return lowerBoundBranchy(base, bracketLo, hi, key)
        } else {
            var bracketHi = p, step = 1
            while p &- step >= lo {
                if base[p &- step] < key { return lowerBoundBranchy(base, p &- step &+ 1, bracketHi, key) }
                bracketHi = p &- step
                step &<<= 1
            }
            return lowerBoundBranchy(base, lo, bracketHi, key)
        }
    }

    /// Windows up to this many cache lines are prefetched as a whole before a single
    /// lookup searches them, so the search's dependent probes overlap into ~one miss.
    static let prefetchLineLimit = 40

    /// Starts loading every cache line of `[lo, hi)` (when it spans at most `prefetchLineLimit` lines).
    @inline(__always)
    static func prefetchLines(_ base: UnsafePointer<Int64>, _ lo: Int, _ hi: Int) {
        var line = UInt(bitPattern: base + lo) & ~63
        let last = UInt(bitPattern: base + hi) & ~63
        guard last &- line <= UInt(64 &* prefetchLineLimit) else { return }
        while line <= last {
            odb_prefetch(UnsafeRawPointer(bitPattern: line)!)
            line &+= 64
        }
    }

    /// The last-mile search of a single lookup. `.near` gallops out from the
    /// prediction (its loads follow the key); the binary searches first prefetch the
    /// whole window so that their dependent probes overlap.
    @inline(__always)
    static func search(_ base: UnsafePointer<Int64>, _ window: SearchWindow, _ key: Int64,
                       _ strategy: WindowSearch) -> Int {
        if strategy != .near { prefetchLines(base, window.lo, window.hi) }
        return lowerBound(base, window, key, strategy)
    }

    /// The first stage of a batched lookup: start loading what the search will read
    /// first (the prediction's cache line and its successor for `.near`, the whole
    /// window for the binary searches).
    @inline(__always)
    static func prefetch(_ base: UnsafePointer<Int64>, _ window: SearchWindow, _ strategy: WindowSearch) {
        if strategy == .near {
            let p = window.prediction < window.lo ? window.lo : (window.prediction > window.hi ? window.hi : window.prediction)
            odb_prefetch(UnsafeRawPointer(base + p))
            odb_prefetch(UnsafeRawPointer(base + p) + 64)
        } else {
            prefetchLines(base, window.lo, window.hi)
        }
    }

    /// First position in `[lo, hi)` of the window whose key is `>= key`, or `hi`.
    @inline(__always)
    static func lowerBound(_ base: UnsafePointer<Int64>, _ window: SearchWindow, _ key: Int64,
                           _ strategy: WindowSearch) -> Int {
        switch strategy {
        case .near: return lowerBoundNear(base, window.lo, window.hi, window.prediction, key)
        case .branchy: return lowerBoundBranchy(base, window.lo, window.hi, key)
        case .branchless: return lowerBoundBranchless(base, window.lo, window.hi, key)
        }
    }

    /// First position in `[lo, hi)` whose key is `> key` (routing levels: `.near` searches as `.branchy`).
    @inline(__always)
    static func upperBound(_ base: UnsafePointer<Int64>, _ lo: Int, _ hi: Int, _ key: Int64,
                           _ strategy: WindowSearch) -> Int {
        strategy == .branchless
            ? upperBoundBranchless(base, lo, hi, key)
            : upperBoundBranchy(base, lo, hi, key)
    }
}
