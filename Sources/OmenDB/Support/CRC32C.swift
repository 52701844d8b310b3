import COmenDBShim

/// CRC-32C (Castagnoli polynomial 0x1EDC6F41, reflected 0x82F63B78), the checksum of
/// iSCSI, ext4 and most storage engines. Uses the SSE4.2 `crc32` instruction when the
/// CPU has it and a slicing-by-8 table otherwise; both give identical results.
///
/// `checksum(b, seed: checksum(a))` equals `checksum(a + b)`, so a checksum can be
/// computed incrementally. `checksum("123456789")` is `0xE3069283`.
public enum CRC32C {
    /// The CRC-32C of `bytes`, continuing from `seed` (the checksum of preceding bytes; 0 to start).
    public static func checksum(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return seed }
        if hardwareAvailable {
            return ~odb_shim_crc32c_hardware(~seed, base, bytes.count)
        }
        return ~software(~seed, base, bytes.count)
    }

    /// The CRC-32C of the bytes of a contiguous array.
    public static func checksum(_ bytes: [UInt8], seed: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0, seed: seed) }
    }

    /// Whether the hardware path is in use on this machine.
    public static let hardwareAvailable: Bool = odb_shim_crc32c_hardware_available() != 0

    /// The slicing-by-8 software path (always available; exposed for tests), on the raw register.
    static func software(_ crc: UInt32, _ base: UnsafeRawPointer, _ count: Int) -> UInt32 {
        let table = tables.baseAddress!
        var crc = crc
        var p = base
        var remaining = count
        while remaining >= 8 {
            let word = UInt64(littleEndian: p.loadUnaligned(as: UInt64.self)) ^ UInt64(crc)
            crc = table[7 &* 256 &+ Int(word & 0xFF)]
                ^ table[6 &* 256 &+ Int((word &>> 8) & 0xFF)]
                ^ table[5 &* 256 &+ Int((word &>> 16) & 0xFF)]
                ^ table[4 &* 256 &+ Int((word &>> 24) & 0xFF)]
                ^ table[3 &* 256 &+ Int((word &>> 32) & 0xFF)]
                ^ table[2 &* 256 &+ Int((word &>> 40) & 0xFF)]
                ^ table[1 &* 256 &+ Int((word &>> 48) & 0xFF)]
                ^ table[Int(word &>> 56)]
            p += 8
            remaining &-= 8
        }
        while remaining > 0 {
            crc = table[Int((crc ^ UInt32(p.load(as: UInt8.self))) & 0xFF)] ^ (crc &>> 8)
            p += 1
            remaining &-= 1
        }
        return crc
    }

    /// `tables[k * 256 + b]`: the CRC register after byte `b` followed by `k` zero bytes.
    private static let tables: UnsafeBufferPointer<UInt32> = {
        let table = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: 8 * 256)
        for b in 0..<256 {
            var crc = UInt32(b)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc &>> 1) ^ 0x82F6_3B78 : crc &>> 1 }
            table[b] = crc
        }
        for k in 1..<8 {
            for b in 0..<256 {
                let previous = table[(k - 1) * 256 + b]
                table[k * 256 + b] = table[Int(previous & 0xFF)] ^ (previous &>> 8)
            }
        }
        return UnsafeBufferPointer(table)
    }()
}
