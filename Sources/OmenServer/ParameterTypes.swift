import CSQLite

/// The types of a statement's parameters that Parse left unspecified, as PostgreSQL
/// would infer them from their context; clients such as asyncpg encode each parameter
/// by the type ParameterDescription reports. SQLite infers nothing, so this looks at
/// the tokens around each `?n`:
/// - `column op ?n` / `?n op column` (=, <>, !=, <, <=, >, >=), `SET column = ?n`:
///   the column's declared type (looked up in the tables the statement names);
/// - `INSERT INTO t (a, b) VALUES (?1, ?2)` (or without the column list): the columns';
/// - `CAST(?n AS type)`: that type; `pg_integer(?n, bits)` (`$n::int`): int2/int4/int8;
///   `LIMIT ?n`, `OFFSET ?n`: int8;
/// - anything else: text (a client then sends the value as text and SQLite's affinity
///   converts it).
enum ParameterTypes {
    static func infer(_ sql: String, statement: OpaquePointer, count: Int, connection: OpaquePointer) -> [UInt32] {
        var types = Array(repeating: PGTypes.forSQLiteValue(SQLITE_TEXT).oid, count: count)
        guard count > 0 else { return types }
        let tokens = SQLiteTokens.scan(sql).map(\.text)
        let tables = tableNames(tokens)
        func columnType(_ name: String) -> UInt32? {
            for table in tables {
                var declared: UnsafePointer<CChar>?
                if sqlite3_table_column_metadata(connection, nil, table, name, &declared, nil, nil, nil, nil) == SQLITE_OK,
                   let declared, let type = PGTypes.forDeclared(String(cString: declared)) {
                    return type.oid
                }
            }
            return nil
        }
        func set(_ parameter: Int, _ oid: UInt32?) {
            guard let oid, parameter >= 1, parameter <= count else { return }
            types[parameter - 1] = oid
        }
        let comparison: Set<String> = ["=", "==", "<>", "!=", "<", "<=", ">", ">="]
        for (index, token) in tokens.enumerated() {
            guard let parameter = parameterNumber(token) else { continue }
            let before = index > 0 ? tokens[index - 1] : ""
            let after = index + 1 < tokens.count ? tokens[index + 1] : ""
            if before.uppercased() == "LIMIT" || before.uppercased() == "OFFSET" {
                set(parameter, PGTypes.forDeclared("int8")?.oid)
            } else if comparison.contains(before), index >= 2 {
                set(parameter, columnType(unqualified(tokens[index - 2])))
            } else if comparison.contains(after), index + 2 < tokens.count {
                set(parameter, columnType(unqualified(tokens[index + 2])))
            } else if before == "(", index >= 2, tokens[index - 2].uppercased() == "CAST",
                      index + 2 < tokens.count, tokens[index + 1].uppercased() == "AS" {
                set(parameter, PGTypes.forDeclared(tokens[index + 2])?.oid)
            } else if before == "(", index >= 2, tokens[index - 2] == IntegerCast.function, after == ",",
                      index + 2 < tokens.count {
                set(parameter, ["16": PGTypes.int2.oid, "32": PGTypes.int4.oid, "64": PGTypes.int8.oid][tokens[index + 2]])
            }
        }
        inferInsert(tokens, tables: tables, connection: connection, set: set)
        return types
    }

    /// INSERT INTO t [(columns)] VALUES (...), (...): each `?n` at position i of a row
    /// takes the type of the i-th column.
    private static func inferInsert(_ tokens: [String], tables: [String], connection: OpaquePointer,
                                    set: (Int, UInt32?) -> Void) {
        guard let into = tokens.firstIndex(where: { $0.uppercased() == "INTO" }), into + 1 < tokens.count,
              tokens.first?.uppercased() == "INSERT",
              let values = tokens.firstIndex(where: { $0.uppercased() == "VALUES" }) else { return }
        let table = unqualified(tokens[into + 1])
        var columns: [String] = []
        if into + 2 < values, tokens[into + 2] == "(" {
            columns = tokens[(into + 3)..<values].filter { $0 != "," && $0 != "(" && $0 != ")" }.map(unqualified)
        } else {
            var statement: OpaquePointer?
            if sqlite3_prepare_v2(connection, "SELECT * FROM \(quoteIdentifier(table)) LIMIT 0", -1, &statement, nil) == SQLITE_OK {
                columns = (0..<sqlite3_column_count(statement)).map { String(cString: sqlite3_column_name(statement, $0)) }
            }
            sqlite3_finalize(statement)
        }
        var position = 0
        var depth = 0
        for token in tokens[(values + 1)...] {
            switch token {
            case "(": depth += 1; if depth == 1 { position = 0 }
            case ")": depth -= 1
            case ",": if depth == 1 { position += 1 }
            default:
                guard depth == 1, let parameter = parameterNumber(token), position < columns.count else { continue }
                var declared: UnsafePointer<CChar>?
                if sqlite3_table_column_metadata(connection, nil, table, columns[position], &declared, nil, nil, nil, nil) == SQLITE_OK,
                   let declared {
                    set(parameter, PGTypes.forDeclared(String(cString: declared))?.oid)
                }
            }
            if depth < 0 { break }
        }
    }

    private static func parameterNumber(_ token: String) -> Int? {
        guard token.first == "?" else { return nil }
        return Int(token.dropFirst())
    }

    /// `t.col` → `col`, `"col"` and `` `col` `` → `col`.
    static func unqualified(_ token: String) -> String {
        let last = token.split(separator: ".").last.map(String.init) ?? token
        for quote in ["\"", "`"] where last.count >= 2 && last.hasPrefix(quote) && last.hasSuffix(quote) {
            return String(last.dropFirst().dropLast()).split(separator: quote + quote, omittingEmptySubsequences: false)
                .joined(separator: quote)
        }
        return last
    }

    /// The tables after FROM, JOIN, UPDATE and INTO.
    private static func tableNames(_ tokens: [String]) -> [String] {
        var names: [String] = []
        for (index, token) in tokens.enumerated() where index + 1 < tokens.count {
            switch token.uppercased() {
            case "FROM", "JOIN", "UPDATE", "INTO":
                let name = unqualified(tokens[index + 1])
                if name != "(" { names.append(name) }
            default: break
            }
        }
        return names
    }
}
