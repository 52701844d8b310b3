import Glibc
import OmenDB
import Synchronization

// Table handles (`omendb_table *`): one per table per open database handle, owned by
// that database handle (LMDB's MDB_dbi): opening a table again returns the same
// handle; dropping the table or closing the database frees it.

/// A table handle's object: the table and the database it belongs to.
final class TableHandle {
    let database: Database
    let table: Table
    /// The name, NUL-terminated, for `omendb_table_name` (borrowed by callers as long as
    /// the handle lives; kept until the database handle closes, see `TableRegistry`).
    let cName: UnsafeMutablePointer<CChar>

    init(database: Database, table: Table) {
        self.database = database
        self.table = table
        cName = strdup(table.name)!
    }

    deinit { free(cName) }
}

let tableHandles = HandleTable<TableHandle>(tag: HandleTag.table)

/// The table handles of every open database handle. A dropped table's handle is freed
/// at once (later calls with it: OMENDB_MISUSE), but its object stays alive until the
/// database handle closes, so a call that resolved the handle just before the drop,
/// in another thread, still runs on a live object (and the engine refuses the dropped
/// table).
final class TableRegistry {
    private struct Registered {
        let handle: OpaquePointer
        let object: TableHandle
    }

    private struct Entry {
        var live: [String: Registered] = [:]
        var retired: [TableHandle] = []
    }

    /// Per database handle, its table handles: all of the registry's state, under its lock.
    private let entries = Mutex<[OpaquePointer: Entry]>([:])

    /// The handle of `table` of `database` (open through handle `db`): the existing one,
    /// or a new one. A handle left from an earlier table of the same name (dropped and
    /// created again meanwhile) is retired first.
    func handle(db: OpaquePointer, database: Database, table: Table) -> OpaquePointer {
        entries.withLock { entries in
            if let existing = entries[db]?.live[table.name], existing.object.table.id == table.id {
                return existing.handle
            }
            Self.retire(&entries, db: db, name: table.name)
            let object = TableHandle(database: database, table: table)
            let handle = tableHandles.insert(object)
            entries[db, default: Entry()].live[table.name] = Registered(handle: handle, object: object)
            return handle
        }
    }

    /// Frees the handle of table `name` of `db`, if there is one (after a drop).
    func retire(db: OpaquePointer, name: String) {
        entries.withLock { entries in Self.retire(&entries, db: db, name: name) }
    }

    private static func retire(_ entries: inout [OpaquePointer: Entry], db: OpaquePointer, name: String) {
        guard let registered = entries[db]?.live.removeValue(forKey: name) else { return }
        entries[db]!.retired.append(registered.object)
        tableHandles.remove(registered.handle, "omendb_table_drop")
    }

    /// Frees every table handle of `db` (at omendb_close).
    func close(db: OpaquePointer) {
        guard let entry = entries.withLock({ entries in entries.removeValue(forKey: db) }) else { return }
        for registered in entry.live.values { tableHandles.remove(registered.handle, "omendb_close") }
    }
}

let tableRegistry = TableRegistry()

/// `withHandle` for table handles, passing the handle's object.
@inline(__always)
func withTable(_ handle: OpaquePointer?, _ function: StaticString, _ body: (TableHandle) -> Int32) -> Int32 {
    withHandle(TableHandle.self, HandleTag.table, handle, function, body)
}

/// Runs an engine call that names tables, as `engineCall`; the engine's `.notFound` for a
/// table (dropped meanwhile: by another thread, or after a batch or transaction named
/// it) becomes OMENDB_MISUSE, since OMENDB_NOT_FOUND means "no such key" to callers.
@inline(__always)
func tableCall(_ function: StaticString, _ body: () throws(OmenError) -> Int32) -> Int32 {
    do throws(OmenError) {
        return try body()
    } catch {
        return ThreadError.record(error.code == .notFound ? .misuse : error.code, "\(function): \(error.message)")
    }
}

/// A table name from C: nil with the recorded OMENDB_INVALID_ARGUMENT status when it is
/// empty, longer than 255 bytes or not UTF-8 (NULL is for the caller to handle).
func tableName(_ function: StaticString, _ name: UnsafePointer<CChar>) -> Result<String, HandleFailure> {
    let length = strlen(name)
    guard length > 0 else { return .failure(HandleFailure(status: ThreadError.invalid(function, "the table name is empty"))) }
    guard length <= 255 else {
        return .failure(HandleFailure(status: ThreadError.invalid(function,
            "the table name is \(length) bytes, above OMENDB_TABLE_NAME_MAX (255)")))
    }
    let bytes = UnsafeRawBufferPointer(start: name, count: length)
    guard let text = String(validating: bytes, as: UTF8.self) else {
        return .failure(HandleFailure(status: ThreadError.invalid(function, "the table name is not valid UTF-8")))
    }
    return .success(text)
}
