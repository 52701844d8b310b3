/// Layout of run files (docs/format.md, "Run file"). All integers little-endian.
///
///     header (32) | value heap (padded to 8) | keys (8·n) | meta (8·n) |
///     value offsets (8·(n+1)) | model | heap block checksums (version 3) |
///     column block checksums (version 4) | range tombstones (version 5, when
///     flagged) | footer (144)
enum RunFormat {
    static let magic: UInt64 = 0x314E_5552_4E45_4D4F  // "OMENRUN1"
    /// Version 2 adds the footer's flags; version 3 the heap block checksums section
    /// (versions 1 and 2 are still read, their heap checked by verify only); version 4
    /// the column block checksums section and a model of any array kind in the learned
    /// index's own format (`IndexFormat`; versions 1–3 hold a PGM model, `RunModelCoding`).
    /// Version 5 adds the range tombstones section (footer flag `flagRangeTombstones`).
    static let version: UInt32 = 5
    static let oldestReadableVersion: UInt32 = 1
    /// The first version with the heap block checksums section.
    static let heapBlockChecksumsVersion: UInt32 = 3
    /// The first version with the column block checksums section and an `IndexFormat` model.
    static let columnBlockChecksumsVersion: UInt32 = 4
    /// The first version that may hold a range tombstones section.
    static let rangeTombstonesVersion: UInt32 = 5
    /// Column blocks: 4 KiB of a column, 512 entries of 8 bytes.
    static let columnBlockShift = 9
    /// Heap block size for the per-block checksums: 4 bytes of checksum per 4 KiB of values.
    static let heapBlockShift = 12
    static let heapBlockSize = 1 << heapBlockShift
    /// Footer flag: every value has the size heapLength / count; the offsets column is omitted.
    static let flagEqualValueSizes: UInt32 = 1
    /// Footer flag: every entry's meta is `largestSequence << 1` (one sequence, no
    /// tombstone, e.g. a bulk load); the meta column is omitted.
    static let flagUniformMeta: UInt32 = 2
    /// Footer flag (version 5): the range tombstones section precedes the footer:
    /// T entries of first key (8), last key (8, inclusive) and sequence (8), sorted and
    /// disjoint, then T (8), the CRC-32C of the entries and T (4) and 4 zero bytes.
    static let flagRangeTombstones: UInt32 = 4
    static let rangeTombstoneEntrySize = 24
    static let rangeTombstoneTrailerSize = 16
    static let headerSize = 32
    static let footerSize = 144
    /// Bytes of one serialized PGM segment.
    static let segmentSize = 48

    static func fileName(_ number: UInt64) -> String { "run-\(paddedNumber(number)).run" }

    /// Blocks of a heap of `heapLength` bytes (the last one may be shorter).
    static func heapBlockCount(_ heapLength: UInt64) -> Int {
        Int((heapLength + UInt64(heapBlockSize) - 1) >> UInt64(heapBlockShift))
    }

    /// Bytes of the heap block checksums section: one CRC-32C per block, then the
    /// CRC-32C of those entries.
    static func heapBlockChecksumsLength(_ heapLength: UInt64) -> Int { 4 * (heapBlockCount(heapLength) + 1) }

    /// 4 KiB blocks of a column of `entries` 8-byte entries (the last one may be shorter).
    static func columnBlockCount(_ entries: Int) -> Int { (entries + (1 << columnBlockShift) - 1) >> columnBlockShift }

    /// Bytes of the column block checksums section: one CRC-32C per block of each stored
    /// column (keys; meta and offsets unless omitted), then the CRC-32C of those entries.
    static func columnBlockChecksumsLength(count: Int, meta: Bool, offsets: Bool) -> Int {
        4 * (columnBlockCount(count) + (meta ? columnBlockCount(count) : 0) + (offsets ? columnBlockCount(count + 1) : 0) + 1)
    }

    /// Meta column entry: sequence number shifted left, tombstone in bit 0.
    @inline(__always) static func meta(sequence: UInt64, tombstone: Bool) -> UInt64 {
        (sequence << 1) | (tombstone ? 1 : 0)
    }
}

/// The fixed-size footer at the end of a run file: where each section is and its checksum.
struct RunFooter {
    var count: UInt64 = 0
    var minimumKey: Int64 = 0
    var maximumKey: Int64 = 0
    var largestSequence: UInt64 = 0
    var heapOffset: UInt64 = 0
    var heapLength: UInt64 = 0
    var keysOffset: UInt64 = 0
    var metaOffset: UInt64 = 0
    var offsetsOffset: UInt64 = 0
    var modelOffset: UInt64 = 0
    var modelLength: UInt64 = 0
    var tombstoneCount: UInt64 = 0
    var headerCRC: UInt32 = 0
    var heapCRC: UInt32 = 0
    var keysCRC: UInt32 = 0
    var metaCRC: UInt32 = 0
    var offsetsCRC: UInt32 = 0
    var modelCRC: UInt32 = 0
    /// `RunFormat.flag*` bits (the reserved word of version 1, always 0 there).
    var flags: UInt32 = 0
    /// The format version the run was written with (the current one for a new footer).
    var version = RunFormat.version

    var hasEqualValueSizes: Bool { flags & RunFormat.flagEqualValueSizes != 0 }
    var hasUniformMeta: Bool { flags & RunFormat.flagUniformMeta != 0 }
    var hasRangeTombstones: Bool { flags & RunFormat.flagRangeTombstones != 0 }
    /// Bytes of the meta and offsets sections as stored (0 when omitted).
    var metaLength: UInt64 { hasUniformMeta ? 0 : 8 * count }
    var offsetsLength: UInt64 { hasEqualValueSizes ? 0 : 8 * (count + 1) }
    /// Version 3 and later: each heap block's checksum is stored (and checked by reads).
    var hasHeapBlockChecksums: Bool { version >= RunFormat.heapBlockChecksumsVersion }
    /// Bytes of the heap block checksums section (0 before version 3); it follows the model.
    var heapBlockChecksumsLength: Int { hasHeapBlockChecksums ? RunFormat.heapBlockChecksumsLength(heapLength) : 0 }
    /// Version 4 and later: each column block's checksum is stored (and checked by reads);
    /// the model is in `IndexFormat`; the keys, meta and offsets CRC fields are 0.
    var hasColumnBlockChecksums: Bool { version >= RunFormat.columnBlockChecksumsVersion }
    /// Bytes of the column block checksums section (0 before version 4); it ends where the footer starts.
    var columnBlockChecksumsLength: Int {
        hasColumnBlockChecksums ? RunFormat.columnBlockChecksumsLength(count: Int(count), meta: !hasUniformMeta,
                                                                        offsets: !hasEqualValueSizes) : 0
    }

    func encoded() -> [UInt8] {
        var writer = StorageByteWriter(capacity: RunFormat.footerSize)
        writer.append(RunFormat.magic)
        writer.append(version)
        writer.append(UInt32(RunFormat.footerSize))
        for field in [count, UInt64(bitPattern: minimumKey), UInt64(bitPattern: maximumKey), largestSequence,
                      heapOffset, heapLength, keysOffset, metaOffset, offsetsOffset, modelOffset, modelLength,
                      tombstoneCount] {
            writer.append(field)
        }
        for crc in [headerCRC, heapCRC, keysCRC, metaCRC, offsetsCRC, modelCRC] { writer.append(crc) }
        writer.append(flags)
        let crc = CRC32C.checksum(writer.bytes)
        writer.append(crc)
        precondition(writer.bytes.count == RunFormat.footerSize)
        return writer.bytes
    }

    /// Decodes and checks a footer; `fileOffset` is where it starts in `fileName`.
    static func decode(_ base: UnsafeRawPointer, fileOffset: Int, fileName: String) throws(OmenError) -> RunFooter {
        var reader = StorageByteReader(base, count: RunFormat.footerSize, fileOffset: fileOffset, fileName: fileName)
        let magic = try reader.read(UInt64.self)
        let version = try reader.read(UInt32.self)
        let size = try reader.read(UInt32.self)
        guard magic == RunFormat.magic else { throw OmenError(.corruption, "\(fileName): bad run footer magic at offset \(fileOffset)") }
        guard version >= RunFormat.oldestReadableVersion && version <= RunFormat.version else {
            throw OmenError(.unsupported, "\(fileName): run format version \(version) is not supported (this build reads versions \(RunFormat.oldestReadableVersion)-\(RunFormat.version))")
        }
        guard size == UInt32(RunFormat.footerSize),
              CRC32C.update(0, base, RunFormat.footerSize - 4)
                == (base + RunFormat.footerSize - 4).loadUnaligned(as: UInt32.self).littleEndian else {
            throw OmenError(.corruption, "\(fileName): run footer checksum mismatch at offset \(fileOffset)")
        }
        var footer = RunFooter()
        footer.version = version
        footer.count = try reader.read(UInt64.self)
        footer.minimumKey = try reader.read(Int64.self)
        footer.maximumKey = try reader.read(Int64.self)
        footer.largestSequence = try reader.read(UInt64.self)
        footer.heapOffset = try reader.read(UInt64.self)
        footer.heapLength = try reader.read(UInt64.self)
        footer.keysOffset = try reader.read(UInt64.self)
        footer.metaOffset = try reader.read(UInt64.self)
        footer.offsetsOffset = try reader.read(UInt64.self)
        footer.modelOffset = try reader.read(UInt64.self)
        footer.modelLength = try reader.read(UInt64.self)
        footer.tombstoneCount = try reader.read(UInt64.self)
        footer.headerCRC = try reader.read(UInt32.self)
        footer.heapCRC = try reader.read(UInt32.self)
        footer.keysCRC = try reader.read(UInt32.self)
        footer.metaCRC = try reader.read(UInt32.self)
        footer.offsetsCRC = try reader.read(UInt32.self)
        footer.modelCRC = try reader.read(UInt32.self)
        footer.flags = try reader.read(UInt32.self)
        let known = RunFormat.flagEqualValueSizes | RunFormat.flagUniformMeta
            | (version >= RunFormat.rangeTombstonesVersion ? RunFormat.flagRangeTombstones : 0)
        guard footer.flags & ~known == 0, version >= 2 || footer.flags == 0,
              !footer.hasUniformMeta || footer.tombstoneCount == 0,
              !footer.hasEqualValueSizes || (footer.count > 0 && footer.heapLength % footer.count == 0) else {
            throw OmenError(.corruption, "\(fileName): run footer flags \(footer.flags) invalid at offset \(fileOffset + 136)")
        }
        return footer
    }
}

/// The PGM model of run format versions 1–3 (read only; version 4 stores the learned
/// index's own `IndexFormat`): epsilon (8), recursive epsilon (8), level count L (8),
/// L+1 level starts (8 each), then the segments (48 bytes each: key, slope, intercept,
/// start, end, error below (4), error above (4)).
enum RunModelCoding {
    /// Loads a model over `keys[0..<count]` and checks that its structure cannot lead a
    /// lookup outside the arrays (bounds, level shapes, sorted segment keys).
    static func decode(_ base: UnsafeRawPointer, length: Int, keys: UnsafePointer<Int64>, count: Int,
                       windowSearch: WindowSearch, fileOffset: Int, fileName: String) throws(OmenError) -> IndexModel {
        var reader = StorageByteReader(base, count: length, fileOffset: fileOffset, fileName: fileName)
        let epsilon = try reader.read(UInt64.self)
        let recursiveEpsilon = try reader.read(UInt64.self)
        let storedLevelCount = try reader.read(UInt64.self)
        guard storedLevelCount <= 64, (count == 0) == (storedLevelCount == 0) else {
            throw reader.corruption("implausible level count \(storedLevelCount)")
        }
        let levelCount = Int(storedLevelCount)
        var starts: [Int] = []
        for _ in 0...levelCount { starts.append(Int(clamping: try reader.read(UInt64.self))) }
        let total = starts[levelCount]
        guard starts[0] == 0, total >= 0, total <= reader.remaining / RunFormat.segmentSize,
              zip(starts, starts.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            throw reader.corruption("bad level table")
        }
        var segments: [BoundedLinearModel] = []
        segments.reserveCapacity(total)
        for _ in 0..<total {
            let key = try reader.read(Int64.self)
            let slope = try reader.readDouble()
            let intercept = try reader.readDouble()
            let start = Int(clamping: try reader.read(UInt64.self))
            let end = Int(clamping: try reader.read(UInt64.self))
            let below = try reader.read(UInt32.self)
            let above = try reader.read(UInt32.self)
            var segment = BoundedLinearModel(key: key, slope: slope, intercept: intercept, start: start, end: end)
            segment.errorBelow = Int(below)
            segment.errorAbove = Int(above)
            segments.append(segment)
        }
        try validate(segments, starts: starts, keys: keys, count: count, reader: reader)
        let levels = (0..<levelCount).map { l in Array(segments[starts[l]..<starts[l + 1]]) }
        return .pgm(PGMIndex(keys: keys, count: count, epsilon: Int(clamping: epsilon), recursiveEpsilon: Int(clamping: recursiveEpsilon),
                             windowSearch: windowSearch, levels: levels))
    }

    private static func validate(_ segments: [BoundedLinearModel], starts: [Int], keys: UnsafePointer<Int64>, count: Int,
                                 reader: StorageByteReader) throws(OmenError) {
        let levelCount = starts.count - 1
        guard levelCount > 0 else { return }
        guard starts[levelCount] - starts[levelCount - 1] == 1 else { throw reader.corruption("model root level has more than one segment") }
        for level in 0..<levelCount {
            guard starts[level] < starts[level + 1] else { throw reader.corruption("model level \(level) is empty") }
            let below = level == 0 ? count : starts[level] - starts[level - 1]
            guard segments[starts[level]].key == keys[0] else { throw reader.corruption("model level \(level) does not start at the first key") }
            var previous = Int64.min
            for i in starts[level]..<starts[level + 1] {
                let segment = segments[i]
                guard segment.start >= 0, segment.start <= segment.end, segment.end <= below,
                      segment.key >= previous, segment.slope.isFinite, segment.intercept.isFinite else {
                    throw reader.corruption("model segment \(i) is out of bounds")
                }
                previous = segment.key
            }
        }
    }
}
