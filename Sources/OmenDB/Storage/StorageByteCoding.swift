/// Appends little-endian integers and raw bytes to a growable byte array.
struct StorageByteWriter {
    var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ value: Double) { append(value.bitPattern) }

    mutating func append(_ raw: UnsafeRawBufferPointer) { bytes.append(contentsOf: raw) }

    mutating func padToMultiple(of alignment: Int) {
        while bytes.count % alignment != 0 { bytes.append(0) }
    }

    /// Overwrites 4 bytes at `offset` with `value`.
    mutating func patch(_ value: UInt32, at offset: Int) {
        withUnsafeBytes(of: value.littleEndian) { raw in
            for i in 0..<4 { bytes[offset + i] = raw[i] }
        }
    }
}

/// Reads little-endian integers from a byte range, with bounds checks that report
/// a truncation as corruption naming the file and offset.
struct StorageByteReader {
    let base: UnsafeRawPointer
    let count: Int
    /// Offset of `base` within the file (for error messages).
    let fileOffset: Int
    let fileName: String
    var position = 0

    init(_ base: UnsafeRawPointer, count: Int, fileOffset: Int = 0, fileName: String) {
        self.base = base
        self.count = count
        self.fileOffset = fileOffset
        self.fileName = fileName
    }

    var remaining: Int { count - position }

    func corruption(_ what: String) -> OmenError {
        OmenError(.corruption, "\(fileName): \(what) at offset \(fileOffset + position)")
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type) throws(OmenError) -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw corruption("unexpected end of data reading \(size) bytes") }
        let value = T(littleEndian: (base + position).loadUnaligned(as: T.self))
        position += size
        return value
    }

    mutating func readDouble() throws(OmenError) -> Double {
        Double(bitPattern: try read(UInt64.self))
    }

    /// A pointer to the next `length` bytes, which are skipped.
    mutating func bytes(_ length: Int) throws(OmenError) -> UnsafeRawPointer {
        guard length >= 0 && remaining >= length else {
            throw corruption("length \(length) exceeds the \(remaining) bytes left")
        }
        let pointer = base + position
        position += length
        return pointer
    }
}

/// `Array.withUnsafeBytes` with the engine's typed error (the standard one rethrows `any Error`).
@inline(__always)
func withRawBytes<Element, T>(of array: [Element], _ body: (UnsafeRawBufferPointer) throws(OmenError) -> T) throws(OmenError) -> T {
    let result: Result<T, OmenError> = array.withUnsafeBytes { raw in
        do throws(OmenError) { return .success(try body(raw)) } catch { return .failure(error) }
    }
    return try result.get()
}

/// `Array.withUnsafeMutableBytes` with the engine's typed error.
@inline(__always)
func withMutableRawBytes<Element, T>(of array: inout [Element], _ body: (UnsafeMutableRawBufferPointer) throws(OmenError) -> T) throws(OmenError) -> T {
    let result: Result<T, OmenError> = array.withUnsafeMutableBytes { raw in
        do throws(OmenError) { return .success(try body(raw)) } catch { return .failure(error) }
    }
    return try result.get()
}
