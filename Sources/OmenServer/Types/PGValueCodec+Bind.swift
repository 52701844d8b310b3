import CSQLite
import NIOCore

extension PGValueCodec {
    /// Binds Bind parameter `index` (1-based) of PostgreSQL type `oid` (0 = unspecified),
    /// sent in the text or binary format, to SQLite parameter `index` of `statement`;
    /// `value` nil is NULL. Bad text is 22P02 (22003 out of range, 22021 not UTF-8,
    /// 22007 a bad date), bad binary 22P03, as in PostgreSQL.
    ///
    /// What SQLite gets: integers for int2/int4/int8/oid and bool (0 or 1), reals for
    /// float4/float8, integer or real for numeric (`PGNumeric`), blobs for bytea, ISO text for
    /// date/timestamp/timestamptz (timestamptz converted to UTC), text otherwise; an
    /// unspecified or `unknown` parameter in text holding a canonical 64-bit integer
    /// (`42`, `-7`; not `007` or `+7`) is bound as that integer, as SQLite's numeric
    /// affinity would store it, so `WHERE k = $1` finds the integer key.
    public static func bind(statement: OpaquePointer, index: Int32, value: ByteBuffer?, type oid: UInt32,
                            binary: Bool) throws(PGError) {
        guard var value else {
            try check(sqlite3_bind_null(statement, index), index)
            return
        }
        if binary {
            try bindBinary(statement: statement, index: index, value: &value, oid: oid)
        } else {
            try bindText(statement: statement, index: index, value: value, oid: oid)
        }
    }

    private static func bindText(statement: OpaquePointer, index: Int32, value: ByteBuffer, oid: UInt32) throws(PGError) {
        let bytes = Array(value.readableBytesView)
        try validateUTF8(bytes)
        let type = PGTypes.forOID(oid) ?? PGTypes.text
        switch oid {
        case PGTypes.bool.oid:
            try check(sqlite3_bind_int64(statement, index, try PGTextInput.boolOrThrow(String(decoding: bytes, as: UTF8.self)) ? 1 : 0), index)
        case PGTypes.int2.oid, PGTypes.int4.oid, PGTypes.int8.oid, PGTypes.oid.oid:
            try check(sqlite3_bind_int64(statement, index, try PGTextInput.integer(String(decoding: bytes, as: UTF8.self), type: type)), index)
        case PGTypes.float4.oid, PGTypes.float8.oid:
            try bindDouble(statement, index, try PGTextInput.float(String(decoding: bytes, as: UTF8.self), type: type))
        case PGTypes.numeric.oid:
            try bindNumeric(statement, index, try PGNumeric(parsing: String(decoding: bytes, as: UTF8.self)))
        case PGTypes.bytea.oid:
            try bindBlob(statement, index, try PGByteaText.parse(bytes))
        case PGTypes.date.oid, PGTypes.timestamp.oid, PGTypes.timestamptz.oid:
            let text = String(decoding: bytes, as: UTF8.self)
            guard let time = PGDateTime(parsing: text, type: type), let canonical = time.text(type: type) else {
                throw PGError(SQLState.invalidDatetimeFormat, "invalid input syntax for type \(PGTextInput.sqlName(type)): \"\(text)\"")
            }
            try bindText(statement, index, Array(canonical.utf8))
        case 0, PGTypes.unknown.oid:
            if let integer = canonicalInteger(bytes) {
                try check(sqlite3_bind_int64(statement, index, integer), index)
            } else {
                try bindText(statement, index, bytes)
            }
        default:
            try bindText(statement, index, bytes)
        }
    }

    private static func bindBinary(statement: OpaquePointer, index: Int32, value: inout ByteBuffer, oid: UInt32) throws(PGError) {
        func wrongFormat() -> PGError {
            PGError(SQLState.invalidBinaryRepresentation, "incorrect binary data format in bind parameter \(index)")
        }
        /// PostgreSQL's two errors: too few bytes is a protocol violation, too many a bad value.
        func exactly<T: FixedWidthInteger>(_: T.Type) throws(PGError) -> T {
            guard value.readableBytes >= MemoryLayout<T>.size else {
                throw PGError(SQLState.protocolViolation, "insufficient data left in message")
            }
            guard value.readableBytes == MemoryLayout<T>.size, let integer = value.readInteger(as: T.self) else { throw wrongFormat() }
            return integer
        }
        switch oid {
        case PGTypes.bool.oid:
            try check(sqlite3_bind_int64(statement, index, try exactly(UInt8.self) != 0 ? 1 : 0), index)
        case PGTypes.int2.oid:
            try check(sqlite3_bind_int64(statement, index, Int64(try exactly(Int16.self))), index)
        case PGTypes.int4.oid:
            try check(sqlite3_bind_int64(statement, index, Int64(try exactly(Int32.self))), index)
        case PGTypes.oid.oid:
            try check(sqlite3_bind_int64(statement, index, Int64(try exactly(UInt32.self))), index)
        case PGTypes.int8.oid:
            try check(sqlite3_bind_int64(statement, index, try exactly(Int64.self)), index)
        case PGTypes.float4.oid:
            try bindDouble(statement, index, Double(Float(bitPattern: try exactly(UInt32.self))))
        case PGTypes.float8.oid:
            try bindDouble(statement, index, Double(bitPattern: try exactly(UInt64.self)))
        case PGTypes.numeric.oid:
            let numeric: PGNumeric
            do {
                numeric = try PGNumeric(reading: &value)
            } catch {
                throw PGError(SQLState.invalidBinaryRepresentation, "\(error.message) in bind parameter \(index)")
            }
            try bindNumeric(statement, index, numeric)
        case PGTypes.bytea.oid:
            try bindBlob(statement, index, Array(value.readableBytesView))
        case PGTypes.date.oid:
            let time = PGDateTime(day: Int64(try exactly(Int32.self)), microsecond: 0)
            guard let text = time.text(type: PGTypes.date) else { throw dateRange(index) }
            try bindText(statement, index, Array(text.utf8))
        case PGTypes.timestamp.oid, PGTypes.timestamptz.oid:
            let type = PGTypes.forOID(oid)!
            guard let text = PGDateTime(microseconds: try exactly(Int64.self)).text(type: type) else { throw dateRange(index) }
            try bindText(statement, index, Array(text.utf8))
        case 0, PGTypes.unknown.oid, PGTypes.text.oid, PGTypes.varchar.oid, PGTypes.bpchar.oid, PGTypes.name.oid:
            // These types' binary form is their text.
            let bytes = Array(value.readableBytesView)
            try validateUTF8(bytes)
            try bindText(statement, index, bytes)
        default:
            throw PGError.unsupported("binary format for parameter \(index) of type OID \(oid)")
        }
    }

    private static func dateRange(_ index: Int32) -> PGError {
        PGError(SQLState.datetimeFieldOverflow, "date/time value out of range in bind parameter \(index) (years 1 to 9999 are supported)")
    }

    /// Text PostgreSQL would accept from a UTF8 client: valid UTF-8 without NUL bytes.
    private static func validateUTF8(_ bytes: [UInt8]) throws(PGError) {
        if String(validating: bytes, as: UTF8.self) != nil, !bytes.contains(0) { return }
        // Name the first offending sequence as PostgreSQL does (up to the bytes it examined).
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            let length = lead < 0x80 ? 1 : lead >> 5 == 0x6 ? 2 : lead >> 4 == 0xE ? 3 : lead >> 3 == 0x1E ? 4 : 0
            let end = min(index + max(length, 1), bytes.count)
            if lead == 0 || length == 0 || String(validating: bytes[index..<end], as: UTF8.self) == nil || end - index < length {
                let shown = bytes[index..<end].map { byte -> String in
                    let hex = String(byte, radix: 16)
                    return hex.count == 1 ? "0" + hex : hex
                }.joined(separator: " 0x")
                throw PGError(SQLState.characterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\": 0x\(shown)")
            }
            index = end
        }
        throw PGError(SQLState.characterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\"")
    }

    /// `0`, or an optional `-` and digits without a leading zero, within Int64.
    private static func canonicalInteger(_ bytes: [UInt8]) -> Int64? {
        guard bytes.count <= 20, let integer = Int64(String(decoding: bytes, as: UTF8.self)) else { return nil }
        return String(integer).utf8.elementsEqual(bytes) ? integer : nil
    }

    private static func bindNumeric(_ statement: OpaquePointer, _ index: Int32, _ numeric: PGNumeric) throws(PGError) {
        switch try numeric.sqliteValue() {
        case .integer(let integer): try check(sqlite3_bind_int64(statement, index, integer), index)
        case .real(let real): try check(sqlite3_bind_double(statement, index, real), index)
        }
    }

    /// SQLite stores a NaN real as NULL: refused rather than silently changed.
    private static func bindDouble(_ statement: OpaquePointer, _ index: Int32, _ value: Double) throws(PGError) {
        guard !value.isNaN else { throw PGError.unsupported("NaN in parameter \(index) (SQLite stores NaN as NULL)") }
        try check(sqlite3_bind_double(statement, index, value), index)
    }

    private static func bindText(_ statement: OpaquePointer, _ index: Int32, _ bytes: [UInt8]) throws(PGError) {
        let rc = bytes.withUnsafeBufferPointer { buffer in
            // A zero-length buffer may have no address: SQLite would bind NULL for a nil pointer.
            buffer.baseAddress.map {
                sqlite3_bind_text64(statement, index, UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self),
                                    UInt64(buffer.count), omendb_sql_transient(), UInt8(SQLITE_UTF8))
            } ?? sqlite3_bind_text(statement, index, "", 0, omendb_sql_transient())
        }
        try check(rc, index)
    }

    private static func bindBlob(_ statement: OpaquePointer, _ index: Int32, _ bytes: [UInt8]) throws(PGError) {
        let rc = bytes.withUnsafeBytes { buffer in
            buffer.baseAddress.map {
                sqlite3_bind_blob64(statement, index, $0, UInt64(buffer.count), omendb_sql_transient())
            } ?? sqlite3_bind_zeroblob(statement, index, 0)
        }
        try check(rc, index)
    }

    private static func check(_ rc: Int32, _ index: Int32) throws(PGError) {
        guard rc != SQLITE_OK else { return }
        let reason = String(cString: sqlite3_errstr(rc))
        if rc == SQLITE_TOOBIG {
            throw PGError(SQLState.programLimitExceeded, "parameter \(index) is too large: \(reason)")
        }
        throw PGError(SQLState.protocolViolation, "could not bind parameter \(index): \(reason)")
    }
}
