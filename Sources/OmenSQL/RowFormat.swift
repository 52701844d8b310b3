import OmenDB

/// The value stored under a row's key: row format 1 (docs/sql.md, "Row format").
///
///     u8  format version (1)
///     u16 schema version of the table when the row was written (little-endian)
///     u16 number of columns stored (the key column is the key, never stored)
///     per column: u8 tag, then its payload:
///         0 NULL     nothing
///         1 INTEGER  8 bytes, little-endian two's complement
///         2 REAL     8 bytes, little-endian IEEE-754 binary64
///         3 TEXT     u32 length, then that many bytes of UTF-8
///         4 BLOB     u32 length, then that many bytes
///
/// Columns past the stored count (added to the table after the row was written)
/// read as the column's default (the cursor asks VirtualTable.resultDefault); stored
/// columns past the reader's count (added after the reader declared the table) are
/// skipped.
public enum RowFormat {
    public static let version: UInt8 = 1
    public static let headerSize = 5
    /// Text and blob lengths are u32.
    public static let maximumPayload = Int(UInt32.max)
}

public enum ColumnTag: UInt8 {
    case null = 0, integer = 1, real = 2, text = 3, blob = 4
}

/// One column of a stored row; text and blob bytes are borrowed from the row.
public enum ColumnValue: Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(UnsafeRawBufferPointer)
    case blob(UnsafeRawBufferPointer)

    public static func == (a: ColumnValue, b: ColumnValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.integer(x), .integer(y)): return x == y
        case let (.real(x), .real(y)): return x.bitPattern == y.bitPattern
        case let (.text(x), .text(y)), let (.blob(x), .blob(y)): return x.elementsEqual(y)
        default: return false
        }
    }
}

/// Builds rows in one reusable buffer (no allocation once it has grown).
public struct RowEncoder {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func begin(schemaVersion: UInt16, columnCount: Int) {
        bytes.removeAll(keepingCapacity: true)
        bytes.append(RowFormat.version)
        append16(schemaVersion)
        append16(UInt16(columnCount))
    }

    public mutating func appendNull() { bytes.append(ColumnTag.null.rawValue) }

    public mutating func appendInteger(_ value: Int64) {
        bytes.append(ColumnTag.integer.rawValue)
        append64(UInt64(bitPattern: value))
    }

    public mutating func appendReal(_ value: Double) {
        bytes.append(ColumnTag.real.rawValue)
        append64(value.bitPattern)
    }

    /// Text or blob bytes; `.tooLarge` past 4 GiB - 1.
    public mutating func appendBytes(_ tag: ColumnTag, _ start: UnsafeRawPointer?, _ count: Int) throws(OmenError) {
        guard count <= RowFormat.maximumPayload else {
            throw OmenError(.tooLarge, "a column value of \(count) bytes exceeds the row format's limit of \(RowFormat.maximumPayload) bytes")
        }
        bytes.append(tag.rawValue)
        let length = UInt32(count)
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: length >> UInt32(shift))) }
        if count > 0, let start { bytes.append(contentsOf: UnsafeRawBufferPointer(start: start, count: count)) }
    }

    private mutating func append16(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
    }

    private mutating func append64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }
}

/// Reads the columns of one row lazily: a column's offset is found once (walking
/// the columns before it) and remembered until the next `reset`. The offsets live in
/// a buffer allocated once per decoder, so decoding allocates nothing.
public struct RowDecoder {
    private let offsets: UnsafeMutablePointer<Int>
    private let capacity: Int
    private var row = UnsafeRawBufferPointer(start: nil, count: 0)
    private var key: Int64 = 0
    /// Offsets known: offsets[0..<known].
    private var known = 0
    public private(set) var storedColumns = 0
    /// The stored columns this decoder reads: min(storedColumns, its column count).
    public private(set) var readableColumns = 0
    public private(set) var schemaVersion: UInt16 = 0

    /// A decoder for the first `columns` columns of rows (a row may store more: columns
    /// added after the reader declared its table).
    public init(columns: Int) {
        capacity = max(columns, 1)
        offsets = .allocate(capacity: capacity + 1)
    }

    /// Frees the offset buffer: call once, when done.
    public func deallocate() { offsets.deallocate() }

    /// Starts on a new row (stored under `key`, named in errors).
    public mutating func reset(_ row: UnsafeRawBufferPointer, key: Int64) throws(OmenError) {
        self.row = row
        self.key = key
        known = 0
        guard row.count >= RowFormat.headerSize else {
            throw corrupt("\(row.count) bytes is shorter than the \(RowFormat.headerSize)-byte row header")
        }
        guard row[0] == RowFormat.version else {
            throw corrupt("unknown row format version \(row[0]) (this build reads version \(RowFormat.version))")
        }
        schemaVersion = UInt16(row[1]) | UInt16(row[2]) << 8
        storedColumns = Int(UInt16(row[3]) | UInt16(row[4]) << 8)
        readableColumns = min(storedColumns, capacity)
        offsets[0] = RowFormat.headerSize
        known = 1
    }

    /// Column `index` (0-based among the stored, non-key columns); NULL past the
    /// readable count.
    public mutating func value(at index: Int) throws(OmenError) -> ColumnValue {
        guard index < readableColumns else { return .null }
        while known <= index {
            offsets[known] = try end(of: offsets[known - 1], column: known - 1)
            known += 1
        }
        return try decode(at: offsets[index], column: index)
    }

    /// Checks every stored column (a corrupt row throws).
    public mutating func validate() throws(OmenError) {
        var last = RowFormat.headerSize
        for column in 0..<storedColumns { last = try end(of: last, column: column) }
        guard last == row.count else { throw corrupt("\(row.count - last) bytes after the last column") }
    }

    private func end(of offset: Int, column: Int) throws(OmenError) -> Int {
        guard offset < row.count else { throw truncated(column) }
        switch row[offset] {
        case ColumnTag.null.rawValue: return offset + 1
        case ColumnTag.integer.rawValue, ColumnTag.real.rawValue:
            guard offset + 9 <= row.count else { throw truncated(column) }
            return offset + 9
        case ColumnTag.text.rawValue, ColumnTag.blob.rawValue:
            guard offset + 5 <= row.count else { throw truncated(column) }
            let length = Int(row.loadUnaligned(fromByteOffset: offset + 1, as: UInt32.self).littleEndian)
            guard offset + 5 + length <= row.count else { throw truncated(column) }
            return offset + 5 + length
        default:
            throw corrupt("unknown column tag \(row[offset]) in column \(column)")
        }
    }

    private func decode(at offset: Int, column: Int) throws(OmenError) -> ColumnValue {
        let next = try end(of: offset, column: column)
        switch row[offset] {
        case ColumnTag.integer.rawValue:
            return .integer(Int64(littleEndian: row.loadUnaligned(fromByteOffset: offset + 1, as: Int64.self)))
        case ColumnTag.real.rawValue:
            return .real(Double(bitPattern: UInt64(littleEndian: row.loadUnaligned(fromByteOffset: offset + 1, as: UInt64.self))))
        case ColumnTag.text.rawValue:
            return .text(UnsafeRawBufferPointer(rebasing: row[(offset + 5)..<next]))
        case ColumnTag.blob.rawValue:
            return .blob(UnsafeRawBufferPointer(rebasing: row[(offset + 5)..<next]))
        default:
            return .null
        }
    }

    private func truncated(_ column: Int) -> OmenError { corrupt("column \(column) runs past the end of the row") }

    private func corrupt(_ what: String) -> OmenError {
        OmenError(.corruption, "row of key \(key): \(what) (\(row.count) bytes)")
    }
}
