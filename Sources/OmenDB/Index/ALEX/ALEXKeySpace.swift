/// Key arithmetic shared by every ALEX node.
///
/// Routing works on the *unsigned image* of a key: `UInt64(bitPattern: key) ^ 2^63`
/// maps Int64.min...Int64.max monotonically onto 0...UInt64.max, so differences of
/// keys are exact unsigned integers and no arithmetic can overflow.
enum ALEXKeySpace {
    /// The order-preserving unsigned image of `key`.
    @inline(__always)
    static func unsigned(_ key: Int64) -> UInt64 {
        UInt64(bitPattern: key) ^ 0x8000_0000_0000_0000
    }

    /// The key whose unsigned image is `value`.
    @inline(__always)
    static func signed(_ value: UInt64) -> Int64 {
        Int64(bitPattern: value ^ 0x8000_0000_0000_0000)
    }

    /// `value - base` as a Double, exact up to 2^53 and correctly signed for any pair.
    @inline(__always)
    static func offset(_ value: UInt64, from base: UInt64) -> Double {
        value >= base ? Double(value &- base) : -Double(base &- value)
    }

    /// `base + slots << shift`, or nil when it lies beyond UInt64.max.
    @inline(__always)
    static func boundary(base: UInt64, slot: Int, shift: Int) -> UInt64? {
        let slots = UInt64(slot)
        guard slots <= (UInt64.max - base) >> UInt64(shift) else { return nil }
        let step = slots << UInt64(shift)
        return base + step
    }

    /// ceil(log2(value)) for value >= 1.
    @inline(__always)
    static func ceilLog2(_ value: Int) -> Int {
        value <= 1 ? 0 : Int.bitWidth - (value - 1).leadingZeroBitCount
    }
}

/// The constants that shape an ALEX tree. Chosen by measurement (see bench/alex).
enum ALEXTuning {
    /// The most child slots an inner node may have (a 512 KiB pointer array).
    static let maximumFanout = 1 << 16
    /// Bulk loading aims for data nodes of about this many keys.
    static let targetLeafKeys = 1024
    /// Bulk loading never builds a data node larger than this.
    static let maximumBulkLeafKeys = 2048
    /// A data node that must grow beyond this many keys is split instead.
    static let maximumDataNodeKeys = 1 << 14
    /// A data node never splits because of its cost below this many keys.
    static let minimumCostSplitKeys = 256
    /// Fraction of slots in use right after a data node is (re)built.
    static let initialDensity = 0.7
    /// A data node is full (expands or splits) at this fraction of slots in use.
    static let maximumDensity = 0.8
    /// A data node shrinks when removals take it below this fraction of slots in use.
    static let minimumDensity = 0.25
    /// A data node below this many keys tries to merge with a sibling after a removal.
    static let mergeThresholdKeys = 256
    /// The smallest data node capacity, in slots.
    static let minimumCapacity = 16
    /// Inserts observed before a data node's empirical cost is trusted.
    static let minimumCostSamples = 64
    /// A data node whose empirical cost exceeds expected * factor + slack splits.
    static let costDriftFactor = 2.5
    static let costDriftSlack = 2.0
}
