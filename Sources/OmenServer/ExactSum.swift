import CSQLite

/// `sum(x)` as PostgreSQL computes it over integers: exactly, whatever the order of the
/// rows. SQLite's own sum fails with "integer overflow" as soon as a running total leaves
/// 64 bits, even when the final total fits; this one adds in 128 bits and fails only when
/// the result does not fit in a bigint (22003, where PostgreSQL would return a numeric).
/// With any non-integer input the result is a real, as SQLite's (and PostgreSQL's for
/// floats). Registered on each session's connection, it replaces the built-in.
enum ExactSum {
    private struct State {
        var integer: Int128 = 0
        var real: Double = 0
        var sawReal = false
        var sawValue = false
    }

    static func register(_ connection: OpaquePointer) -> Int32 {
        sqlite3_create_function_v2(connection, "sum", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nil, nil, { context, _, argv in
            guard let raw = sqlite3_aggregate_context(context, Int32(MemoryLayout<State>.stride)) else {
                sqlite3_result_error_nomem(context)
                return
            }
            // Zero-filled by SQLite on first use, which is State() (all zeros and false).
            let state = raw.assumingMemoryBound(to: State.self)
            let value = argv![0]
            switch sqlite3_value_numeric_type(value) {
            case SQLITE_NULL:
                return
            case SQLITE_INTEGER:
                state.pointee.integer += Int128(sqlite3_value_int64(value))
            default:
                state.pointee.real += sqlite3_value_double(value)
                state.pointee.sawReal = true
            }
            state.pointee.sawValue = true
        }, { context in
            guard let raw = sqlite3_aggregate_context(context, 0) else {
                sqlite3_result_null(context)
                return
            }
            let state = raw.assumingMemoryBound(to: State.self).pointee
            if !state.sawValue {
                sqlite3_result_null(context)
            } else if state.sawReal {
                sqlite3_result_double(context, Double(state.integer) + state.real)
            } else if let total = Int64(exactly: state.integer) {
                sqlite3_result_int64(context, total)
            } else {
                sqlite3_result_error(context, "integer overflow", -1)
            }
        }, nil)
    }
}
