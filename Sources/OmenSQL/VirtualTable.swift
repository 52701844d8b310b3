import CSQLite
import OmenDB
import Synchronization

/// One omendb table declared on one connection.
final class VirtualTable {
    /// Catalog.changes when the catalog last showed this declaration current (-1: not yet).
    private var verifiedChanges = -1
    /// Per column: its default for rows stored without it (ColumnDefault), once evaluated.
    private var defaults: [OpaquePointer?]
    private var evaluated: [Bool]
    let connection: SQLConnection
    let schema: TableSchema
    private var cachedTable: StoreTable?
    private var cachedGeneration = -1
    private var cachedChanges = -1
    /// A closed cursor kept for the next xOpen: SQLite opens and closes a cursor per
    /// execution of a statement, so a prepared point lookup allocates none. Cleared on
    /// xDisconnect (the cursor references its table).
    var spareCursor: Cursor?
    /// Per column: the connection's value check for it (OmenSQL.setValueCheck), made for
    /// the connection's `valueCheckGeneration`.
    private var columnChecks: (generation: Int, checks: [OmenSQL.ColumnValueCheck?])?
    /// Per column: what a check stores instead of the row's value (`storeInteger`,
    /// `storeText`), for the row being written; `replaced` while any is set.
    private var replacements: [OmenSQL.ValueVerdict?] = []
    private var replaced = false

    init(connection: SQLConnection, schema: TableSchema) {
        self.connection = connection
        self.schema = schema
        defaults = Array(repeating: nil, count: schema.columns.count)
        evaluated = Array(repeating: false, count: schema.columns.count)
    }

    deinit {
        for value in defaults { sqlite3_value_free(value) }
    }

    /// The keyspace of the rows, in the connection's current database. Checked against
    /// the catalog again when any table of the process was altered since: a declaration
    /// whose columns are no longer a prefix of the catalog's (the table was re-keyed by
    /// omendb_set_primary_key) would misread every row.
    func storeTable() throws(OmenError) -> StoreTable {
        let changes = Catalog.changes.load(ordering: .acquiring)
        if cachedGeneration == connection.generation, cachedChanges == changes, let cachedTable { return cachedTable }
        let store = try connection.requireStore()
        guard let recorded = try Catalog(store: store).schema(named: schema.name) else {
            throw OmenError(.notFound, "table \(schema.name) is not in OmenDB database '\(store.database.directory)'")
        }
        guard recorded.definitions.starts(with: schema.definitions) else {
            throw OmenError(.unsupported, "table \(schema.name) has other columns or another key in OmenDB database "
                + "'\(store.database.directory)' than this connection declared (altered since by another connection?): "
                + "reconnect (or SELECT omendb_close(), then omendb_open(path))")
        }
        let table = try store.table(recorded.name, create: false)
        cachedTable = table
        cachedGeneration = connection.generation
        cachedChanges = changes
        return table
    }

    /// Column `index` of a row stored without it (written before the column was added,
    /// or by a connection holding an older declaration): the column's default.
    func resultDefault(_ index: Int, _ context: OpaquePointer?) throws(OmenError) {
        if !evaluated[index] {
            defaults[index] = try ColumnDefault.evaluate(schema.columns[index].text)
            evaluated[index] = true
        }
        if let value = defaults[index] { sqlite3_result_value(context, value) } else { sqlite3_result_null(context) }
    }

    /// Refuses writes through a declaration older than the catalog's (another connection
    /// added a column since): its rows would lack the new columns' values. Reads the
    /// catalog only when a column was added somewhere in the process since the last check.
    private func checkCurrent() throws(OmenError) {
        let changes = Catalog.changes.load(ordering: .acquiring)
        guard changes != verifiedChanges else { return }
        let store = try connection.requireStore()
        if let recorded = try Catalog(store: store).schema(named: schema.name), recorded.version != schema.version {
            throw OmenError(.unsupported, "table \(schema.name) was altered (omendb_add_column) after this connection "
                + "declared it; reconnect (or SELECT omendb_close(), then omendb_open(path)) to see its columns: "
                + "writes through the older declaration are refused so that no row loses the new columns")
        }
        verifiedChanges = changes
    }

    /// xBestIndex.
    func bestIndex(_ info: UnsafeMutablePointer<sqlite3_index_info>) {
        let rows = (try? storeTable()).map { connection.store!.approximateCount($0) } ?? 0
        IndexPlan.choose(info, schema: schema, rowCount: rows)
    }

    // MARK: Writes (xUpdate)

    /// xUpdate: DELETE (one argument), INSERT (argument 0 NULL) or UPDATE. Returns the
    /// key of an inserted row.
    func update(_ count: Int, _ arguments: UnsafeMutablePointer<OpaquePointer?>) throws(SQLFailure) -> Int64 {
        let table = try SQLFailure.wrap { () throws(OmenError) in
            try checkCurrent()
            return try storeTable()
        }
        let transaction = try SQLFailure.wrap { () throws(OmenError) in try connection.beginWrite() }.store
        let conflictMode = sqlite3_vtab_on_conflict(connection.handle)
        let undo = connection.recordsUndo

        if count == 1 {
            let key = sqlite3_value_int64(arguments[0])
            try SQLFailure.wrap { () throws(OmenError) in
                if undo { connection.recordUndo(table, key, old: try transaction.value(key, table: table)) }
                try transaction.delete(key, table: table)
            }
            return key
        }

        let isInsert = sqlite3_value_type(arguments[0]) == SQLITE_NULL
        let oldKey = isInsert ? nil : Optional(sqlite3_value_int64(arguments[0]))
        // The new key: the PRIMARY KEY column's value, else the rowid (argument 1, which
        // an UPDATE sets to the old key unless it assigns rowid), else, for an INSERT,
        // the table's next key (KeyAllocator). A NULL key of a NOT NULL key type is a
        // NOT NULL violation; an UPDATE of an INTEGER PRIMARY KEY to NULL is a datatype
        // mismatch, as in SQLite.
        let rowid = arguments[1]
        var key: Int64
        if let keyColumn = schema.keyColumn, sqlite3_value_type(arguments[2 + keyColumn]) != SQLITE_NULL {
            key = try Self.integerKey(arguments[2 + keyColumn])
            if key == oldKey, sqlite3_value_type(rowid) != SQLITE_NULL { key = try Self.integerKey(rowid) }
        } else if isInsert && sqlite3_value_type(rowid) != SQLITE_NULL {
            key = try Self.integerKey(rowid)
        } else if let keyColumn = schema.keyColumn, !schema.allocatesKeys {
            throw notNullFailure(keyColumn)
        } else if isInsert {
            key = try SQLFailure.wrap { () throws(OmenError) in try connection.requireStore().allocateKey(table) }
        } else if schema.keyColumn == nil {
            key = try Self.integerKey(rowid)
        } else {
            throw SQLFailure(SQLITE_MISMATCH, "datatype mismatch")
        }

        if connection.valueCheck != nil { try checkValues(arguments + 2) }
        defer { clearReplacements() }
        try encodeRow(arguments + 2)
        if key != oldKey {
            try SQLFailure.wrap { () throws(OmenError) in try connection.requireStore().observeKey(key, table) }
            let existing = try SQLFailure.wrap { () throws(OmenError) in try transaction.value(key, table: table) }
            if existing != nil && conflictMode != SQLITE_REPLACE {
                throw SQLFailure(SQLITE_CONSTRAINT, "UNIQUE constraint failed: \(schema.name).\(keyName) (key \(key) exists)")
            }
            try SQLFailure.wrap { () throws(OmenError) in
                if undo { connection.recordUndo(table, key, old: existing) }
                if let oldKey {
                    if undo { connection.recordUndo(table, oldKey, old: try transaction.value(oldKey, table: table)) }
                    try transaction.delete(oldKey, table: table)
                }
            }
        } else if undo {
            try SQLFailure.wrap { () throws(OmenError) in
                connection.recordUndo(table, key, old: try transaction.value(key, table: table))
            }
        }
        try SQLFailure.wrap { () throws(OmenError) in
            try withBytes(connection.encoder.bytes) { (row) throws(OmenError) in
                try transaction.put(key, row, table: table)
            }
        }
        return key
    }

    private var keyName: String { schema.keyColumn.map { schema.columns[$0].name } ?? "rowid" }

    /// SQLite's error for a NULL in a NOT NULL column (SQLITE_CONSTRAINT_NOTNULL).
    private func notNullFailure(_ column: Int) -> SQLFailure {
        SQLFailure(SQLFailure.constraintNotNull, "NOT NULL constraint failed: \(schema.name).\(schema.columns[column].name)")
    }

    /// A key value as SQLite's INTEGER PRIMARY KEY takes it: integers, integral reals
    /// and text that reads as one; anything else is a datatype mismatch. SQLite refuses
    /// the real -2^63 too (it does not convert a real to Int64.min), so this does.
    private static func integerKey(_ value: OpaquePointer?) throws(SQLFailure) -> Int64 {
        switch sqlite3_value_numeric_type(value) {
        case SQLITE_INTEGER: return sqlite3_value_int64(value)
        case SQLITE_FLOAT:
            if let key = KeyBounds.exactKey(sqlite3_value_double(value)), key != Int64.min { return key }
        default: break
        }
        throw SQLFailure(SQLITE_MISMATCH, "datatype mismatch")
    }

    /// Passes each non-NULL value of `values` (one per declared column, the key's
    /// included) to the connection's check for its column, with the column's affinity
    /// applied as the row will store it; keeps the replacements the checks ask for.
    private func checkValues(_ values: UnsafeMutablePointer<OpaquePointer?>) throws(SQLFailure) {
        if columnChecks?.generation != connection.valueCheckGeneration, let valueCheck = connection.valueCheck {
            columnChecks = (connection.valueCheckGeneration, schema.columns.map { valueCheck($0.declaredType) })
        }
        guard let checks = columnChecks?.checks else { return }
        for (index, column) in schema.columns.enumerated() {
            guard let check = checks[index], let value = values[index] else { continue }
            let verdict = Self.check(value, column, check)
            switch verdict {
            case .store:
                break
            case .storeInteger, .storeText:
                guard index != schema.keyColumn else { break }
                if replacements.count != schema.columns.count { replacements = Array(repeating: nil, count: schema.columns.count) }
                replacements[index] = verdict
                replaced = true
            case .refuse(let code, let message):
                clearReplacements()
                throw SQLFailure(code, message)
            }
        }
    }

    private func clearReplacements() {
        guard replaced else { return }
        for index in replacements.indices { replacements[index] = nil }
        replaced = false
    }

    /// `check`'s verdict on storing `value` in `column` (NULL is not passed: stored), with
    /// the column's numeric affinity applied first, as the row stores the value.
    static func check(_ value: OpaquePointer, _ column: ColumnDefinition, _ check: OmenSQL.ColumnValueCheck) -> OmenSQL.ValueVerdict {
        guard sqlite3_value_type(value) != SQLITE_NULL else { return .store }
        switch column.affinity {
        case .integer, .numeric, .real: _ = sqlite3_value_numeric_type(value)
        case .text, .blob: break
        }
        return check(value)
    }

    /// Encodes the non-key columns of `values` (one per declared column) into the
    /// connection's encoder, applying each column's affinity as SQLite does for tables.
    private func encodeRow(_ values: UnsafeMutablePointer<OpaquePointer?>) throws(SQLFailure) {
        connection.encoder.begin(schemaVersion: schema.version, columnCount: schema.storedColumnCount)
        for (index, column) in schema.columns.enumerated() where schema.storedIndex[index] >= 0 {
            if replaced, let replacement = replacements[index] {
                switch replacement {
                case .storeInteger(let integer):
                    connection.encoder.appendInteger(integer)
                case .storeText(let text):
                    let failure: OmenError? = Array(text.utf8).withUnsafeBytes { bytes in
                        do throws(OmenError) {
                            try connection.encoder.appendBytes(.text, bytes.baseAddress, bytes.count)
                            return nil
                        } catch {
                            return error
                        }
                    }
                    if let failure { throw SQLFailure(failure) }
                case .store, .refuse:
                    break
                }
                continue
            }
            let value = values[index]
            var type = sqlite3_value_type(value)
            switch column.affinity {
            case .integer, .numeric, .real:
                if type == SQLITE_TEXT { type = sqlite3_value_numeric_type(value) }
            case .text:
                if type == SQLITE_INTEGER || type == SQLITE_FLOAT {
                    _ = sqlite3_value_text(value)
                    type = SQLITE_TEXT
                }
            case .blob:
                break
            }
            switch type {
            case SQLITE_INTEGER:
                let integer = sqlite3_value_int64(value)
                if column.affinity == .real { connection.encoder.appendReal(Double(integer)) } else { connection.encoder.appendInteger(integer) }
            case SQLITE_FLOAT:
                let real = sqlite3_value_double(value)
                if column.affinity == .integer || column.affinity == .numeric, let integer = KeyBounds.exactKey(real),
                   integer != Int64.min {
                    connection.encoder.appendInteger(integer)
                } else {
                    connection.encoder.appendReal(real)
                }
            case SQLITE_TEXT:
                let text = sqlite3_value_text(value)
                try SQLFailure.wrap { () throws(OmenError) in
                    try connection.encoder.appendBytes(.text, text, Int(sqlite3_value_bytes(value)))
                }
            case SQLITE_BLOB:
                let blob = sqlite3_value_blob(value)
                try SQLFailure.wrap { () throws(OmenError) in
                    try connection.encoder.appendBytes(.blob, blob, Int(sqlite3_value_bytes(value)))
                }
            default:
                if column.notNull { throw notNullFailure(index) }
                connection.encoder.appendNull()
            }
        }
    }
}

/// An SQLite result code with its message, as a virtual-table method returns them.
struct SQLFailure: Error {
    let code: Int32
    let message: String

    /// SQLITE_CONSTRAINT_NOTNULL and SQLITE_CONSTRAINT_PRIMARYKEY (C macros Swift does not import).
    static let constraintNotNull = SQLITE_CONSTRAINT | (5 << 8)
    static let constraintPrimaryKey = SQLITE_CONSTRAINT | (6 << 8)

    init(_ code: Int32, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The SQLite code for an OmenDB error: a conflict or busy directory is SQLITE_BUSY.
    init(_ error: OmenError) {
        switch error.code {
        case .conflict, .busy: code = SQLITE_BUSY
        case .corruption: code = SQLITE_CORRUPT
        case .noMemory: code = SQLITE_NOMEM
        case .readOnly: code = SQLITE_READONLY
        case .tooLarge: code = SQLITE_TOOBIG
        case .ioError: code = SQLITE_IOERR
        case .misuse: code = SQLITE_MISUSE
        default: code = SQLITE_ERROR
        }
        message = "omendb: " + error.description
    }

    static func wrap<T>(_ body: () throws(OmenError) -> T) throws(SQLFailure) -> T {
        do throws(OmenError) { return try body() } catch { throw SQLFailure(error) }
    }
}
