/// Appends little-endian fields to a byte array.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    mutating func u64(_ value: UInt64) {
        var v = value.littleEndian
        withUnsafeBytes(of: &v) { bytes.append(contentsOf: $0) }
    }
    mutating func u32(_ value: UInt32) {
        var v = value.littleEndian
        withUnsafeBytes(of: &v) { bytes.append(contentsOf: $0) }
    }
    mutating func u16(_ value: UInt16) {
        var v = value.littleEndian
        withUnsafeBytes(of: &v) { bytes.append(contentsOf: $0) }
    }
    mutating func i64(_ value: Int64) { u64(UInt64(bitPattern: value)) }
    mutating func int(_ value: Int) { u64(UInt64(bitPattern: Int64(value))) }
    mutating func f64(_ value: Double) { u64(value.bitPattern) }
    mutating func raw(_ data: [UInt8]) { bytes.append(contentsOf: data) }

    /// Overwrites 8 bytes at `offset` (for a length field known only at the end).
    mutating func patch(u64 value: UInt64, at offset: Int) {
        for i in 0..<8 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
    }
}

/// Reads little-endian fields from untrusted bytes: every read is bounds-checked and
/// running past the end is `.corruption`, never a crash.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    private(set) var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }

    // The checks stay inline and their messages out of line: loading a model reads
    // hundreds of thousands of fields.
    @inline(__always)
    private mutating func take(_ size: Int) throws(OmenError) -> UnsafeRawPointer {
        guard size <= remaining, let base = bytes.baseAddress else { throw truncated(size) }
        defer { offset += size }
        return base + offset
    }

    @inline(never)
    private func truncated(_ size: Int) -> OmenError {
        OmenError(.corruption, "serialized index is truncated at byte \(offset) (needs \(size) more)")
    }

    @inline(__always) mutating func u64() throws(OmenError) -> UInt64 { UInt64(littleEndian: try take(8).loadUnaligned(as: UInt64.self)) }
    @inline(__always) mutating func u32() throws(OmenError) -> UInt32 { UInt32(littleEndian: try take(4).loadUnaligned(as: UInt32.self)) }
    @inline(__always) mutating func u16() throws(OmenError) -> UInt16 { UInt16(littleEndian: try take(2).loadUnaligned(as: UInt16.self)) }
    @inline(__always) mutating func i64() throws(OmenError) -> Int64 { Int64(bitPattern: try u64()) }
    @inline(__always) mutating func f64() throws(OmenError) -> Double { Double(bitPattern: try u64()) }
    mutating func bytes(_ count: Int) throws(OmenError) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: try take(count), count: count)
    }

    /// A non-negative count that must not exceed `limit` (a corrupt count must not
    /// drive an allocation or a loop).
    @inline(__always)
    mutating func count(atMost limit: Int, _ what: StaticString) throws(OmenError) -> Int {
        let value = try u64()
        guard value <= UInt64(max(limit, 0)) else { throw Self.tooLarge(what, value, limit) }
        return Int(value)
    }

    @inline(never)
    private static func tooLarge(_ what: StaticString, _ value: UInt64, _ limit: Int) -> OmenError {
        OmenError(.corruption, "serialized index: \(what) \(value) exceeds \(limit)")
    }
}
