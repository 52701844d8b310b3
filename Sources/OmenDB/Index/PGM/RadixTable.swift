import COmenDBShim

/// A radix table over a sorted array of keys (a PGM's leaf-segment first keys): key
/// `k` falls in bucket `bucket(k − first)`, and `starts[b]` is the index of the first
/// key whose bucket is ≥ `b`. The upper bound of any query in a bucket lies between
/// that bucket's start and the next one's, so routing is one table load and a search
/// over the few keys of one bucket, instead of a search over all of them.
///
/// Two bucketings, picked at build time by which spreads the keys more evenly
/// (smaller Σ bucket size² — the expected search range):
/// - **linear**: `d >> shift` — evenly spread and clustered keys;
/// - **logarithmic**: the position of `d`'s leading one bit and the `mantissaBits`
///   bits after it, like a float's exponent and mantissa — keys whose density falls
///   off with their magnitude (lognormal, Zipf-like).
///
/// Exact for every query: both bucketings are monotone in the key, so the keys before
/// `starts[b]` are smaller than any query of bucket `b` and the keys from
/// `starts[b + 1]` on are larger.
/// Memory: 4 bytes per bucket, about 4 buckets per key it is built over.
struct RadixTable {
    private(set) var first: Int64 = 0
    private(set) var logarithmic = false
    /// Linear: the right shift. Logarithmic: the mantissa bit count.
    private(set) var shift: UInt64 = 0
    private(set) var bucketCount = 0
    /// `bucketCount + 1` entries, owned by whoever built the table (`deallocate`).
    private(set) var starts: UnsafeMutablePointer<UInt32>?

    /// At most about 2^22 buckets (16 MiB).
    static let maximumBits = 22

    /// An empty table (nothing to route through).
    init() {}

    /// A table over `keys[0..<count]` (sorted), or an empty one (no `starts`) when
    /// there is nothing to route or the positions do not fit 32 bits.
    /// `extraBits`: the table has about 2^extraBits to 2^(extraBits + 1) buckets per key
    /// (more buckets: fewer keys to search per bucket, a larger table).
    init(keys: UnsafePointer<Int64>, count: Int, extraBits: Int = 2) {
        guard count >= 2, count < Int(UInt32.max) else { return }
        first = keys[0]
        let span = UInt64(bitPattern: keys[count &- 1] &- first)
        let wanted = min(Self.maximumBits, (Int.bitWidth &- count.leadingZeroBitCount) &+ extraBits)
        let spanBits = UInt64.bitWidth &- span.leadingZeroBitCount
        let linearShift = UInt64(max(0, spanBits &- wanted))
        let octaveBits = Int.bitWidth &- spanBits.leadingZeroBitCount
        let mantissaBits = UInt64(min(20, max(1, wanted &- octaveBits)))
        let linearCost = Self.cost(keys, count, first, logarithmic: false, linearShift)
        let logarithmicCost = Self.cost(keys, count, first, logarithmic: true, mantissaBits)
        logarithmic = logarithmicCost < linearCost
        shift = logarithmic ? mantissaBits : linearShift
        bucketCount = Int(Self.bucket(span, logarithmic, shift)) &+ 1
        let table = UnsafeMutablePointer<UInt32>.allocate(capacity: bucketCount &+ 1)
        var j = 0
        for b in 0...bucketCount {
            while j < count && Self.bucket(UInt64(bitPattern: keys[j] &- first), logarithmic, shift) < UInt64(b) { j &+= 1 }
            table[b] = UInt32(j)
        }
        starts = table
    }

    func deallocate() { starts?.deallocate() }

    var sizeInBytes: Int { starts == nil ? 0 : (bucketCount &+ 1) &* MemoryLayout<UInt32>.stride }

    /// The bucket of offset `d` (monotone in `d`; may exceed the table for offsets
    /// beyond the last key, so it stays a `UInt64` until compared with `bucketCount`).
    @inline(__always)
    static func bucket(_ d: UInt64, _ logarithmic: Bool, _ shift: UInt64) -> UInt64 {
        guard logarithmic else { return d >> shift }
        guard d >> shift != 0 else { return d }                 // below 2^m: one bucket per value
        let exponent = UInt64(UInt64.bitWidth &- d.leadingZeroBitCount)  // ≥ m + 1
        let top = d >> (exponent &- shift &- 1)                 // in [2^m, 2^(m+1))
        return ((exponent &- shift &- 1) << shift) &+ top
    }

    /// Σ (keys per bucket)² / count: the expected number of keys a lookup's bucket holds.
    private static func cost(_ keys: UnsafePointer<Int64>, _ count: Int, _ first: Int64,
                             logarithmic: Bool, _ shift: UInt64) -> Double {
        var total = 0.0
        var run = 0
        var current = UInt64.max
        for i in 0..<count {
            let b = bucket(UInt64(bitPattern: keys[i] &- first), logarithmic, shift)
            if b == current { run &+= 1 } else {
                total += Double(run) * Double(run)
                current = b
                run = 1
            }
        }
        total += Double(run) * Double(run)
        return total / Double(count)
    }

    /// Starts loading the table entries that `range(key)` reads (batched lookups).
    @inline(__always)
    func prefetch(_ key: Int64) {
        let b = Self.bucket(UInt64(bitPattern: key &- first), logarithmic, shift)
        odb_prefetch(UnsafeRawPointer(starts! + Int(min(b, UInt64(bucketCount)))))
    }

    /// The positions `lo...hi` of the key array between which the upper bound of `key`
    /// lies; requires a built table and `key >= first`.
    @inline(__always)
    func range(_ key: Int64) -> (lo: Int, hi: Int) {
        let b = Self.bucket(UInt64(bitPattern: key &- first), logarithmic, shift)
        guard b < UInt64(bucketCount) else {
            let end = Int(starts![bucketCount])
            return (end, end)
        }
        return (Int(starts![Int(b)]), Int(starts![Int(b) &+ 1]))
    }
}
