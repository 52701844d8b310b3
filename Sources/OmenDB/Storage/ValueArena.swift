/// Append-only memory for the hot tier's value records. Records never move, so
/// pointers into the arena stay valid for the arena's life (zero-copy reads);
/// the arena is freed when the last owner of its hot tier (db or snapshot) lets go.
///
/// A record: sequence (8) | older record in the same tier, or 0 (8) |
/// value length (4) | flags (4, bit 0 = tombstone) | value bytes, padded to 8.
final class ValueArena {
    static let recordHeader = 24
    private static let chunkSize = 1 << 20

    // Stored properties marked @exclusivity(unchecked) skip Swift's dynamic exclusivity
    // checks on this hot path (docs/performance.md, "Exclusivity checks").
    @exclusivity(unchecked) private var chunks: [UnsafeMutableRawPointer] = []
    @exclusivity(unchecked) private var cursor: UnsafeMutableRawPointer?
    @exclusivity(unchecked) private var available = 0
    /// Bytes allocated from the system.
    @exclusivity(unchecked) private(set) var allocatedBytes = 0
    /// Bytes of records appended.
    @exclusivity(unchecked) private(set) var usedBytes = 0

    deinit {
        for chunk in chunks { chunk.deallocate() }
    }

    /// Appends a record and returns its address.
    func append(sequence: UInt64, older: UnsafeRawPointer?, isTombstone: Bool,
                value: UnsafeRawBufferPointer) -> UnsafeMutableRawPointer {
        let size = (Self.recordHeader + value.count + 7) & ~7
        let record = reserve(size)
        usedBytes += size
        record.storeBytes(of: sequence, toByteOffset: 0, as: UInt64.self)
        record.storeBytes(of: UInt64(UInt(bitPattern: older)), toByteOffset: 8, as: UInt64.self)
        record.storeBytes(of: UInt32(value.count), toByteOffset: 16, as: UInt32.self)
        record.storeBytes(of: isTombstone ? 1 : 0, toByteOffset: 20, as: UInt32.self)
        if value.count > 0 { (record + Self.recordHeader).copyMemory(from: value.baseAddress!, byteCount: value.count) }
        return record
    }

    private func reserve(_ size: Int) -> UnsafeMutableRawPointer {
        if size > available {
            // Large values get a chunk of their own; the current chunk stays open.
            if size > Self.chunkSize / 4 {
                let chunk = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
                chunks.append(chunk)
                allocatedBytes += size
                return chunk
            }
            let chunk = UnsafeMutableRawPointer.allocate(byteCount: Self.chunkSize, alignment: 8)
            chunks.append(chunk)
            allocatedBytes += Self.chunkSize
            cursor = chunk
            available = Self.chunkSize
        }
        let record = cursor!
        cursor = record + size
        available -= size
        return record
    }
}

/// A view of one value record in a `ValueArena`.
struct HotRecord {
    let address: UnsafeRawPointer

    @inline(__always) init(_ address: UnsafeRawPointer) { self.address = address }
    @inline(__always) init?(payload: UInt64) {
        guard let pointer = UnsafeRawPointer(bitPattern: UInt(payload)) else { return nil }
        address = pointer
    }

    var sequence: UInt64 { address.load(as: UInt64.self) }
    var older: HotRecord? { HotRecord(payload: address.load(fromByteOffset: 8, as: UInt64.self)) }
    var length: Int { Int(address.load(fromByteOffset: 16, as: UInt32.self)) }
    var isTombstone: Bool { address.load(fromByteOffset: 20, as: UInt32.self) & 1 != 0 }
    var value: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: address + ValueArena.recordHeader, count: length)
    }
    var payload: UInt64 { UInt64(UInt(bitPattern: address)) }

    /// The newest version in this chain with sequence <= `sequence`.
    @inline(__always)
    func visible(at sequence: UInt64) -> HotRecord? {
        var record: HotRecord? = self
        while let current = record {
            if current.sequence <= sequence { return current }
            record = current.older
        }
        return nil
    }
}
