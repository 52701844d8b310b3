import CSQLite
import OmenDB

/// `omendb_truncate(table, ...)` (docs/sql.md, "Truncating"): PostgreSQL's `TRUNCATE`,
/// every row of each table deleted as one range delete of the engine (no row is read, except to record the
/// rows for ROLLBACK TO while a savepoint is open), in the connection's transaction.
enum Truncate {
    /// Truncates `names` together (PostgreSQL's `TRUNCATE a, b`: all or none).
    static func run(_ connection: SQLConnection, tables names: [String]) throws(OmenError) {
        let store = try connection.requireStore()
        let catalog = Catalog(store: store)
        var tables: [(name: String, table: StoreTable)] = []
        for name in names {
            guard let schema = try catalog.schema(named: name) else { throw OmenError(.notFound, "no such table: \(name)") }
            tables.append((schema.name, try store.table(schema.name, create: false)))
        }
        if sqlite3_get_autocommit(connection.handle) != 0 {
            // Autocommit: a transaction of its own, committed now.
            let transaction = try store.beginTransaction(isolation: connection.isolation, readOnly: false)
            defer { transaction.rollback() }
            for (_, table) in tables { try transaction.deleteAll(table: table) }
            try transaction.commit()
            return
        }
        // Inside BEGIN ... COMMIT: SQLite commits a virtual table's transaction (xSync)
        // only when a statement wrote to it, which a function call is not. A write that
        // changes nothing makes SQLite call xBegin, so COMMIT and ROLLBACK reach it.
        for (name, _) in tables { try connection.exec("DELETE FROM \(quoted(name)) WHERE 0") }
        let transaction = try connection.beginWrite().store
        for (_, table) in tables {
            if connection.recordsUndo {
                let iterator = try transaction.makeIterator(table: table)
                try iterator.seekFirst()
                while iterator.isValid {
                    connection.recordUndo(table, iterator.key, old: iterator.value)
                    try iterator.next()
                }
            }
            try transaction.deleteAll(table: table)
        }
    }
}
