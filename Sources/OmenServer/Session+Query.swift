import CSQLite
import NIOCore
import OmenDB
import OmenSQL

/// Running statements: the simple-query protocol and the parts the extended protocol
/// shares with it (preparing, stepping rows, command tags).
extension Session {
    /// A Query message: every statement in turn, stopping at the first error. Several
    /// statements outside a transaction block run as one implicit transaction, as in
    /// PostgreSQL (unless they control transactions themselves).
    func simpleQuery(_ text: String) throws(PGError) {
        let pieces = try StatementSplitter.split(text)
        if pieces.isEmpty {
            out.writeEmptyQueryResponse()
            return
        }
        var translated: [(String, PGStatement)] = []
        for piece in pieces { translated.append((piece, try Translator.translate(piece))) }
        let implicit = translated.count > 1 && !inTransactionBlock
            && !translated.contains { if case .command(let command) = $0.1 { return command.controlsTransaction } else { return false } }
        if implicit { try control("BEGIN") }
        do throws(PGError) {
            for (text, statement) in translated {
                try runSimple(text: text, statement)
            }
            if implicit { try commitTransaction() }
        } catch {
            if implicit { rollbackSQL() }
            throw error
        }
    }

    /// One statement of a simple query: RowDescription (if it returns rows), DataRows in
    /// text, CommandComplete.
    private func runSimple(text: String, _ statement: PGStatement) throws(PGError) {
        try checkTransactionState(statement)
        switch statement {
        case .empty:
            out.writeEmptyQueryResponse()
        case .command(let command):
            try runCommand(command, portal: nil, parameters: nil)
        case .script(let sql, let tag):
            try runScript(sql)
            out.writeCommandComplete(tag)
        case .query(let translated):
            let query = try applyingDefaults(translated)
            let prepared = PreparedStatement(text: text, translated: .query(query), parameterTypes: [],
                                             statement: try prepare(query.sql))
            let portal = Portal(statement: prepared, sqliteStatement: prepared.statement, ownsStatement: false, resultFormats: [])
            defer { portal.close() }
            try checkReadOnly(portal)
            if query.parameterCount > 0 {
                throw PGError(SQLState.undefinedObject, "there is no parameter $1")
            }
            _ = try runPortal(portal, query: query, limit: 0, describe: true)
        }
    }

    /// Several SQLite statements for one PostgreSQL statement (DROP TABLE a, b): all or
    /// none, inside a savepoint.
    func runScript(_ sql: [String]) throws(PGError) {
        try executing { () throws(PGError) in
            try execSQL("SAVEPOINT omendb_script")
            do throws(PGError) {
                for statement in sql { try execSQL(statement) }
            } catch {
                sqlite3_exec(sqlite, "ROLLBACK TO omendb_script; RELEASE omendb_script", nil, nil, nil)
                throw error
            }
            try execSQL("RELEASE omendb_script")
        }
    }

    /// PostgreSQL's rule in a failed transaction block: only ROLLBACK (and COMMIT, which
    /// then rolls back) and ROLLBACK TO SAVEPOINT run.
    func checkTransactionState(_ statement: PGStatement) throws(PGError) {
        guard transactionFailed && inTransactionBlock else { return }
        if case .command(let command) = statement {
            switch command {
            case .rollback, .commit, .rollbackTo: return
            default: break
            }
        }
        throw PGError(SQLState.inFailedSQLTransaction,
                      "current transaction is aborted, commands ignored until end of transaction block")
    }

    /// A READ ONLY transaction refuses statements that write.
    func checkReadOnly(_ portal: Portal) throws(PGError) {
        guard transactionReadOnly, inTransactionBlock, let statement = portal.sqliteStatement,
              sqlite3_stmt_readonly(statement) == 0 else { return }
        throw PGError(SQLState.readOnlySQLTransaction, "cannot execute \(portal.statement.query?.commandName ?? "this statement") in a read-only transaction")
    }

    /// Prepares `sql`, after declaring the tables other sessions created, altered or
    /// dropped since this session last looked (OmenSQL.refresh: one atomic load when
    /// nothing changed).
    func prepare(_ sql: String) throws(PGError) -> OpaquePointer? {
        let sqlite = try refreshTables()
        let facts = try tableFacts()
        try checkNoDateTimeColumnArithmetic(sql, facts.dateTimeColumns)
        let literals = facts.hasTypedLiteralColumns ? try typedLiterals(sql, facts.columnTypes) : sql
        let sql = NullOrdering.droppingKeyClauses(literals, keys: facts.keys) { facts.columnTypes[$0]?.keys.contains($1) == true }
        var statement: OpaquePointer?
        let status = sqlite3_prepare_v3(sqlite, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard status == SQLITE_OK else {
            sqlite3_finalize(statement)
            throw sqliteError(status)
        }
        return statement
    }

    /// Declares the tables other sessions created, altered or dropped since this session
    /// last looked (one atomic load when no table changed); a statement prepared before
    /// then is prepared again by SQLite when it is next stepped. Returns the session's
    /// SQL connection.
    @discardableResult
    func refreshTables() throws(PGError) -> OpaquePointer {
        guard let sqlite else { throw PGError(SQLState.internalError, "the session has no SQL connection") }
        let generation = OmenSQL.catalogGeneration
        guard generation != declaredGeneration else { return sqlite }
        forgetStaleTables()
        do throws(OmenError) {
            try OmenSQL.refresh(sqlite)
        } catch {
            throw PGError(SQLState.internalError, "could not refresh the table declarations: \(error)")
        }
        // Inside a transaction block a ROLLBACK would undo the declarations: look again next time.
        if sqlite3_get_autocommit(sqlite) != 0 { declaredGeneration = generation }
        return sqlite
    }

    /// Steps `portal`, sending at most `limit` rows (0: all) as DataRows; with
    /// `describe`, a RowDescription first (simple protocol, FETCH). Returns true when
    /// suspended with rows left; otherwise the CommandComplete is written.
    @discardableResult
    func runPortal(_ portal: Portal, query: SQLiteQuery, limit: Int, describe: Bool, tag: ((Int) -> String)? = nil) throws(PGError) -> Bool {
        guard let statement = portal.sqliteStatement else {
            out.writeCommandComplete(query.commandTag(rows: 0, changes: 0))
            return false
        }
        var described = !describe
        var sent = 0
        let suspended = try executing { () throws(PGError) -> Bool in
            while true {
                if limit > 0 && sent == limit && portal.state != .done { return true }
                switch portal.state {
                case .pendingRow:
                    portal.state = .running
                case .done:
                    return false
                case .ready, .running:
                    let status = sqlite3_step(statement)
                    if status == SQLITE_DONE {
                        portal.state = .done
                        return false
                    }
                    guard status == SQLITE_ROW else {
                        portal.state = .done
                        throw sqliteError(status)
                    }
                    portal.state = .running
                }
                // A statement PostgreSQL answers without rows (ALTER TABLE … ADD COLUMN
                // runs as SELECT omendb_add_column(…)) sends none.
                if !query.returnsRows { continue }
                if portal.columns == nil { portal.columns = resultColumns(portal, rowAvailable: true) }
                if !described {
                    out.writeRowDescription(portal.columns!)
                    described = true
                }
                try writeDataRow(portal)
                sent += 1
                portal.rowCount += 1
                flushIfLarge()
            }
        }
        if !described && query.returnsRows && sqlite3_column_count(statement) > 0 {
            if portal.columns == nil { portal.columns = resultColumns(portal, rowAvailable: false) }
            out.writeRowDescription(portal.columns!)
        }
        if suspended { return true }
        // The count is of this call's rows (an Execute after PortalSuspended counts its own).
        let changes = Int(sqlite3_changes64(sqlite))
        out.writeCommandComplete(tag?(portal.rowCount) ?? query.commandTag(rows: sent, changes: changes))
        return false
    }

    /// The result columns of `portal`: the types its statement was described with, else
    /// from the declared column types, else (with a row stepped) from the values' types.
    func resultColumns(_ portal: Portal, rowAvailable: Bool) -> [ResultColumn] {
        func formatted(_ columns: [ResultColumn]) -> [ResultColumn] {
            columns.enumerated().map { index, column in
                var column = column
                column.binary = portal.isBinary(index)
                return column
            }
        }
        if let described = portal.statement.describedColumns {
            return formatted(described)
        }
        guard let statement = portal.sqliteStatement else { return [] }
        let generation = OmenSQL.catalogGeneration
        if let declared = portal.statement.declaredColumns, declared.generation == generation {
            return formatted(declared.columns)
        }
        let count = sqlite3_column_count(statement)
        let columns = (0..<count).map { describeColumn(statement, $0, rowAvailable: rowAvailable, binary: false) }
        if (0..<count).allSatisfy({ sqlite3_column_decltype(statement, $0) != nil }) {
            portal.statement.declaredColumns = (columns, generation)
        }
        return formatted(columns)
    }

    /// Column `index` of `statement` for RowDescription: PostgreSQL's name, the type
    /// (declared, else the current row's value's), and for a table's column the table's
    /// OID (as pg_class has it) and the column's number.
    func describeColumn(_ statement: OpaquePointer, _ index: Int32, rowAvailable: Bool, binary: Bool) -> ResultColumn {
        var column = ResultColumn(name: columnName(statement, index),
                                  type: columnType(statement, index, rowAvailable: rowAvailable), binary: binary)
        if let table = sqlite3_column_table_name(statement, index), let origin = sqlite3_column_origin_name(statement, index),
           !Self.functionTables.contains(String(cString: table)) {
            let tableName = String(cString: table)
            if let number = tableColumnNumbers(tableName)[String(cString: origin)] {
                column.tableOID = UserTable.baseOID(tableName)
                column.attributeNumber = Int16(number)
            }
        }
        return column
    }

    /// `query` with PostgreSQL's column defaults applied when it is an INSERT (InsertDefaults).
    func applyingDefaults(_ query: SQLiteQuery) throws(PGError) -> SQLiteQuery {
        guard query.kind == .insert else { return query }
        var rewritten = query
        rewritten.sql = try withColumnDefaults(query.sql)
        return rewritten
    }

    /// What a prepared statement keeps to apply `query`'s column defaults again after a
    /// table changed (PreparedStatement.insertDefaults): nil unless it is an INSERT.
    /// Read before `applyingDefaults`, so that DDL meanwhile is seen at the next Bind.
    func defaultsSource(_ query: SQLiteQuery) -> (source: String, generation: Int)? {
        query.kind == .insert ? (query.sql, OmenSQL.catalogGeneration) : nil
    }

    /// The SQL a prepared INSERT runs with the columns' defaults as the catalog has
    /// them now, and the catalog generation it was made at; nil while no table changed
    /// since its defaults were applied, or when applying them again gives the same SQL.
    func changedDefaults(_ statement: PreparedStatement) throws(PGError) -> (sql: String, generation: Int)? {
        let generation = OmenSQL.catalogGeneration
        guard let defaults = statement.insertDefaults, defaults.generation != generation,
              let current = statement.statement else { return nil }
        let sql = try withColumnDefaults(defaults.source)
        guard sql != String(cString: sqlite3_sql(current)) else {
            statement.insertDefaults = (defaults.source, generation)
            return nil
        }
        return (sql, generation)
    }

    /// The INSERT `sql` rewritten by InsertDefaults with the tables as the catalog has them now.
    func withColumnDefaults(_ sql: String) throws(PGError) -> String {
        let schemas = try tableSchemas()
        return InsertDefaults.rewrite(sql, schema: { schemas[$0.lowercased()] }, sourceColumns: { query in
            guard let statement = (try? prepare("SELECT * FROM (" + query + ")")) ?? nil else { return nil }
            defer { sqlite3_finalize(statement) }
            return Int(sqlite3_column_count(statement))
        }) ?? sql
    }

    /// Refuses `sql` when a column declared with a date/time type is an operand of an
    /// arithmetic or bitwise operator: SQLite would compute on its text ('2024-01-01' + 1
    /// is 2025) where PostgreSQL has date arithmetic (the translator refuses the same for
    /// date/time constants and functions: QueryRewriter.checkNoArithmetic). Columns are
    /// matched by name over all tables, so a same-named column of another type in the
    /// statement is refused too; nothing is checked while no table has such a column.
    private func checkNoDateTimeColumnArithmetic(_ sql: String, _ columns: Set<String>) throws(PGError) {
        guard !columns.isEmpty else { return }
        let tokens = SQLiteTokens.scan(sql)
        for (index, token) in tokens.enumerated() {
            guard let name = token.name, columns.contains(name), index + 1 == tokens.count || tokens[index + 1].text != "(" else { continue }
            // The token before a quoted name's `t.` qualifier is its left neighbour.
            var left = index - 1
            if left >= 0, tokens[left].text.hasSuffix(".") { left -= 1 }
            for neighbour in [left, index + 1] where tokens.indices.contains(neighbour)
                && Self.sqliteArithmetic.contains(tokens[neighbour].text) {
                throw PGError.unsupported("arithmetic on the date/time column \(token.text) (\(tokens[neighbour].text))")
            }
        }
    }

    /// `sql` with each string constant compared with a boolean or date/time column
    /// (`b = 't'`, `'no' <> b`, `ts > '2024-01-31T09:40Z'`, `d BETWEEN '…' AND '…'`)
    /// written as the column stores its values: 1 or 0, the canonical text (a timestamptz
    /// in UTC). SQLite would compare the stored integer with the text (no row), or texts
    /// spelled differently (out of time order). A constant that is not a value of the type
    /// is PostgreSQL's 22P02 or 22007. Columns are matched by name over the tables the
    /// statement names; a name with two types there is left alone.
    private func typedLiterals(_ sql: String, _ columnTypes: [String: [String: PGType?]]) throws(PGError) -> String {
        guard sql.contains("'") else { return sql }
        let tokens = SQLiteTokens.scan(sql)
        var types: [String: PGType] = [:]
        var seen: [String: UInt32] = [:]   // each column name's type OID in the named tables (0: unknown)
        var ambiguous: Set<String> = []
        var named: Set<String> = []
        for token in tokens {
            guard let name = token.name, let columns = columnTypes[name], named.insert(name).inserted else { continue }
            for (column, type) in columns {
                let oid = type?.oid ?? 0
                if let previous = seen[column], previous != oid { ambiguous.insert(column) }
                seen[column] = oid
                if let type, Self.literalTypes.contains(oid) {
                    types[column] = type
                }
            }
        }
        for column in ambiguous { types[column] = nil }
        guard !types.isEmpty else { return sql }
        func columnType(_ index: Int) -> PGType? {
            guard tokens.indices.contains(index), let name = tokens[index].name,
                  index + 1 == tokens.count || tokens[index + 1].text != "(" else { return nil }
            return types[name]
        }
        func word(_ index: Int, _ value: String) -> Bool { tokens.indices.contains(index) && tokens[index].isWord(value) }
        var replacements: [(Range<String.Index>, String)] = []
        for (index, token) in tokens.enumerated() where token.text.hasPrefix("'") {
            // The column the constant is compared with: before the comparison (`b IS NOT 't'`:
            // past the NOT), after it, or before BETWEEN (`c BETWEEN '…' AND '…'`).
            var before = index - 1
            if word(before, "not") { before -= 1 }
            var type: PGType?
            if before >= 0, Self.comparisons.contains(tokens[before].text.lowercased()) { type = columnType(before - 1) }
            if type == nil, index + 1 < tokens.count, Self.comparisons.contains(tokens[index + 1].text.lowercased()) {
                type = columnType(index + 2)
            }
            if type == nil, word(index - 1, "between") { type = columnType(word(index - 2, "not") ? index - 3 : index - 2) }
            if type == nil, word(index - 1, "and"), tokens.indices.contains(index - 2), tokens[index - 2].text.hasPrefix("'"),
               word(index - 3, "between") {
                type = columnType(word(index - 4, "not") ? index - 5 : index - 4)
            }
            guard let type else { continue }
            let text = String(token.text.dropFirst().dropLast()).replacing("''", with: "'")
            if type.oid == PGTypes.bool.oid {
                guard let flag = PGTextInput.bool(text) else {
                    throw PGError(SQLState.invalidTextRepresentation, "invalid input syntax for type boolean: \"\(text)\"")
                }
                replacements.append((token.range, flag ? "1" : "0"))
            } else {
                guard let canonical = PGDateTime(parsing: text, type: type)?.text(type: type) else {
                    throw PGError(SQLState.invalidDatetimeFormat,
                                  "invalid input syntax for type \(PGTextInput.sqlName(type)): \"\(text)\"")
                }
                replacements.append((token.range, "'" + canonical + "'"))
            }
        }
        var result = sql
        for (range, replacement) in replacements.reversed() { result.replaceSubrange(range, with: replacement) }
        return result
    }

    /// What `prepare` looks up about the omendb tables (all names lower-cased), cached
    /// with the schemas.
    struct TableFacts {
        /// The columns declared with a date/time type, in any table.
        var dateTimeColumns: Set<String> = []
        /// Each table's columns with their types (nil: a type the server does not know).
        var columnTypes: [String: [String: PGType?]] = [:]
        /// Each table's key column (`rowid` for a table without a PRIMARY KEY).
        var keys: [String: String] = [:]
        /// Whether any column is boolean or date/time (else `typedLiterals` has nothing to do).
        var hasTypedLiteralColumns = false
    }

    /// SQLite's arithmetic and bitwise operators (checkNoDateTimeColumnArithmetic).
    private static let sqliteArithmetic: Set<String> = ["+", "-", "*", "/", "%", "&", "|", "~"]
    /// The comparisons `typedLiterals` reads a constant's type from.
    private static let comparisons: Set<String> = ["=", "==", "<>", "!=", "is", "<", "<=", ">", ">="]
    /// The types whose string constants `typedLiterals` rewrites.
    private static let literalTypes: Set<UInt32> = [PGTypes.bool.oid, PGTypes.date.oid, PGTypes.timestamp.oid,
                                                    PGTypes.timestamptz.oid]

    private func tableFacts() throws(PGError) -> TableFacts {
        forgetStaleTables()
        if let facts = cachedTableFacts { return facts }
        var facts = TableFacts()
        for (table, schema) in try tableSchemas() {
            facts.keys[table] = schema.keyColumn.map { schema.columns[$0].name.lowercased() } ?? "rowid"
            for column in schema.columns {
                let name = column.name.lowercased()
                let type = column.declaredType.lowercased()
                if type.hasPrefix("date") || type.hasPrefix("time") { facts.dateTimeColumns.insert(name) }
                let known = PGTypes.forDeclared(column.declaredType)
                facts.columnTypes[table, default: [:]][name] = known
                if let known, Self.literalTypes.contains(known.oid) { facts.hasTypedLiteralColumns = true }
            }
        }
        cachedTableFacts = facts
        return facts
    }

    /// The omendb tables by lower-cased name, as the catalog has them: read once, and
    /// again after a table was created, altered or dropped by any session.
    private func tableSchemas() throws(PGError) -> [String: TableSchema] {
        forgetStaleTables()
        if let schemas = cachedSchemas { return schemas }
        guard let sqlite else { throw PGError(SQLState.internalError, "the session has no SQL connection") }
        var schemas: [String: TableSchema] = [:]
        do throws(OmenError) {
            for schema in try OmenSQL.schemas(sqlite) { schemas[schema.name.lowercased()] = schema }
        } catch {
            throw PGError(SQLState.internalError, "could not read the table declarations: \(error)")
        }
        cachedSchemas = schemas
        return schemas
    }

    /// Forgets what the session cached about tables (their columns' numbers, their
    /// schemas) when any session of the process created, altered or dropped a table
    /// since it cached them: one atomic load when none did.
    private func forgetStaleTables() {
        let generation = OmenSQL.catalogGeneration
        guard generation != cachedGeneration else { return }
        cachedGeneration = generation
        columnNumbers.removeAll()
        cachedSchemas = nil
        cachedTableFacts = nil
    }

    /// Table-valued functions: their columns are not a table's for RowDescription.
    static let functionTables: Set<String> = ["generate_series"]

    /// The 1-based numbers of `table`'s columns (pg_attribute.attnum), cached until a
    /// table changes (forgetStaleTables).
    private func tableColumnNumbers(_ table: String) -> [String: Int] {
        if let numbers = columnNumbers[table] { return numbers }
        var statement: OpaquePointer?
        defer { sqlite3_finalize(statement) }
        var numbers: [String: Int] = [:]
        if sqlite3_prepare_v2(sqlite, "SELECT * FROM \(quoteIdentifier(table)) LIMIT 0", -1, &statement, nil) == SQLITE_OK {
            for index in 0..<sqlite3_column_count(statement) {
                numbers[String(cString: sqlite3_column_name(statement, index))] = Int(index) + 1
            }
        }
        columnNumbers[table] = numbers
        return numbers
    }

    /// Column `index`'s name as PostgreSQL would give it (ColumnNames).
    func columnName(_ statement: OpaquePointer, _ index: Int32) -> String {
        ColumnNames.postgres(String(cString: sqlite3_column_name(statement, index)),
                             fromTable: sqlite3_column_origin_name(statement, index) != nil)
    }

    func columnType(_ statement: OpaquePointer, _ index: Int32, rowAvailable: Bool) -> PGType {
        if let declared = sqlite3_column_decltype(statement, index),
           let type = PGTypes.forDeclared(String(cString: declared)) {
            return type
        }
        if rowAvailable { return PGTypes.forSQLiteValue(sqlite3_column_type(statement, index)) }
        return PGTypes.forSQLiteValue(SQLITE_TEXT)
    }

    /// One DataRow of the current row of `portal`.
    func writeDataRow(_ portal: Portal) throws(PGError) {
        let statement = portal.sqliteStatement!
        let columns = portal.columns!
        let start = out.writerIndex
        out.writeInteger(UInt8(ascii: "D"))
        let lengthIndex = out.writerIndex
        out.writeInteger(Int32(0))
        out.writeInteger(Int16(columns.count))
        do throws(PGError) {
            for (index, column) in columns.enumerated() {
                try PGValueCodec.encode(statement: statement, column: Int32(index), type: column.type,
                                        binary: column.binary, into: &out)
            }
        } catch {
            // A value this column's type cannot carry: no half-written DataRow goes out.
            out.moveWriterIndex(to: start)
            throw error
        }
        out.setInteger(Int32(out.writerIndex - lengthIndex), at: lengthIndex)
    }

    /// COMMIT of the open transaction block; a conflict is 40001 and the block is over.
    func commitTransaction() throws(PGError) {
        guard let sqlite else { throw PGError(SQLState.internalError, "the session has no SQL connection") }
        let status = transactionControl.run("COMMIT", on: sqlite)
        if status != SQLITE_OK {
            let error = sqliteError(status)
            rollbackSQL()
            transactionFailed = false
            throw error
        }
    }

    /// At Sync: the implicit transaction of the batch commits (or, after an error, rolls
    /// back); outside a transaction block the batch's portals end.
    func endImplicitTransaction() throws(SessionEnd) {
        if implicitTransaction {
            implicitTransaction = false
            if inTransactionBlock {
                if transactionFailed {
                    rollbackSQL()
                } else {
                    do throws(PGError) {
                        try executing { () throws(PGError) in try commitTransaction() }
                    } catch {
                        try reportError(error)
                    }
                }
            }
        }
        if !inTransactionBlock { closeTransactionPortals() }
    }

    /// Closes the portals a transaction's end destroys (all but WITH HOLD cursors).
    func closeTransactionPortals() {
        for (name, portal) in portals where !portal.holdable {
            portal.close()
            portals[name] = nil
        }
    }
}

extension SQLiteQuery {
    /// The word PostgreSQL names the statement with in messages (INSERT, UPDATE, ...).
    var commandName: String {
        switch kind {
        case .select: return "SELECT"
        case .insert: return "INSERT"
        case .update: return "UPDATE"
        case .delete: return "DELETE"
        case .other(let tag): return tag
        }
    }

    /// CommandComplete's tag after `rows` rows were returned and `changes` rows written.
    func commandTag(rows: Int, changes: Int) -> String {
        kind.commandTag(rows: kind == .select || returnsRows ? rows : changes)
    }
}

extension PGCommand {
    /// BEGIN, COMMIT, ROLLBACK and savepoints: a simple query containing one is not
    /// wrapped in an implicit transaction (its statements manage their own).
    var controlsTransaction: Bool {
        switch self {
        case .begin, .commit, .rollback, .savepoint, .release, .rollbackTo: return true
        default: return false
        }
    }
}
