import CSQLite

/// A statement prepared by Parse (or SQL PREPARE): its translation and, for SQL that
/// SQLite runs, the prepared sqlite3_stmt, reused by every Bind.
final class PreparedStatement {
    let text: String
    let translated: PGStatement
    /// The parameters' type OIDs: those Parse gave, 0 (unspecified) replaced by what the
    /// statement's context says, text (25) when nothing does.
    var parameterTypes: [UInt32]
    /// The prepared SQL of a `.query` (or of a DECLARE's query); nil for other statements.
    private(set) var statement: OpaquePointer?
    /// An INSERT's SQL before InsertDefaults gave it the columns' defaults, and
    /// OmenSQL.catalogGeneration when it did: Bind applies them again after a table
    /// changed, as PostgreSQL re-plans a prepared statement after DDL.
    var insertDefaults: (source: String, generation: Int)?
    /// A portal is using `statement` (a second portal prepares its own copy).
    var statementInUse = false
    /// The result columns as Describe reported them (text format); portals of this
    /// statement then encode with exactly these types.
    var describedColumns: [ResultColumn]?
    /// The result columns (text format) when every one has a declared type, so they do
    /// not depend on the rows: found by the first portal, reused by the next ones while
    /// no table changed (`generation`: OmenSQL.catalogGeneration when they were found).
    var declaredColumns: (columns: [ResultColumn], generation: Int)?

    init(text: String, translated: PGStatement, parameterTypes: [UInt32], statement: OpaquePointer?,
         insertDefaults: (source: String, generation: Int)? = nil) {
        self.text = text
        self.translated = translated
        self.parameterTypes = parameterTypes
        self.statement = statement
        self.insertDefaults = insertDefaults
    }

    /// Replaces the sqlite3_stmt, which no portal is using (the old one is finalized).
    func replaceStatement(_ replacement: OpaquePointer?) {
        precondition(!statementInUse, "replacing a sqlite3_stmt a portal is stepping")
        sqlite3_finalize(statement)
        statement = replacement
    }

    /// The SQLite query this statement runs, if it runs one.
    var query: SQLiteQuery? {
        switch translated {
        case .query(let query): return query
        case .command(.declare(_, let query, _, _)): return query
        case .command(.prepare(_, let query)): return query
        default: return nil
        }
    }

    /// The sqlite3_stmt lives as long as the statement or any portal of it: closing a
    /// statement (Close, a new unnamed Parse, DEALLOCATE) only forgets its name, as in
    /// PostgreSQL, where open portals of it keep working.
    deinit {
        sqlite3_finalize(statement)
    }
}

/// A bound statement ready to run (Bind, a simple query's statement, or a cursor of
/// DECLARE): where its rows stand and how they are encoded.
final class Portal {
    enum State {
        /// Not stepped yet.
        case ready
        /// The first row is stepped but not sent (Describe needed its types).
        case pendingRow
        /// Rows were sent; more may follow (after PortalSuspended, or a FETCH).
        case running
        /// SQLITE_DONE was reached.
        case done
    }

    let statement: PreparedStatement
    /// The sqlite3_stmt stepped: `statement.statement` or a copy this portal owns.
    private(set) var sqliteStatement: OpaquePointer?
    private var ownsStatement: Bool
    /// The result formats Bind asked for: empty (all text), one for all, or one per column.
    let resultFormats: [Int16]
    var columns: [ResultColumn]?
    var state: State = .ready
    /// Rows sent so far (the count of CommandComplete for SELECT).
    var rowCount = 0
    /// A cursor of DECLARE ... WITH HOLD survives its transaction's commit.
    var holdable = false

    init(statement: PreparedStatement, sqliteStatement: OpaquePointer?, ownsStatement: Bool, resultFormats: [Int16]) {
        self.statement = statement
        self.sqliteStatement = sqliteStatement
        self.ownsStatement = ownsStatement
        self.resultFormats = resultFormats
        if !ownsStatement && sqliteStatement != nil { statement.statementInUse = true }
    }

    /// Whether column `index` is sent in binary.
    func isBinary(_ index: Int) -> Bool {
        switch resultFormats.count {
        case 0: return false
        case 1: return resultFormats[0] == 1
        default: return index < resultFormats.count && resultFormats[index] == 1
        }
    }

    /// Hands this portal's own sqlite3_stmt to the caller (a DECLARE's cursor); the
    /// portal is left without one.
    func takeStatement() -> OpaquePointer? {
        guard ownsStatement, let statement = sqliteStatement else { return nil }
        sqliteStatement = nil
        ownsStatement = false
        return statement
    }

    deinit { close() }

    /// Releases the sqlite3_stmt (finalized if this portal owns it, else reset for the
    /// statement's next portal). Closing twice does nothing.
    func close() {
        guard let statement = sqliteStatement else { return }
        sqliteStatement = nil
        if ownsStatement {
            sqlite3_finalize(statement)
        } else {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
            self.statement.statementInUse = false
        }
    }
}
