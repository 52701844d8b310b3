import CSQLite
import NIOCore
import OmenDB

/// The statements the session runs itself rather than SQLite: transaction control,
/// settings, cursors, COPY, and the DDL SQLite has no spelling for.
extension Session {
    /// Runs `command`; `portal` is the extended protocol's portal (its bound statement
    /// holds a DECLARE's query and parameters), nil in a simple query.
    func runCommand(_ command: PGCommand, portal: Portal?, parameters: [String?]?) throws(PGError) {
        switch command {
        case .begin(let mode, let tag):
            if implicitTransaction {
                // BEGIN inside a batch's implicit transaction makes it a block of its own.
                implicitTransaction = false
                if let readOnly = mode.readOnly { transactionReadOnly = readOnly }
            } else if inTransactionBlock {
                notice(PGError(SQLState.activeSQLTransaction, "there is already a transaction in progress", severity: .warning))
            } else {
                try beginTransaction(mode)
            }
            out.writeCommandComplete(tag)
        case .commit:
            implicitTransaction = false
            if !inTransactionBlock {
                notice(PGError(SQLState.noActiveSQLTransaction, "there is no transaction in progress", severity: .warning))
                out.writeCommandComplete("COMMIT")
            } else if transactionFailed {
                try control("ROLLBACK")
                closeTransactionPortals()
                out.writeCommandComplete("ROLLBACK")
            } else {
                defer { closeTransactionPortals() }
                try executing { () throws(PGError) in try commitTransaction() }
                out.writeCommandComplete("COMMIT")
            }
        case .rollback:
            implicitTransaction = false
            if !inTransactionBlock {
                notice(PGError(SQLState.noActiveSQLTransaction, "there is no transaction in progress", severity: .warning))
            } else {
                try control("ROLLBACK")
                closeTransactionPortals()
            }
            out.writeCommandComplete("ROLLBACK")
        case .savepoint(let name):
            guard inTransactionBlock else {
                throw PGError(SQLState.noActiveSQLTransaction, "SAVEPOINT can only be used in transaction blocks")
            }
            try execSQL("SAVEPOINT \(quoteIdentifier(name))")
            out.writeCommandComplete("SAVEPOINT")
        case .release(let name):
            guard inTransactionBlock else {
                throw PGError(SQLState.noActiveSQLTransaction, "RELEASE SAVEPOINT can only be used in transaction blocks")
            }
            try savepointSQL("RELEASE SAVEPOINT", name)
            out.writeCommandComplete("RELEASE")
        case .rollbackTo(let name):
            guard inTransactionBlock else {
                throw PGError(SQLState.noActiveSQLTransaction, "ROLLBACK TO SAVEPOINT can only be used in transaction blocks")
            }
            try savepointSQL("ROLLBACK TO SAVEPOINT", name)
            transactionFailed = false
            out.writeCommandComplete("ROLLBACK")
        case .setTransaction(let mode, let session):
            try setTransaction(mode, session: session)
            out.writeCommandComplete("SET")
        case .set(let name, let value, _):
            if name.lowercased() == "transaction_isolation", let value {
                try setTransaction(TransactionMode(isolation: isolation(named: value)), session: false)
            } else if let value {
                try settings.set(name, value)
            } else {
                try settings.reset(name)
            }
            out.writeCommandComplete("SET")
        case .reset(let name):
            try settings.reset(name)
            out.writeCommandComplete("RESET")
        case .resetAll:
            settings.resetAll()
            out.writeCommandComplete("RESET")
        case .show(let name):
            guard let value = settings.value(name) else {
                throw PGError(SQLState.undefinedObject, "unrecognized configuration parameter \"\(name.lowercased())\"")
            }
            let columns = commandColumns(command)!
            if portal == nil { out.writeRowDescription(columns) }
            writeTextRow([value])
            out.writeCommandComplete("SHOW")
        case .showAll:
            if portal == nil { out.writeRowDescription(commandColumns(command)!) }
            for (name, value) in settings.all { writeTextRow([name, value, ""]) }
            out.writeCommandComplete("SHOW")
        case .declare(let name, let query, let hold, let binary):
            try declareCursor(name: name, query: query, hold: hold, binary: binary, portal: portal)
            out.writeCommandComplete("DECLARE CURSOR")
        case .fetch(let name, let count, let move):
            try fetch(name: name, count: count, move: move, describe: portal == nil)
        case .close(let name):
            if let name {
                guard let cursor = portals.removeValue(forKey: name) else {
                    throw PGError(SQLState.invalidCursorName, "cursor \"\(name)\" does not exist")
                }
                cursor.close()
                out.writeCommandComplete("CLOSE CURSOR")
            } else {
                for (key, cursor) in portals where !key.isEmpty && cursor !== portal {
                    cursor.close()
                    portals[key] = nil
                }
                out.writeCommandComplete("CLOSE CURSOR ALL")
            }
        case .discardAll:
            guard !inTransactionBlock else {
                throw PGError(SQLState.activeSQLTransaction, "DISCARD ALL cannot run inside a transaction block")
            }
            for (key, open) in portals where open !== portal { open.close(); portals[key] = nil }
            statements = statements.filter { $0.value === portal?.statement }
            settings.resetAll()
            out.writeCommandComplete("DISCARD ALL")
        case .noop(let tag):
            if tag == "VACUUM" && inTransactionBlock {
                throw PGError(SQLState.activeSQLTransaction, "VACUUM cannot run inside a transaction block")
            }
            out.writeCommandComplete(tag)
        case .copyFrom(let table, let columns, let options):
            try copyFrom(table: table, columns: columns, options: options)
        case .copyTo(let source, let options):
            try copyTo(source, options: options)
        case .truncate(let tables):
            // One call for every table: all are emptied or none.
            try executing { () throws(PGError) in
                try execSQL("SELECT omendb_truncate(\(tables.map(quoteLiteral).joined(separator: ", ")))")
            }
            out.writeCommandComplete("TRUNCATE TABLE")
        case .addPrimaryKey(let table, let column):
            try executing { () throws(PGError) in
                try execSQL("SELECT omendb_set_primary_key(\(quoteLiteral(table)), \(quoteLiteral(column)))")
            }
            out.writeCommandComplete("ALTER TABLE")
        case .prepare(let name, let translated):
            guard statements[name] == nil else {
                throw PGError(SQLState.duplicatePreparedStatement, "prepared statement \"\(name)\" already exists")
            }
            let insertDefaults = defaultsSource(translated)
            let query = try applyingDefaults(translated)
            let sqliteStatement = try prepare(query.sql)
            let types = ParameterTypes.infer(query.sql, statement: sqliteStatement!, count: query.parameterCount, connection: sqlite!)
            statements[name] = PreparedStatement(text: query.sql, translated: .query(query), parameterTypes: types,
                                                 statement: sqliteStatement, insertDefaults: insertDefaults)
            out.writeCommandComplete("PREPARE")
        case .execute(let name, let values):
            guard let statement = statements[name], let query = statement.query else {
                throw PGError(SQLState.invalidSQLStatementName, "prepared statement \"\(name)\" does not exist")
            }
            guard values.count == statement.parameterTypes.count else {
                throw PGError(SQLState.syntaxError, "wrong number of parameters for prepared statement \"\(name)\"",
                              detail: "Expected \(statement.parameterTypes.count) parameters but got \(values.count).")
            }
            let buffers = values.map { $0.map { ByteBuffer(string: $0) } }
            let executed = try bind(statement, values: buffers, formats: [], resultFormats: [], ownStatement: true)
            defer { executed.close() }
            try checkReadOnly(executed)
            try runPortal(executed, query: query, limit: 0, describe: portal == nil)
        case .deallocate(let name):
            if let name {
                guard statements.removeValue(forKey: name) != nil else {
                    throw PGError(SQLState.invalidSQLStatementName, "prepared statement \"\(name)\" does not exist")
                }
                out.writeCommandComplete("DEALLOCATE")
            } else {
                statements = statements.filter { $0.key.isEmpty || $0.value === portal?.statement }
                out.writeCommandComplete("DEALLOCATE ALL")
            }
        }
    }

    /// BEGIN: the isolation level (PostgreSQL's names mapped to OmenDB's levels) set on
    /// the connection before SQLite's BEGIN.
    func beginTransaction(_ mode: TransactionMode) throws(PGError) {
        let level = mode.isolation ?? isolation(named: settings.value("default_transaction_isolation") ?? "serializable")
        try control("SELECT omendb_isolation('\(Self.omendbLevel(level))')")
        try control("BEGIN")
        transactionReadOnly = mode.readOnly ?? (settings.value("default_transaction_read_only") == "on")
        transactionFailed = false
        try? settings.set("transaction_isolation", Self.postgresName(level))
    }

    private func setTransaction(_ mode: TransactionMode, session: Bool) throws(PGError) {
        if session {
            if let level = mode.isolation { try settings.set("default_transaction_isolation", Self.postgresName(level)) }
            if let readOnly = mode.readOnly { try settings.set("default_transaction_read_only", readOnly ? "on" : "off") }
            return
        }
        guard inTransactionBlock else {
            notice(PGError(SQLState.noActiveSQLTransaction, "SET TRANSACTION can only be used in transaction blocks", severity: .warning))
            return
        }
        if let level = mode.isolation {
            try execSQL("SELECT omendb_isolation('\(Self.omendbLevel(level))')")
            try? settings.set("transaction_isolation", Self.postgresName(level))
        }
        if let readOnly = mode.readOnly { transactionReadOnly = readOnly }
    }

    func isolation(named name: String) -> IsolationLevel {
        switch name.lowercased().split(separator: " ").joined(separator: " ") {
        case "read uncommitted", "read committed": return .readCommitted
        case "repeatable read": return .repeatableRead
        default: return .serializable
        }
    }

    /// OmenDB's level for a PostgreSQL level: READ COMMITTED runs as OmenDB's
    /// REPEATABLE READ (snapshot isolation, first committer wins), never weaker than
    /// PostgreSQL: its READ COMMITTED re-reads a row another transaction updated before
    /// updating it, where OmenDB's read committed would lose that update
    /// (docs/server.md, "Transactions").
    static func omendbLevel(_ level: IsolationLevel) -> String {
        switch level {
        case .serializable: return "serializable"
        default: return "repeatable read"
        }
    }

    static func postgresName(_ level: IsolationLevel) -> String {
        switch level {
        case .serializable: return "serializable"
        case .repeatableRead: return "repeatable read"
        default: return "read committed"
        }
    }

    private func savepointSQL(_ verb: String, _ name: String) throws(PGError) {
        let status = sqlite3_exec(sqlite, "\(verb) \(quoteIdentifier(name))", nil, nil, nil)
        guard status == SQLITE_OK else {
            let error = sqliteError(status)
            if error.message.contains("no such savepoint") {
                throw PGError(SQLState.invalidSavepointSpecification, "savepoint \"\(name)\" does not exist")
            }
            throw error
        }
    }

    /// The columns a command returns rows in, nil for none.
    func commandColumns(_ command: PGCommand) -> [ResultColumn]? {
        let text = PGTypes.forSQLiteValue(SQLITE_TEXT)
        switch command {
        case .show(let name):
            return [ResultColumn(name: settings.spelling(name), type: text, binary: false)]
        case .showAll:
            return ["name", "setting", "description"].map { ResultColumn(name: $0, type: text, binary: false) }
        case .fetch(let name, _, let move):
            guard !move, let cursor = portals[name] else { return nil }
            return cursor.columns ?? resultColumns(cursor, rowAvailable: false)
        default:
            return nil
        }
    }

    /// A DataRow of text values.
    func writeTextRow(_ values: [String?]) {
        out.writeMessage(UInt8(ascii: "D")) {
            $0.writeInteger(Int16(values.count))
            for value in values {
                guard let value else { $0.writeInteger(Int32(-1)); continue }
                $0.writeInteger(Int32(value.utf8.count))
                $0.writeString(value)
            }
        }
    }

    // MARK: Cursors

    private func declareCursor(name: String, query: SQLiteQuery, hold: Bool, binary: Bool, portal: Portal?) throws(PGError) {
        guard hold || inTransactionBlock else {
            throw PGError(SQLState.noActiveSQLTransaction, "DECLARE CURSOR can only be used in transaction blocks")
        }
        guard portals[name] == nil else {
            throw PGError(SQLState.duplicateCursor, "cursor \"\(name)\" already exists")
        }
        let cursor: Portal
        if let portal, let statement = portal.takeStatement() {
            // The extended protocol's Bind prepared and bound the query for this portal.
            cursor = Portal(statement: portal.statement, sqliteStatement: statement, ownsStatement: true,
                            resultFormats: binary ? [1] : [])
        } else {
            guard query.parameterCount == 0 else { throw PGError(SQLState.undefinedObject, "there is no parameter $1") }
            let prepared = PreparedStatement(text: query.sql, translated: .query(query), parameterTypes: [],
                                             statement: nil)
            cursor = Portal(statement: prepared, sqliteStatement: try prepare(query.sql), ownsStatement: true,
                            resultFormats: binary ? [1] : [])
        }
        cursor.holdable = hold
        portals[name] = cursor
    }

    private func fetch(name: String, count: Int?, move: Bool, describe: Bool) throws(PGError) {
        guard let cursor = portals[name], !name.isEmpty else {
            throw PGError(SQLState.invalidCursorName, "cursor \"\(name)\" does not exist")
        }
        let before = cursor.rowCount
        let query = cursor.statement.query ?? SQLiteQuery(sql: "", kind: .select, parameterCount: 0, returnsRows: true)
        let verb = move ? "MOVE" : "FETCH"
        if move {
            try skipRows(cursor, count: count)
            out.writeCommandComplete("MOVE \(cursor.rowCount - before)")
            return
        }
        let suspended = try runPortal(cursor, query: query, limit: count ?? 0, describe: describe) { rows in "\(verb) \(rows - before)" }
        if suspended { out.writeCommandComplete("\(verb) \(cursor.rowCount - before)") }
    }

    private func skipRows(_ cursor: Portal, count: Int?) throws(PGError) {
        guard let statement = cursor.sqliteStatement else { return }
        try executing { () throws(PGError) in
            var skipped = 0
            while count == nil || skipped < count! {
                if cursor.state == .pendingRow { cursor.state = .running; skipped += 1; cursor.rowCount += 1; continue }
                if cursor.state == .done { return }
                let status = sqlite3_step(statement)
                if status == SQLITE_DONE { cursor.state = .done; return }
                guard status == SQLITE_ROW else { cursor.state = .done; throw sqliteError(status) }
                cursor.state = .running
                skipped += 1
                cursor.rowCount += 1
            }
        }
    }
}
