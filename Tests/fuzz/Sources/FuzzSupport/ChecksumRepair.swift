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
    /// file, as the footer's offsets and lengths say), then the footer's own CRC.
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
        for (i, section) in sections.enumerated()
        where section.offset <= UInt64(footer) && section.length <= UInt64(footer) - section.offset {
            let start = Int(section.offset)
            store(crc(bytes, start..<(start + Int(section.length))), in: &bytes, at: footer + 112 + 4 * i)
        }
        store(crc(bytes, footer..<(size - 4)), in: &bytes, at: size - 4)
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
