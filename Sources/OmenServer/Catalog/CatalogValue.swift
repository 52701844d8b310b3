import CSQLite

/// One value of a catalog row or function result, as SQLite stores it. PostgreSQL's
/// booleans are 0/1 integers (the session encodes them by the column's declared type);
/// arrays are PostgreSQL's text form (`{a,b}`).
enum CatalogValue: Equatable, ExpressibleByIntegerLiteral, ExpressibleByStringLiteral, ExpressibleByNilLiteral {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    init(integerLiteral value: Int64) { self = .integer(value) }
    init(stringLiteral value: String) { self = .text(value) }
    init(nilLiteral: ()) { self = .null }
    init(_ flag: Bool) { self = .integer(flag ? 1 : 0) }
    init(_ oid: UInt32) { self = .integer(Int64(oid)) }
    init(_ number: Int) { self = .integer(Int64(number)) }
    init(_ text: String?) { self = text.map { .text($0) } ?? .null }

    /// Sets the value as the result of a function or column.
    func result(_ context: OpaquePointer?) {
        switch self {
        case .null: sqlite3_result_null(context)
        case .integer(let value): sqlite3_result_int64(context, value)
        case .real(let value): sqlite3_result_double(context, value)
        case .text(let value): sqlite3_result_text(context, value, -1, omendb_sql_transient())
        }
    }
}

/// The arguments of a catalog function, read with PostgreSQL's conversions.
struct FunctionArguments {
    let values: [OpaquePointer?]

    var count: Int { values.count }

    func isNull(_ index: Int) -> Bool { sqlite3_value_type(values[index]) == SQLITE_NULL }

    func text(_ index: Int) -> String? {
        guard !isNull(index), let bytes = sqlite3_value_text(values[index]) else { return nil }
        return String(cString: bytes)
    }

    /// An integer argument: integers, integral reals and integer text (parameters bound as text).
    func integer(_ index: Int, function: String) throws(PGError) -> Int64? {
        let value = values[index]
        switch sqlite3_value_type(value) {
        case SQLITE_NULL: return nil
        case SQLITE_INTEGER: return sqlite3_value_int64(value)
        case SQLITE_FLOAT:
            let real = sqlite3_value_double(value)
            if real == real.rounded(), let exact = Int64(exactly: real) { return exact }
        default:
            if let text = text(index), let parsed = Int64(text.trimmingCharacters(in: " ")) { return parsed }
        }
        throw PGError(SQLState.invalidTextRepresentation,
                      "\(function): invalid input syntax for type bigint: \"\(text(index) ?? "")\"")
    }

    /// A boolean argument: 0/1, or PostgreSQL's text spellings.
    func bool(_ index: Int, function: String) throws(PGError) -> Bool? {
        let value = values[index]
        switch sqlite3_value_type(value) {
        case SQLITE_NULL: return nil
        case SQLITE_INTEGER, SQLITE_FLOAT: return sqlite3_value_double(value) != 0
        default:
            switch text(index)?.lowercased().trimmingCharacters(in: " ") {
            case "t", "true", "y", "yes", "on", "1": return true
            case "f", "false", "n", "no", "off", "0": return false
            default:
                throw PGError(SQLState.invalidTextRepresentation,
                              "\(function): invalid input syntax for type boolean: \"\(text(index) ?? "")\"")
            }
        }
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var slice = self[...]
        while slice.first == set { slice = slice.dropFirst() }
        while slice.last == set { slice = slice.dropLast() }
        return String(slice)
    }
}
