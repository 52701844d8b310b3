import CSQLite
import OmenSQL

extension PGValueCodec {
    /// PostgreSQL's error for storing `value` (an sqlite3_value, after the column's
    /// SQLite affinity) in a column of `type`, or nil when it is a value of that type. SQLite would store 3000000000 in an int4 column, 'abc' in an integer
    /// one, 'maybe' in a boolean one, 'toolong' in a varchar(3) one; PostgreSQL refuses
    /// them, and a DataRow could not carry them back. Checked with the DataRow path's own
    /// conversions (integers in the type's range, booleans, floats, numerics, dates and
    /// timestamps that read back as the type), plus varchar(n)/char(n) lengths in
    /// characters. A real with a fraction for an integer column is refused (PostgreSQL
    /// rounds it); types the server does not know take anything, as text does.
    /// The canonical text of a date/time value (what a DataRow sends) when it differs from
    /// the value's text, else nil.
    static func canonicalDateTime(_ value: OpaquePointer, type: PGType) -> String? {
        guard [PGTypes.date.oid, PGTypes.timestamp.oid, PGTypes.timestamptz.oid].contains(type.oid),
              sqlite3_value_type(value) == SQLITE_TEXT else { return nil }
        let text = String(cString: sqlite3_value_text(value))
        guard let canonical = PGDateTime(parsing: text, type: type)?.text(type: type), canonical != text else { return nil }
        return canonical
    }

    static func storageError(_ value: OpaquePointer, type: PGType) -> PGError? {
        let storage = sqlite3_value_type(value)
        let value = Value(SQLiteValueSource(value: value), storage: storage)
        do throws(PGError) {
            switch type.oid {
            case PGTypes.bool.oid:
                // true and false arrive as 1 and 0; other numbers are not booleans.
                if storage == SQLITE_FLOAT || (storage == SQLITE_INTEGER && !(0...1).contains(value.source.int64())) {
                    throw value.syntaxError(type)
                }
                _ = try value.bool()
            case PGTypes.int2.oid, PGTypes.int4.oid, PGTypes.int8.oid, PGTypes.oid.oid:
                _ = try value.integer(type)
            case PGTypes.float4.oid, PGTypes.float8.oid:
                let double = try value.double(type)
                if type.oid == PGTypes.float4.oid, double.isFinite, !Float(double).isFinite {
                    throw PGError(SQLState.numericValueOutOfRange, "value out of range: overflow")
                }
            case PGTypes.numeric.oid:
                _ = try value.numeric()
            case PGTypes.date.oid, PGTypes.timestamp.oid, PGTypes.timestamptz.oid:
                _ = try value.dateTime(type)
            case PGTypes.varchar.oid, PGTypes.bpchar.oid:
                guard type.modifier > 4 else { break }
                let length = Int(type.modifier) - 4
                // Characters are the bytes that do not continue a UTF-8 sequence.
                let characters = value.withBytes { bytes in
                    bytes.count <= length ? bytes.count : bytes.reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
                }
                if characters > length {
                    let name = type.oid == PGTypes.varchar.oid ? "character varying" : "character"
                    throw PGError(SQLState.stringDataRightTruncation, "value too long for type \(name)(\(length))")
                }
            default:
                break
            }
        } catch {
            return error
        }
        return nil
    }
}

/// The server's OmenSQL value check (OmenSQL.setValueCheck): for a column of a type the
/// server knows, PGValueCodec.storageError of its values; others take anything.
enum PGValueCheck {
    static func forColumn(declaredType: String) -> OmenSQL.ColumnValueCheck? {
        guard let type = PGTypes.forDeclared(declaredType) else { return nil }
        return { value in
            if let error = PGValueCodec.storageError(value, type: type) {
                return .refuse(code: SQLITE_ERROR, message: SQLiteErrors.carrying(error))
            }
            // A boolean written as text ('t', 'yes') is stored as SQLite's 1 or 0, which
            // comparisons with true and false and a bare `WHERE b` read.
            if type.oid == PGTypes.bool.oid, sqlite3_value_type(value) == SQLITE_TEXT,
               let flag = PGTextInput.bool(String(cString: sqlite3_value_text(value))) {
                return .storeInteger(flag ? 1 : 0)
            }
            // A date or timestamp is stored in its canonical text (a timestamptz in UTC), so
            // that stored values compare and sort in time order.
            if let canonical = PGValueCodec.canonicalDateTime(value, type: type) { return .storeText(canonical) }
            return .store
        }
    }
}
