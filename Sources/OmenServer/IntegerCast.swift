import CSQLite

/// `x::int` (CAST(x AS integer), ::smallint, ::bigint) of a value that is not a constant,
/// as PostgreSQL casts it: a real rounds half away from zero (SQLite's CAST truncates, so
/// 10.5 became 10 where PostgreSQL's numeric gives 11), text reads as an integer literal
/// (22P02 otherwise), and a value outside the type is 22003. Registered on each session's
/// connection as `pg_integer(x, bits)`; the translator writes it (constants it casts itself).
enum IntegerCast {
    static let function = "pg_integer"

    static func register(_ connection: OpaquePointer) -> Int32 {
        sqlite3_create_function_v2(connection, function, 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nil, { context, _, argv in
            let value = argv![0]
            let type = switch sqlite3_value_int(argv![1]) {
            case 16: PGTypes.int2
            case 32: PGTypes.int4
            default: PGTypes.int8
            }
            do throws(PGError) {
                let integer: Int64
                switch sqlite3_value_type(value) {
                case SQLITE_NULL:
                    sqlite3_result_null(context)
                    return
                case SQLITE_INTEGER:
                    integer = sqlite3_value_int64(value)
                case SQLITE_FLOAT:
                    let real = sqlite3_value_double(value)
                    guard let exact = Int64(exactly: real.rounded(.toNearestOrAwayFromZero)) else {
                        throw PGError(SQLState.numericValueOutOfRange, "\(PGTextInput.sqlName(type)) out of range")
                    }
                    integer = exact
                default:
                    integer = try PGTextInput.integer(String(cString: sqlite3_value_text(value)), type: type)
                }
                guard PGTextInput.integerFits(integer, type) else {
                    throw PGError(SQLState.numericValueOutOfRange, "\(PGTextInput.sqlName(type)) out of range")
                }
                sqlite3_result_int64(context, integer)
            } catch {
                sqlite3_result_error(context, SQLiteErrors.carrying(error), -1)
            }
        }, nil, nil, nil)
    }
}
