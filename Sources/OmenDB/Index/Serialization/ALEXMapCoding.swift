/// The byte format of a whole `ALEXMap` (docs/format.md, "ALEX map format"): its
/// entries and its tree (structure and node models), checksummed. Loading places the
/// entries with the stored models, so the tree is not rebuilt or refitted.
///
/// ```
/// header   magic "OMDBAMAP" (8) | format version u32 | reserved u32 = 0 | total length u64
/// entries  key count u64 | keys i64 × count (strictly increasing) | payloads u64 × count
/// tree     node count u64 | nodes in pre-order (as in the ALEX index payload)
/// trailer  CRC-32C of every preceding byte, u32
/// ```
enum ALEXMapFormat {
    static let magic: [UInt8] = Array("OMDBAMAP".utf8)
    static let version: UInt32 = 1
    static let headerSize = 8 + 4 + 4 + 8
    static let lengthOffset = 16
    static let trailerSize = 4
}

extension ALEXMap {
    /// The map (entries, tree structure and node models) in the versioned,
    /// checksummed `ALEXMapFormat`.
    public func serialized() -> [UInt8] {
        var writer = ByteWriter(capacity: serializedSize)
        writer.raw(ALEXMapFormat.magic)
        writer.u32(ALEXMapFormat.version)
        writer.u32(0)
        writer.u64(0)  // total length, patched below
        writer.int(count)
        let keys = UnsafeMutablePointer<Int64>.allocate(capacity: max(count, 1))
        let payloads = UnsafeMutablePointer<UInt64>.allocate(capacity: max(count, 1))
        defer { keys.deallocate(); payloads.deallocate() }
        let copied = copyEntries(from: Int64.min, capacity: count, keys: keys, payloads: payloads)
        precondition(copied == count)
        for i in 0..<count { writer.i64(keys[i]) }
        for i in 0..<count { writer.u64(payloads[i]) }
        ALEXModelCoding.writeTree(root, &writer)
        writer.patch(u64: UInt64(writer.bytes.count + ALEXMapFormat.trailerSize), at: ALEXMapFormat.lengthOffset)
        let crc = writer.bytes.withUnsafeBytes { CRC32C.checksum($0) }
        writer.u32(crc)
        return writer.bytes
    }

    /// The exact byte count of `serialized()`.
    public var serializedSize: Int {
        ALEXMapFormat.headerSize + 8 + 16 * count + ALEXModelCoding.treeSize(root) + ALEXMapFormat.trailerSize
    }

    /// Loads a map written by `serialized()`.
    /// - Throws: `.corruption` for a damaged or truncated buffer (bad magic, length,
    ///   checksum, unsorted keys or an inconsistent tree), `.unsupported` for an
    ///   intact buffer of an unknown format version.
    public static func load(from bytes: UnsafeRawBufferPointer) throws(OmenError) -> ALEXMap {
        try checkEnvelope(bytes)
        var reader = ByteReader(UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.count - ALEXMapFormat.trailerSize)]))
        _ = try reader.bytes(ALEXMapFormat.magic.count)
        let version = try reader.u32()
        guard version == ALEXMapFormat.version else {
            throw OmenError(.unsupported, "serialized map has format version \(version); this build reads version \(ALEXMapFormat.version)")
        }
        guard try reader.u32() == 0 else { throw corrupt("reserved field is not 0") }
        _ = try reader.u64()  // total length, checked by checkEnvelope
        let count = try reader.count(atMost: reader.remaining / 16, "key count")
        let keys = UnsafeMutablePointer<Int64>.allocate(capacity: max(count, 1))
        let payloads = UnsafeMutablePointer<UInt64>.allocate(capacity: max(count, 1))
        defer { keys.deallocate(); payloads.deallocate() }
        for i in 0..<count {
            keys[i] = try reader.i64()
            guard i == 0 || keys[i] > keys[i - 1] else { throw corrupt("keys not strictly increasing at \(i)") }
        }
        for i in 0..<count { payloads[i] = try reader.u64() }
        let map = try ALEXModelCoding.readTree(&reader, keys: UnsafeBufferPointer(start: keys, count: count),
                                               payloads: UnsafeBufferPointer(start: payloads, count: count),
                                               bulkLoaded: false)
        guard reader.remaining == 0 else { throw corrupt("\(reader.remaining) unexpected bytes after the tree") }
        return map
    }

    /// Loads a map from a byte array (see `load(from:)`).
    public static func load(from bytes: [UInt8]) throws(OmenError) -> ALEXMap {
        try bytes.withUnsafeBytes { raw in Result { () throws(OmenError) in try load(from: raw) } }.get()
    }

    private static func corrupt(_ what: String) -> OmenError {
        OmenError(.corruption, "serialized map: \(what)")
    }

    /// Magic, total length and checksum.
    private static func checkEnvelope(_ bytes: UnsafeRawBufferPointer) throws(OmenError) {
        let minimum = ALEXMapFormat.headerSize + ALEXMapFormat.trailerSize
        guard bytes.count >= minimum, let base = bytes.baseAddress else {
            throw corrupt("\(bytes.count) bytes, shorter than the \(minimum)-byte minimum")
        }
        guard ALEXMapFormat.magic.indices.allSatisfy({ bytes[$0] == ALEXMapFormat.magic[$0] }) else {
            throw corrupt("does not start with the OMDBAMAP magic")
        }
        let length = UInt64(littleEndian: (base + ALEXMapFormat.lengthOffset).loadUnaligned(as: UInt64.self))
        guard length == UInt64(bytes.count) else {
            throw corrupt("says it is \(length) bytes but \(bytes.count) were given (truncated or damaged)")
        }
        let body = UnsafeRawBufferPointer(start: base, count: bytes.count - ALEXMapFormat.trailerSize)
        let stored = UInt32(littleEndian: (base + body.count).loadUnaligned(as: UInt32.self))
        let computed = CRC32C.checksum(body)
        guard stored == computed else { throw corrupt("checksum mismatch (stored \(stored), computed \(computed))") }
    }
}
