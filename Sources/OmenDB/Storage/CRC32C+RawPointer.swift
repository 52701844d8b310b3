extension CRC32C {
    /// Continues the checksum `crc` (0 to start) over `count` bytes at `bytes`
    /// (pointer form of `checksum(_:seed:)`, for the storage engine's sections).
    @inline(__always)
    static func update(_ crc: UInt32, _ bytes: UnsafeRawPointer, _ count: Int) -> UInt32 {
        checksum(UnsafeRawBufferPointer(start: bytes, count: count), seed: crc)
    }
}
