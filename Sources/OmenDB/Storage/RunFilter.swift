import COmenDBShim

/// A run's key filter: a split-block Bloom filter that answers "certainly absent" for
/// most keys the run does not hold, with one cache line read and no search.
///
/// Layout (docs/format.md, "Run file", filter section): `blockCount` blocks of 64 bytes,
/// each eight little-endian UInt64 words. A key sets one bit in each word of one block:
/// the block comes from the high half of a 64-bit mix of the key (multiply-shift, so any
/// block count works), the bit in word `i` from the low 32 bits times an odd salt,
/// top 6 bits. So a probe reads exactly one cache line (when the section is 64-byte
/// aligned) and tests eight bits, branch-free.
///
/// At `bitsPerKey` = 10 the false-positive rate is about 1 % (measured in
/// `RunFilterTests` against a hash set of the keys) for 1.25 bytes per key, resident.
/// Filters live in memory only (no file format): the background worker builds one for
/// every run but the oldest from its checked key column (`RunFile.buildFilter`), and
/// lookups consult it for every run but the oldest one (`StorageView.locate`): most keys
/// a newer run is asked for are not in it, while at the oldest run a present key would
/// pay the filter's cache miss on top of the search it needs anyway.
///
/// Thread safety: immutable once built; any number of threads may probe.
struct RunFilter {
    static let blockWords = 8
    static let blockBytes = 64
    static let bitsPerKey = 10
    /// The salts of the split-block Bloom filter of Apache Parquet's specification: odd
    /// constants, one per word, spreading one 32-bit hash over eight bit positions.
    @usableFromInline static let salts: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) =
        (0x47B6_137B, 0x4497_4D91, 0x8824_AD5B, 0xA2B7_289D, 0x7054_95C7, 0x2DF1_424B, 0x9EFC_4947, 0x5C6B_FB31)

    /// The filter's words (in a run's mapping, or owned by the builder's caller).
    let words: UnsafePointer<UInt64>
    let blockCount: Int

    init(words: UnsafePointer<UInt64>, blockCount: Int) {
        self.words = words
        self.blockCount = blockCount
    }

    /// Blocks for `count` keys at `bitsPerKey` (at least one).
    static func blockCount(keys count: Int) -> Int {
        max(1, (count * bitsPerKey + blockBytes * 8 - 1) / (blockBytes * 8))
    }

    /// Bytes of the filter section for `count` keys.
    static func byteCount(keys count: Int) -> Int { blockCount(keys: count) * blockBytes }

    /// A 64-bit mix of the key (the murmur3 finalizer): every key bit affects every hash bit.
    @inline(__always)
    static func hash(_ key: Int64) -> UInt64 {
        var h = UInt64(bitPattern: key)
        h ^= h >> 33
        h &*= 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        h &*= 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 33
        return h
    }

    /// The eight bit masks of `hash` within its block, word by word.
    @inline(__always)
    static func masks(_ hash: UInt64) -> (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) {
        let h = UInt32(truncatingIfNeeded: hash)
        @inline(__always) func bit(_ salt: UInt32) -> UInt64 { 1 &<< UInt64((h &* salt) >> 26) }
        return (bit(salts.0), bit(salts.1), bit(salts.2), bit(salts.3),
                bit(salts.4), bit(salts.5), bit(salts.6), bit(salts.7))
    }

    @inline(__always)
    static func block(_ hash: UInt64, _ blockCount: Int) -> Int {
        Int(truncatingIfNeeded: hash.multipliedFullWidth(by: UInt64(blockCount)).high)
    }

    /// False when the run certainly does not hold `key`.
    @inline(__always)
    func mayContain(_ key: Int64) -> Bool {
        let h = Self.hash(key)
        let w = words + Self.block(h, blockCount) &* Self.blockWords
        let m = Self.masks(h)
        // Little-endian words on little-endian machines: the loads need no swap there.
        var missing = ~UInt64(littleEndian: w[0]) & m.0
        missing |= ~UInt64(littleEndian: w[1]) & m.1
        missing |= ~UInt64(littleEndian: w[2]) & m.2
        missing |= ~UInt64(littleEndian: w[3]) & m.3
        missing |= ~UInt64(littleEndian: w[4]) & m.4
        missing |= ~UInt64(littleEndian: w[5]) & m.5
        missing |= ~UInt64(littleEndian: w[6]) & m.6
        missing |= ~UInt64(littleEndian: w[7]) & m.7
        return missing == 0
    }

    /// Hints the CPU to load `key`'s block.
    @inline(__always)
    func prefetch(_ key: Int64) {
        odb_prefetch(UnsafeRawPointer(words + Self.block(Self.hash(key), blockCount) &* Self.blockWords))
    }

    /// Sets `key`'s bits in `words` (`blockCount` blocks, zeroed before the first key).
    static func insert(_ key: Int64, into words: UnsafeMutablePointer<UInt64>, blockCount: Int) {
        let h = hash(key)
        let w = words + block(h, blockCount) &* blockWords
        let m = masks(h)
        w[0] = (UInt64(littleEndian: w[0]) | m.0).littleEndian
        w[1] = (UInt64(littleEndian: w[1]) | m.1).littleEndian
        w[2] = (UInt64(littleEndian: w[2]) | m.2).littleEndian
        w[3] = (UInt64(littleEndian: w[3]) | m.3).littleEndian
        w[4] = (UInt64(littleEndian: w[4]) | m.4).littleEndian
        w[5] = (UInt64(littleEndian: w[5]) | m.5).littleEndian
        w[6] = (UInt64(littleEndian: w[6]) | m.6).littleEndian
        w[7] = (UInt64(littleEndian: w[7]) | m.7).littleEndian
    }
}

/// Where a run's filter is published once built: one word, 0 until then, else the
/// address of the `RunFilter` (readers load it with acquire; only the background worker
/// stores it, once). Owns the filter and its words; freed with its run.
struct RunFilterCell {
    private let word: UnsafeMutablePointer<UInt64>

    init() {
        word = .allocate(capacity: 1)
        word.initialize(to: 0)
    }

    /// The filter, or nil while none is built: one acquire load, nothing written.
    @inline(__always)
    var filter: RunFilter? {
        let bits = odb_shim_load_acquire_u64(word)
        return bits == 0 ? nil : UnsafePointer<RunFilter>(bitPattern: UInt(bits)).unsafelyUnwrapped.pointee
    }

    var isBuilt: Bool { odb_shim_load_acquire_u64(word) != 0 }

    /// Builds the filter of `keys[0..<count]` and publishes it; returns false (nothing
    /// published) when `cancelled` turns true meanwhile (checked every 64Ki keys).
    func build(_ keys: UnsafePointer<Int64>, count: Int, cancelled: () -> Bool) -> Bool {
        let blocks = RunFilter.blockCount(keys: count)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: blocks * RunFilter.blockBytes, alignment: RunFilter.blockBytes)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: blocks * RunFilter.blockBytes)
        let words = raw.bindMemory(to: UInt64.self, capacity: blocks * RunFilter.blockWords)
        var i = 0
        while i < count {
            if cancelled() {
                raw.deallocate()
                return false
            }
            for j in i..<min(count, i &+ (1 << 16)) { RunFilter.insert(keys[j], into: words, blockCount: blocks) }
            i &+= 1 << 16
        }
        let filter = UnsafeMutablePointer<RunFilter>.allocate(capacity: 1)
        filter.initialize(to: RunFilter(words: words, blockCount: blocks))
        odb_shim_store_release_u64(word, UInt64(UInt(bitPattern: filter)))
        return true
    }

    /// Frees the filter (the run is gone: no reader can hold it).
    func deallocate() {
        if let filter = UnsafeMutablePointer<RunFilter>(bitPattern: UInt(word.pointee)) {
            UnsafeMutableRawPointer(mutating: filter.pointee.words).deallocate()
            filter.deallocate()
        }
        word.deallocate()
    }
}
