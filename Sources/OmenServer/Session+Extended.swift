import CSQLite
import NIOCore

/// The extended-query protocol: Parse, Bind, Describe, Execute, Close (Sync and Flush
/// are in Session.swift). An error makes the session skip messages up to the next Sync.
extension Session {
    func extended(type: UInt8, payload: ByteBuffer) throws(PGError) {
        switch type {
        case FrontendType.parse: try parseMessage(payload)
        case FrontendType.bind: try bindMessage(payload)
        case FrontendType.describe: try describeMessage(payload)
        case FrontendType.execute: try executeMessage(payload)
        default: try closeMessage(payload)
        }
    }

    private func parseMessage(_ payload: ByteBuffer) throws(PGError) {
        var reader = PayloadReader(payload, message: "Parse")
        let name = try reader.cString()
        let text = try reader.cString()
        let count = try reader.int16()
        guard count >= 0 else { throw PGError(SQLState.protocolViolation, "invalid Parse message: negative parameter count") }
        var types: [UInt32] = []
        for _ in 0..<count { types.append(UInt32(bitPattern: try reader.int32())) }
        try reader.end()
        if !name.isEmpty && statements[name] != nil {
            throw PGError(SQLState.duplicatePreparedStatement, "prepared statement \"\(name)\" already exists")
        }
        let statement = try makeStatement(text: text, types: types)
        statements[name] = statement
        out.writeParseComplete()
    }

    /// Translates and prepares one statement (Parse, SQL PREPARE).
    func makeStatement(text: String, types: [UInt32]) throws(PGError) -> PreparedStatement {
        let pieces = try StatementSplitter.split(text)
        guard pieces.count <= 1 else {
            throw PGError(SQLState.syntaxError, "cannot insert multiple commands into a prepared statement")
        }
        var translated = pieces.isEmpty ? PGStatement.empty : try Translator.translate(pieces[0])
        try checkTransactionState(translated)
        var query: SQLiteQuery?
        var insertDefaults: (source: String, generation: Int)?
        switch translated {
        case .query(let q):
            insertDefaults = defaultsSource(q)
            let rewritten = try applyingDefaults(q)
            query = rewritten
            translated = .query(rewritten)
        case .command(.declare(_, let q, _, _)): query = q
        default: break
        }
        let sqliteStatement = try query.map { q throws(PGError) in try prepare(q.sql) } ?? nil
        let count = max(query?.parameterCount ?? 0, types.count)
        var parameterTypes = types + Array(repeating: 0, count: count - types.count)
        if let sqliteStatement, let query {
            let inferred = ParameterTypes.infer(query.sql, statement: sqliteStatement, count: count, connection: sqlite!)
            for index in parameterTypes.indices where parameterTypes[index] == 0 {
                parameterTypes[index] = inferred[index]
            }
        }
        return PreparedStatement(text: text, translated: translated, parameterTypes: parameterTypes, statement: sqliteStatement,
                                 insertDefaults: insertDefaults)
    }

    private func bindMessage(_ payload: ByteBuffer) throws(PGError) {
        var reader = PayloadReader(payload, message: "Bind")
        let portalName = try reader.cString()
        let statementName = try reader.cString()
        let formatCount = Int(try reader.int16())
        var formats: [Int16] = []
        for _ in 0..<max(formatCount, 0) { formats.append(try reader.int16()) }
        let valueCount = Int(try reader.int16())
        var values: [ByteBuffer?] = []
        for _ in 0..<max(valueCount, 0) {
            let length = try reader.int32()
            values.append(length < 0 ? nil : try reader.bytes(Int(length)))
        }
        let resultCount = Int(try reader.int16())
        var resultFormats: [Int16] = []
        for _ in 0..<max(resultCount, 0) { resultFormats.append(try reader.int16()) }
        try reader.end()

        guard let statement = statements[statementName] else {
            throw PGError(SQLState.invalidSQLStatementName, statementName.isEmpty
                ? "unnamed prepared statement does not exist" : "prepared statement \"\(statementName)\" does not exist")
        }
        try checkTransactionState(statement.translated)
        guard values.count == statement.parameterTypes.count else {
            throw PGError(SQLState.protocolViolation, "bind message supplies \(values.count) parameters, but prepared statement "
                + "\"\(statementName)\" requires \(statement.parameterTypes.count)")
        }
        guard formats.count <= 1 || formats.count == values.count else {
            throw PGError(SQLState.protocolViolation, "bind message has \(formats.count) parameter formats but \(values.count) parameters")
        }
        if let bad = formats.first(where: { $0 != 0 && $0 != 1 }) {
            throw PGError(SQLState.invalidParameterValue, "unsupported format code: \(bad)")
        }
        if !portalName.isEmpty && portals[portalName] != nil {
            throw PGError(SQLState.duplicateCursor, "portal \"\(portalName)\" already exists")
        }
        if let old = portals[portalName] {
            old.close()
            portals[portalName] = nil
        }
        let portal = try bind(statement, values: values, formats: formats, resultFormats: resultFormats,
                              ownStatement: isDeclare(statement))
        if let columns = statement.describedColumns, resultFormats.count > 1, resultFormats.count != columns.count {
            portal.close()
            throw PGError(SQLState.protocolViolation, "bind message has \(resultFormats.count) result formats but query has \(columns.count) columns")
        }
        portals[portalName] = portal
        out.writeBindComplete()
    }

    private func isDeclare(_ statement: PreparedStatement) -> Bool {
        if case .command(.declare) = statement.translated { return true }
        return false
    }

    /// A portal of `statement` with `values` bound (text or binary, per `formats`).
    func bind(_ statement: PreparedStatement, values: [ByteBuffer?], formats: [Int16], resultFormats: [Int16],
              ownStatement: Bool) throws(PGError) -> Portal {
        try refreshTables()
        let changed = try changedDefaults(statement)
        let shareable = !ownStatement && !statement.statementInUse
        if let changed, shareable {
            statement.replaceStatement(try prepare(changed.sql))
            statement.insertDefaults?.generation = changed.generation
        }
        var sqliteStatement = statement.statement
        var owns = false
        if let shared = sqliteStatement, !shareable {
            sqliteStatement = try prepare(changed?.sql ?? String(cString: sqlite3_sql(shared)))
            owns = true
        }
        let portal = Portal(statement: statement, sqliteStatement: sqliteStatement, ownsStatement: owns, resultFormats: resultFormats)
        guard let sqliteStatement else { return portal }
        if !owns {
            sqlite3_reset(sqliteStatement)
            sqlite3_clear_bindings(sqliteStatement)
        }
        do throws(PGError) {
            for (index, value) in values.enumerated() {
                let binary = formats.count == 1 ? formats[0] == 1 : (formats.isEmpty ? false : formats[index] == 1)
                try PGValueCodec.bind(statement: sqliteStatement, index: Int32(index + 1), value: value,
                                      type: statement.parameterTypes[index], binary: binary)
            }
        } catch {
            portal.close()
            throw error
        }
        return portal
    }

    private func describeMessage(_ payload: ByteBuffer) throws(PGError) {
        var reader = PayloadReader(payload, message: "Describe")
        let kind = try reader.byte()
        let name = try reader.cString()
        try reader.end()
        switch kind {
        case UInt8(ascii: "S"):
            guard let statement = statements[name] else {
                throw PGError(SQLState.invalidSQLStatementName, name.isEmpty
                    ? "unnamed prepared statement does not exist" : "prepared statement \"\(name)\" does not exist")
            }
            out.writeParameterDescription(statement.parameterTypes)
            if let columns = try statementColumns(statement) {
                statement.describedColumns = columns
                out.writeRowDescription(columns)
            } else {
                out.writeNoData()
            }
        case UInt8(ascii: "P"):
            guard let portal = portals[name] else {
                throw PGError(SQLState.invalidCursorName, "portal \"\(name)\" does not exist")
            }
            try checkResultFormats(portal)
            if let columns = try portalColumns(portal) {
                out.writeRowDescription(columns)
            } else {
                out.writeNoData()
            }
        default:
            throw PGError(SQLState.protocolViolation, "invalid DESCRIBE message subtype \(kind)")
        }
    }

    /// The columns a statement's rows will have, nil for none. Types come from the
    /// declared column types; for expressions (count(*), sums) a read-only statement not
    /// in use is stepped once with every parameter NULL, and the first row's values give
    /// them (SQLite has no static types for expressions; asyncpg decodes by this answer).
    private func statementColumns(_ statement: PreparedStatement) throws(PGError) -> [ResultColumn]? {
        if case .command(let command) = statement.translated { return commandColumns(command) }
        guard let sqliteStatement = statement.statement, statement.query?.returnsRows != false,
              sqlite3_column_count(sqliteStatement) > 0 else { return nil }
        if let described = statement.describedColumns { return described }
        let count = sqlite3_column_count(sqliteStatement)
        var rowAvailable = false
        let untyped = (0..<count).contains { sqlite3_column_decltype(sqliteStatement, $0) == nil }
        if untyped && !statement.statementInUse && sqlite3_stmt_readonly(sqliteStatement) != 0 {
            sqlite3_reset(sqliteStatement)
            sqlite3_clear_bindings(sqliteStatement)
            rowAvailable = try executing { () throws(PGError) -> Bool in sqlite3_step(sqliteStatement) == SQLITE_ROW }
        }
        defer { if rowAvailable { sqlite3_reset(sqliteStatement) } }
        return (0..<count).map { index in
            describeColumn(sqliteStatement, index, rowAvailable: rowAvailable, binary: false)
        }
    }

    /// A portal's columns; a read-only query not started yet steps its first row so the
    /// types of expressions come from their values.
    private func portalColumns(_ portal: Portal) throws(PGError) -> [ResultColumn]? {
        if case .command(let command) = portal.statement.translated { return commandColumns(command) }
        guard let statement = portal.sqliteStatement, portal.statement.query?.returnsRows != false,
              sqlite3_column_count(statement) > 0 else { return nil }
        if portal.columns == nil {
            var rowAvailable = false
            if portal.state == .ready && portal.statement.describedColumns == nil && sqlite3_stmt_readonly(statement) != 0 {
                let status = try executing { () throws(PGError) -> Int32 in sqlite3_step(statement) }
                switch status {
                case SQLITE_ROW:
                    portal.state = .pendingRow
                    rowAvailable = true
                case SQLITE_DONE:
                    portal.state = .done
                default:
                    portal.state = .done
                    throw sqliteError(status)
                }
            }
            portal.columns = resultColumns(portal, rowAvailable: rowAvailable)
        }
        return portal.columns
    }

    private func executeMessage(_ payload: ByteBuffer) throws(PGError) {
        var reader = PayloadReader(payload, message: "Execute")
        let name = try reader.cString()
        let limit = try reader.int32()
        try reader.end()
        guard let portal = portals[name] else {
            throw PGError(SQLState.invalidCursorName, "portal \"\(name)\" does not exist")
        }
        try checkTransactionState(portal.statement.translated)
        try checkResultFormats(portal)
        try beginImplicitTransaction(for: portal)
        switch portal.statement.translated {
        case .empty:
            out.writeEmptyQueryResponse()
        case .script(let sql, let tag):
            try runScript(sql)
            out.writeCommandComplete(tag)
        case .command(let command):
            try runCommand(command, portal: portal, parameters: nil)
        case .query(let query):
            try checkReadOnly(portal)
            if try runPortal(portal, query: query, limit: limit > 0 ? Int(limit) : 0, describe: false) {
                out.writePortalSuspended()
            }
        }
    }

    /// Result format codes are checked when the portal is used, as PostgreSQL does.
    private func checkResultFormats(_ portal: Portal) throws(PGError) {
        if let bad = portal.resultFormats.first(where: { $0 != 0 && $0 != 1 }) {
            throw PGError(SQLState.invalidParameterValue, "unsupported format code: \(bad)")
        }
    }

    /// Outside a transaction block, the statements up to Sync form one implicit
    /// transaction (PostgreSQL's extended-protocol rule): an error rolls back what the
    /// earlier Executes of the batch wrote. It begins at the first Execute that writes
    /// (a read alone runs on its own snapshot) and ends at Sync (`endImplicitTransaction`).
    private func beginImplicitTransaction(for portal: Portal) throws(PGError) {
        guard !inTransactionBlock else { return }
        switch portal.statement.translated {
        case .query:
            guard let statement = portal.sqliteStatement, sqlite3_stmt_readonly(statement) == 0 else { return }
        case .script, .command(.copyFrom), .command(.truncate), .command(.addPrimaryKey):
            break
        default:
            return
        }
        try beginTransaction(TransactionMode())
        implicitTransaction = true
    }

    private func closeMessage(_ payload: ByteBuffer) throws(PGError) {
        var reader = PayloadReader(payload, message: "Close")
        let kind = try reader.byte()
        let name = try reader.cString()
        try reader.end()
        switch kind {
        case UInt8(ascii: "S"):
            statements[name] = nil
        case UInt8(ascii: "P"):
            portals.removeValue(forKey: name)?.close()
        default:
            throw PGError(SQLState.protocolViolation, "invalid CLOSE message subtype \(kind)")
        }
        out.writeCloseComplete()
    }
}
