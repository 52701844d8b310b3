/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), slice-by-8, for the
/// storage engine's checksums (WAL records, run sections, manifest).
///
/// NOTE for the coordinator: a general `CRC32C` is being written in
/// Support/CRC32C.swift on another branch; this internal copy exists only to avoid a
/// merge conflict and should be unified with it (same polynomial, same results:
/// `StorageCRC32C.checksum("123456789") == 0xE3069283`).
enum StorageCRC32C {
    /// 8 tables of 256 entries: table[k][b] is the CRC of byte b followed by k zero bytes.
    static let tables: UnsafeMutablePointer<UInt32> = {
        let table = UnsafeMutablePointer<UInt32>.allocate(capacity: 8 * 256)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            table[byte] = crc
        }
        for byte in 0..<256 {
            var crc = table[byte]
            for k in 1..<8 {
                crc = table[Int(crc & 0xFF)] ^ (crc >> 8)
                table[k * 256 + byte] = crc
            }
        }
        return table
    }()

    /// Extends a running CRC (start with 0) over `count` bytes at `bytes`.
    static func update(_ crc: UInt32, _ bytes: UnsafeRawPointer, _ count: Int) -> UInt32 {
        let t = tables
        var crc = ~crc
        var p = bytes
        var remaining = count
        while remaining >= 8 {
            let word = p.loadUnaligned(as: UInt64.self).littleEndian
            let low = UInt32(truncatingIfNeeded: word) ^ crc
            let high = UInt32(truncatingIfNeeded: word >> 32)
            crc = t[7 * 256 + Int(low & 0xFF)] ^ t[6 * 256 + Int((low >> 8) & 0xFF)]
                ^ t[5 * 256 + Int((low >> 16) & 0xFF)] ^ t[4 * 256 + Int(low >> 24)]
                ^ t[3 * 256 + Int(high & 0xFF)] ^ t[2 * 256 + Int((high >> 8) & 0xFF)]
                ^ t[1 * 256 + Int((high >> 16) & 0xFF)] ^ t[Int(high >> 24)]
            p += 8
            remaining -= 8
        }
        while remaining > 0 {
            crc = t[Int((crc ^ UInt32(p.load(as: UInt8.self))) & 0xFF)] ^ (crc >> 8)
            p += 1
            remaining -= 1
        }
        return ~crc
    }

    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress else { return 0 }
        return update(0, base, bytes.count)
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }
}
