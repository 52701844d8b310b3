import CSQLite
import OmenSQL

extension PGValueCodec {
    /// What storing `value` (an sqlite3_value, after the column's SQLite affinity) in a
    /// column of `type` does, as PostgreSQL's input rules have it. SQLite would store
    /// 3000000000 in an int4 column, 'abc' in an integer one, 'maybe' in a boolean one,
    /// 'toolong' in a varchar(3) one; PostgreSQL refuses them (`refuse`, with its SQLSTATE
    /// carried in the message), and a DataRow could not carry them back. Checked with the
    /// DataRow path's own conversions (integers in the type's range, booleans, floats,
    /// numerics, dates and timestamps that read back as the type), plus varchar(n)/char(n)
    /// lengths in characters. A real with a fraction for an integer column is refused
    /// (PostgreSQL rounds it). A boolean written as text is stored as 1 or 0, and a date or
    /// timestamp in its canonical text (a timestamptz in UTC), so that stored values compare
    /// and sort as the type does.
    static func storageVerdict(_ value: OpaquePointer, type: PGType) -> OmenSQL.ValueVerdict {
        let storage = sqlite3_value_type(value)
        let value = Value(SQLiteValueSource(value: value), storage: storage)
        do throws(PGError) {
            switch type.oid {
            case PGTypes.bool.oid:
                // true and false arrive as 1 and 0; other numbers are not booleans.
                if storage == SQLITE_FLOAT || (storage == SQLITE_INTEGER && !(0...1).contains(value.source.int64())) {
                    throw value.syntaxError(type)
                }
                if storage == SQLITE_TEXT || storage == SQLITE_BLOB { return .storeInteger(try value.bool() ? 1 : 0) }
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
                let text = value.text
                guard let canonical = try value.dateTime(type).text(type: type) else { throw value.syntaxError(type) }
                if canonical != text { return .storeText(canonical) }
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
            return .refuse(code: SQLITE_ERROR, message: SQLiteErrors.carrying(error))
        }
        return .store
    }
}

/// The server's OmenSQL value check (OmenSQL.setValueCheck): for a column of a type the
/// server knows, PGValueCodec.storageVerdict of its values; others take anything.
enum PGValueCheck {
    static func forColumn(declaredType: String) -> OmenSQL.ColumnValueCheck? {
        guard let type = PGTypes.forDeclared(declaredType) else { return nil }
        return { PGValueCodec.storageVerdict($0, type: type) }
    }
}
