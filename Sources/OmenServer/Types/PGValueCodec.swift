import CSQLite
import NIOCore

/// Column values out of SQLite into DataRow fields, and Bind parameters into SQLite, in
/// PostgreSQL's text and binary formats for the types in `PGTypes`.
///
/// A stored value is read as the column's type reads its text: an integer column holding
/// `'12'` sends 12, one holding `'x'` or 1.5 is 22P02 (PostgreSQL could never hold it;
/// sending it unconverted would let a client misread it). Text-like types (text, varchar,
/// bpchar, name, unknown) send any value as text: integers in decimal, reals as float8.
public enum PGValueCodec {
    // MARK: Encoding a column value

    /// Appends the field: its Int32 length (-1 for NULL) then the value in the text or
    /// binary format of `type`. On error the buffer is left as it was.
    public static func encode(statement: OpaquePointer, column: Int32, type: PGType, binary: Bool,
                              into buffer: inout ByteBuffer) throws(PGError) {
        let storage = sqlite3_column_type(statement, column)
        if storage == SQLITE_NULL {
            buffer.writeInteger(Int32(-1))
            return
        }
        let lengthIndex = buffer.writerIndex
        buffer.writeInteger(Int32(0))
        do {
            try write(Value(ColumnSource(statement: statement, column: column), storage: storage), type: type, binary: binary, into: &buffer)
        } catch {
            buffer.moveWriterIndex(to: lengthIndex)
            throw error
        }
        buffer.setInteger(Int32(buffer.writerIndex - lengthIndex - 4), at: lengthIndex)
    }

    private static func write(_ value: Value<ColumnSource>, type: PGType, binary: Bool, into buffer: inout ByteBuffer) throws(PGError) {
        switch type.oid {
        case PGTypes.bool.oid:
            let flag = try value.bool()
            if binary { buffer.writeInteger(UInt8(flag ? 1 : 0)) } else { buffer.writeStaticString(flag ? "t" : "f") }
        case PGTypes.int2.oid, PGTypes.int4.oid, PGTypes.int8.oid, PGTypes.oid.oid:
            let integer = try value.integer(type)
            if !binary {
                buffer.writeString(String(integer))
            } else if type.oid == PGTypes.int2.oid {
                buffer.writeInteger(Int16(integer))
            } else if type.oid == PGTypes.int4.oid {
                buffer.writeInteger(Int32(integer))
            } else if type.oid == PGTypes.oid.oid {
                buffer.writeInteger(UInt32(integer))
            } else {
                buffer.writeInteger(integer)
            }
        case PGTypes.float4.oid:
            let double = try value.double(type)
            let single = Float(double)
            guard single.isFinite || !double.isFinite else {
                throw PGError(SQLState.numericValueOutOfRange, "value out of range: overflow")
            }
            if binary { buffer.writeInteger(single.bitPattern) } else { buffer.writeString(PGFloatText.float4(single)) }
        case PGTypes.float8.oid:
            let double = try value.double(type)
            if binary { buffer.writeInteger(double.bitPattern) } else { buffer.writeString(PGFloatText.float8(double)) }
        case PGTypes.numeric.oid:
            var numeric = try value.numeric()
            if let scale = type.numericScale { numeric = numeric.rounded(toScale: scale) }
            if binary { numeric.write(into: &buffer) } else { buffer.writeString(numeric.text) }
        case PGTypes.bytea.oid:
            value.withBytes { bytes in
                if binary { _ = buffer.writeBytes(bytes) } else { _ = buffer.writeBytes(PGByteaText.hex(bytes)) }
            }
        case PGTypes.date.oid, PGTypes.timestamp.oid, PGTypes.timestamptz.oid:
            let time = try value.dateTime(type)
            if !binary {
                guard let text = time.text(type: type) else { throw value.syntaxError(type) }
                buffer.writeString(text)
            } else if type.oid == PGTypes.date.oid {
                guard let days = Int32(exactly: time.day) else { throw value.syntaxError(type) }
                buffer.writeInteger(days)
            } else {
                buffer.writeInteger(time.microseconds)
            }
        default:
            let start = buffer.writerIndex
            switch value.storage {
            case SQLITE_INTEGER: buffer.writeString(String(value.source.int64()))
            case SQLITE_FLOAT: buffer.writeString(PGFloatText.float8(value.source.real()))
            default: value.withBytes { _ = buffer.writeBytes($0) }
            }
            if type.oid == PGTypes.bpchar.oid, type.modifier > 4 {
                // character(n) is blank-padded to n characters, as PostgreSQL stores and sends it.
                let written = buffer.getString(at: start, length: buffer.writerIndex - start)?.count ?? 0
                let length = Int(type.modifier) - 4
                if written < length { buffer.writeRepeatingByte(UInt8(ascii: " "), count: length - written) }
            }
        }
    }

    /// One non-NULL value: of a result column (DataRow) or an sqlite3_value (a write's
    /// check, PGValueCodec+Check).
    struct Value<Source: ValueSource> {
        let source: Source
        let storage: Int32

        init(_ source: Source, storage: Int32) {
            self.source = source
            self.storage = storage
        }

        /// The bytes of a text or blob value (integers and reals as SQLite's text of them);
        /// valid only inside `body`.
        func withBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
            let pointer = source.pointer(blob: storage == SQLITE_BLOB)
            let count = Int(source.byteCount())
            return try body(UnsafeRawBufferPointer(start: count == 0 ? nil : pointer, count: count))
        }

        var text: String {
            if storage == SQLITE_BLOB { return withBytes { String(decoding: PGByteaText.hex($0), as: UTF8.self) } }
            if storage == SQLITE_FLOAT { return PGFloatText.float8(source.real()) }
            return withBytes { String(decoding: $0, as: UTF8.self) }
        }

        func syntaxError(_ type: PGType) -> PGError {
            switch type.oid {
            case PGTypes.date.oid, PGTypes.timestamp.oid, PGTypes.timestamptz.oid:
                return PGError(SQLState.invalidDatetimeFormat, "invalid input syntax for type \(PGTextInput.sqlName(type)): \"\(text)\"")
            default:
                return PGTextInput.syntax(PGTextInput.sqlName(type), text)
            }
        }

        func bool() throws(PGError) -> Bool {
            switch storage {
            case SQLITE_INTEGER: return source.int64() != 0
            case SQLITE_FLOAT: return source.real() != 0
            case SQLITE_TEXT: return try PGTextInput.boolOrThrow(text)
            default: throw syntaxError(PGTypes.bool)
            }
        }

        func integer(_ type: PGType) throws(PGError) -> Int64 {
            let integer: Int64
            switch storage {
            case SQLITE_INTEGER:
                integer = source.int64()
            case SQLITE_FLOAT:
                let double = source.real()
                guard double.rounded() == double, let exact = Int64(exactly: double) else { throw syntaxError(type) }
                integer = exact
            case SQLITE_TEXT:
                integer = try PGTextInput.integer(text, type: type)
            default:
                throw syntaxError(type)
            }
            guard PGTextInput.integerFits(integer, type) else {
                throw PGError(SQLState.numericValueOutOfRange, "\(PGTextInput.sqlName(type)) out of range")
            }
            return integer
        }

        func double(_ type: PGType) throws(PGError) -> Double {
            switch storage {
            case SQLITE_INTEGER: return Double(source.int64())
            case SQLITE_FLOAT: return source.real()
            case SQLITE_TEXT: return try PGTextInput.float(text, type: type)
            default: throw syntaxError(type)
            }
        }

        func numeric() throws(PGError) -> PGNumeric {
            switch storage {
            case SQLITE_INTEGER: return PGNumeric(source.int64())
            case SQLITE_FLOAT: return PGNumeric(source.real())
            case SQLITE_TEXT: return try PGNumeric(parsing: text)
            default: throw syntaxError(PGTypes.numeric)
            }
        }

        func dateTime(_ type: PGType) throws(PGError) -> PGDateTime {
            guard storage == SQLITE_TEXT, let time = withBytes({ PGDateTime(parsing: String(decoding: $0, as: UTF8.self), type: type) }) else {
                throw syntaxError(type)
            }
            return time
        }
    }
}

/// Where a value is read from (PGValueCodec.Value).
protocol ValueSource {
    func int64() -> Int64
    func real() -> Double
    /// The bytes of a blob (`blob`) or of the value's text.
    func pointer(blob: Bool) -> UnsafeRawPointer?
    func byteCount() -> Int32
}

/// A column of a statement's current row.
struct ColumnSource: ValueSource {
    let statement: OpaquePointer
    let column: Int32

    func int64() -> Int64 { sqlite3_column_int64(statement, column) }
    func real() -> Double { sqlite3_column_double(statement, column) }
    func pointer(blob: Bool) -> UnsafeRawPointer? {
        blob ? sqlite3_column_blob(statement, column) : UnsafeRawPointer(sqlite3_column_text(statement, column))
    }
    func byteCount() -> Int32 { sqlite3_column_bytes(statement, column) }
}

/// An sqlite3_value (a virtual table's xUpdate argument).
struct SQLiteValueSource: ValueSource {
    let value: OpaquePointer

    func int64() -> Int64 { sqlite3_value_int64(value) }
    func real() -> Double { sqlite3_value_double(value) }
    func pointer(blob: Bool) -> UnsafeRawPointer? { blob ? sqlite3_value_blob(value) : UnsafeRawPointer(sqlite3_value_text(value)) }
    func byteCount() -> Int32 { sqlite3_value_bytes(value) }
}
