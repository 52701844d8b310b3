@testable import OmenDB

/// Rewrites the checksums (and length fields) of fuzzed engine files so that they hold
/// for the mutated bytes: without this nearly every mutation would stop at a CRC check,
/// and a deliberately crafted file passes its CRCs anyway. Only fields that the format
/// derives from other bytes are rewritten; everything else stays as the fuzzer made it.
public enum ChecksumRepair {
    /// WAL: the header CRC, then each record's CRC while its length field fits the file.
    public static func wal(_ bytes: inout [UInt8]) {
        guard bytes.count >= WALFormat.headerSize else { return }
        store(crc(bytes, 0..<24), in: &bytes, at: 24)
        var offset = WALFormat.headerSize
        while bytes.count - offset >= WALFormat.recordPrefix + WALFormat.bodyMinimum {
            let body = Int(load(UInt32.self, bytes, at: offset + 4))
            guard body >= WALFormat.bodyMinimum, body <= bytes.count - offset - WALFormat.recordPrefix else { return }
            store(crc(bytes, (offset + 4)..<(offset + 8 + body)), in: &bytes, at: offset)
            offset += WALFormat.recordPrefix + body
        }
    }

    /// Manifest: the trailing CRC of everything before it.
    public static func manifest(_ bytes: inout [UInt8]) {
        guard bytes.count >= 4 else { return }
        store(crc(bytes, 0..<(bytes.count - 4)), in: &bytes, at: bytes.count - 4)
    }

    /// Run file: the section CRCs the footer records (each section that lies inside the
    /// file, as the footer's offsets and lengths say), version 4's column block checksums
    /// and its model's own envelope, then the footer's own CRC.
    public static func run(_ bytes: inout [UInt8]) {
        let size = bytes.count
        guard size >= RunFormat.headerSize + RunFormat.footerSize else { return }
        let footer = size - RunFormat.footerSize
        func field(_ index: Int) -> UInt64 { load(UInt64.self, bytes, at: footer + 16 + 8 * index) }
        let count = field(0)
        let flags = load(UInt32.self, bytes, at: footer + 136)
        let metaLength = flags & RunFormat.flagUniformMeta != 0 ? 0 : count &* 8
        let offsetsLength = flags & RunFormat.flagEqualValueSizes != 0 ? 0 : (count &+ 1) &* 8
        let sections: [(offset: UInt64, length: UInt64)] = [
            (0, UInt64(RunFormat.headerSize)), (field(4), field(5)), (field(6), count &* 8),
            (field(7), metaLength), (field(8), offsetsLength), (field(9), field(10)),
        ]
        let version = load(UInt32.self, bytes, at: footer + 8)
        let inside = { (s: (offset: UInt64, length: UInt64)) in s.offset <= UInt64(footer) && s.length <= UInt64(footer) - s.offset }
        if version >= RunFormat.columnBlockChecksumsVersion && inside(sections[5]) {
            // The model is a serialized index with its own length field and trailing CRC.
            let start = Int(sections[5].offset)
            var model = Array(bytes[start..<(start + Int(sections[5].length))])
            envelope(&model)
            bytes.replaceSubrange(start..<(start + model.count), with: model)
            repairColumnBlocks(&bytes, footer: footer, count: count, columns: [sections[2], sections[3], sections[4]])
        }
        for (i, section) in sections.enumerated() where inside(section) {
            // Version 4 stores no whole-column CRCs (its column blocks have theirs).
            if version >= RunFormat.columnBlockChecksumsVersion && (2...4).contains(i) { continue }
            let start = Int(section.offset)
            store(crc(bytes, start..<(start + Int(section.length))), in: &bytes, at: footer + 112 + 4 * i)
        }
        store(crc(bytes, footer..<(size - 4)), in: &bytes, at: size - 4)
    }

    /// Version 4: the column block checksums section ends where the footer starts; its
    /// entries are each stored column's 4 KiB block CRCs, then the CRC of the entries.
    private static func repairColumnBlocks(_ bytes: inout [UInt8], footer: Int, count: UInt64,
                                           columns: [(offset: UInt64, length: UInt64)]) {
        let stored = columns.enumerated().filter { $0.offset == 0 || $0.element.length > 0 }.map(\.element)
        let blocks = stored.map { Int(($0.length / 8 + 511) / 512) }
        let sectionLength = 4 * (blocks.reduce(0, +) + 1)
        guard count < 1 << 40, sectionLength <= footer else { return }
        var entry = footer - sectionLength
        for (column, n) in zip(stored, blocks) where column.offset <= UInt64(footer) && column.length <= UInt64(footer) - column.offset {
            for b in 0..<n {
                let start = Int(column.offset) + 4096 * b
                store(crc(bytes, start..<min(start + 4096, Int(column.offset + column.length))), in: &bytes, at: entry + 4 * b)
            }
            entry += 4 * n
        }
        store(crc(bytes, (footer - sectionLength)..<(footer - 4)), in: &bytes, at: footer - 4)
    }

    /// Serialized index or ALEX map: the total length at offset 16 and the trailing CRC.
    public static func envelope(_ bytes: inout [UInt8]) {
        guard bytes.count >= 24 + 4 else { return }
        let length = UInt64(bytes.count)
        withUnsafeBytes(of: length.littleEndian) { for i in 0..<8 { bytes[16 + i] = $0[i] } }
        store(crc(bytes, 0..<(bytes.count - 4)), in: &bytes, at: bytes.count - 4)
    }

    private static func crc(_ bytes: [UInt8], _ range: Range<Int>) -> UInt32 {
        bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[range])) }
    }

    private static func load<T: FixedWidthInteger>(_: T.Type, _ bytes: [UInt8], at offset: Int) -> T {
        bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
    }

    private static func store(_ value: UInt32, in bytes: inout [UInt8], at offset: Int) {
        withUnsafeBytes(of: value.littleEndian) { for i in 0..<4 { bytes[offset + i] = $0[i] } }
    }
}
