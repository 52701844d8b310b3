import CSQLite

extension PGValueCodec {
    /// PostgreSQL's error for storing `value` (an sqlite3_value, after the column's
    /// SQLite affinity) in a column of `type`, or nil when it is a value of that type. SQLite would store 3000000000 in an int4 column, 'abc' in an integer
    /// one, 'maybe' in a boolean one, 'toolong' in a varchar(3) one; PostgreSQL refuses
    /// them, and a DataRow could not carry them back. Checked with the DataRow path's own
    /// conversions (integers in the type's range, booleans, floats, numerics, dates and
    /// timestamps that read back as the type), plus varchar(n)/char(n) lengths in
    /// characters. A real with a fraction for an integer column is refused (PostgreSQL
    /// rounds it); types the server does not know take anything, as text does.
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
                if value.text.unicodeScalars.count > length {
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

    /// The message an OmenSQL value check fails a write with: `error`'s SQLSTATE before
    /// its message, which SQLiteErrors.map reads back.
    static func valueCheckMessage(_ error: PGError) -> String { valueCheckPrefix + error.code + ": " + error.message }

    static let valueCheckPrefix = "omendb-server value check "
}

/// The server's OmenSQL value check (OmenSQL.setValueCheck): PGValueCodec.storageError
/// by the column's declared type, parsed once per spelling.
final class PGValueCheck {
    private var types: [String: PGType?] = [:]

    /// nil to store `value`, else SQLITE_ERROR and the message SQLiteErrors maps back.
    func check(declaredType: String, value: OpaquePointer) -> (code: Int32, message: String)? {
        let type: PGType?
        if let known = types[declaredType] {
            type = known
        } else {
            type = PGTypes.forDeclared(declaredType)
            types[declaredType] = type
        }
        guard let type, let error = PGValueCodec.storageError(value, type: type) else { return nil }
        return (SQLITE_ERROR, PGValueCodec.valueCheckMessage(error))
    }
}
