@testable import OmenDB

/// Rewrites the trailing CRC-32C of a serialized buffer (index or map) so that only
/// the loader's structural checks stand between crafted bytes and a loaded structure.
func resealed(_ bytes: [UInt8]) -> [UInt8] {
    var bytes = bytes
    let body = bytes.count - 4
    let crc = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<body])) }
    for i in 0..<4 { bytes[body + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
    return bytes
}
