import CSQLite
import OmenDB

/// `omendb_add_column(table, definition)` (docs/sql.md, "Adding columns"): what SQLite's
/// `ALTER TABLE ... ADD COLUMN` does for an ordinary table, which SQLite refuses for
/// virtual tables.
enum AddColumn {
    /// Validates `definition` by SQLite's ADD COLUMN rules and the module's column rules,
    /// records the new schema version in the catalog (durable), then re-declares the
    /// table wherever this connection declares it (temp, main or an attached schema).
    /// Returns the new schema version.
    /// A connection's value check (OmenSQL.setValueCheck) sees the default first: the rows
    /// already there read it as their value.
    static func run(_ connection: SQLConnection, table: String, definition: String) throws(SQLFailure) -> UInt16 {
        try SQLFailure.wrap { () throws(OmenError) in
            guard sqlite3_get_autocommit(connection.handle) != 0 else {
                throw OmenError(.unsupported, "omendb_add_column cannot run inside a transaction (it is durable at once and "
                    + "re-declares the table): COMMIT or ROLLBACK first")
            }
        }
        let store = try SQLFailure.wrap { () throws(OmenError) in try connection.requireStore() }
        let value = try SQLFailure.wrap { () throws(OmenError) in try ColumnDefault.evaluate(definition) }
        defer { sqlite3_value_free(value) }
        if let valueCheck = connection.valueCheck, let value {
            let column = try SQLFailure.wrap { () throws(OmenError) in try TableSchema(name: table, definitions: [definition]) }.columns[0]
            switch valueCheck(column.declaredType).map({ VirtualTable.check(value, column, $0) }) ?? .store {
            case .store:
                break
            case .storeInteger(let integer):
                // The rows already there read the default as written: it must be stored so.
                throw SQLFailure(SQLITE_ERROR, "omendb_add_column: write the default of \(column.name) as \(integer)")
            case .storeText(let text):
                throw SQLFailure(SQLITE_ERROR, "omendb_add_column: write the default of \(column.name) as '\(text)'")
            case .refuse(let code, let message):
                throw SQLFailure(code, message)
            }
        }
        return try SQLFailure.wrap { () throws(OmenError) in
            let schema = try Catalog(store: store).addColumn(table, definition)
            try redeclare(connection, schema, in: try staleSchemas(connection, schema))
            return schema.version
        }
    }

    /// Declares `schema` again in each of `databases` (DROP + CREATE; the rows stay).
    static func redeclare(_ connection: SQLConnection, _ schema: TableSchema, in databases: [String]) throws(OmenError) {
        connection.redeclaring = true
        defer { connection.redeclaring = false }
        for database in databases {
            let name = quoted(database) + "." + quoted(schema.name)
            try connection.exec("DROP TABLE \(name)")
            try connection.exec("CREATE VIRTUAL TABLE \(name) USING omendb(\(schema.definitions.joined(separator: ", ")))")
        }
    }

    /// The schemas of `connection` where `schema`'s table is declared as an omendb table
    /// with other columns than `schema`'s.
    static func staleSchemas(_ connection: SQLConnection, _ schema: TableSchema) throws(OmenError) -> [String] {
        var result: [String] = []
        let current = "(" + schema.definitions.joined(separator: ", ") + ")"
        for database in try strings(connection, "SELECT name FROM pragma_database_list", []) {
            let sql = "SELECT sql FROM \(quoted(database)).sqlite_schema WHERE type = 'table' AND name = ?1 COLLATE NOCASE"
            for text in try strings(connection, sql, [schema.name]) where isOmenDeclaration(text) && !text.hasSuffix(current) {
                result.append(database)
            }
        }
        return result
    }

    /// The names of the tables declared `USING omendb` in schema `database` of `connection`.
    static func omenTables(_ connection: SQLConnection, in database: String) throws(OmenError) -> [String] {
        var result: [String] = []
        for name in try strings(connection, "SELECT name FROM \(quoted(database)).sqlite_schema WHERE type = 'table'", []) {
            let sql = "SELECT sql FROM \(quoted(database)).sqlite_schema WHERE type = 'table' AND name = ?1"
            if try strings(connection, sql, [name]).contains(where: isOmenDeclaration) { result.append(name) }
        }
        return result
    }

    /// Whether `sql` (from sqlite_schema) declares an omendb virtual table.
    private static func isOmenDeclaration(_ sql: String) -> Bool {
        let words = TableSchema.tokenize(sql.replacingParentheses()).map { $0.uppercased() }
        guard let using = words.firstIndex(of: "USING"), using + 1 < words.count else { return false }
        return words[using + 1] == "OMENDB"
    }

    /// The first column of every row of `sql` with text `parameters`.
    private static func strings(_ connection: SQLConnection, _ sql: String, _ parameters: [String]) throws(OmenError) -> [String] {
        var statement: OpaquePointer?
        defer { sqlite3_finalize(statement) }
        guard sqlite3_prepare_v2(connection.handle, sql, -1, &statement, nil) == SQLITE_OK else {
            throw OmenError(.internal, "\(sql): \(connection.errorMessage())")
        }
        for (index, parameter) in parameters.enumerated() {
            sqlite3_bind_text(statement, Int32(index + 1), parameter, -1, omendb_sql_transient())
        }
        var result: [String] = []
        var status = sqlite3_step(statement)
        while status == SQLITE_ROW {
            if let text = sqlite3_column_text(statement, 0) { result.append(String(cString: text)) }
            status = sqlite3_step(statement)
        }
        guard status == SQLITE_DONE else { throw OmenError(.internal, "\(sql): \(connection.errorMessage())") }
        return result
    }
}

extension String {
    /// Parentheses as spaces, so `omendb(id ...)` tokenizes as `omendb` then the rest.
    fileprivate func replacingParentheses() -> String {
        String(map { $0 == "(" || $0 == ")" ? " " : $0 })
    }
}
