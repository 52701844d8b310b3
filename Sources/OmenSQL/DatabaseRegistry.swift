import Glibc
import OmenDB
import Synchronization

/// The databases omendb_open opened in this process, by real path: connections that
/// open the same directory share one handle (the engine allows one per directory),
/// closed when the last of them lets go.
final class DatabaseRegistry: Sendable {
    static let shared = DatabaseRegistry()

    private struct Entry {
        let store: TableStore
        var references: Int
    }
    private let entries = Mutex<[String: Entry]>([:])

    func acquire(_ path: String) throws(OmenError) -> TableStore {
        try entries.withLock { (entries) throws(OmenError) -> TableStore in
            if let key = Self.realPath(path), var entry = entries[key] {
                entry.references += 1
                entries[key] = entry
                return entry.store
            }
            let store = TableStore(database: try Database(directory: path))
            entries[Self.realPath(path) ?? path] = Entry(store: store, references: 1)
            return store
        }
    }

    func release(_ store: TableStore) {
        let last = entries.withLock { entries -> Bool in
            guard let key = entries.first(where: { $0.value.store === store })?.key else { return false }
            entries[key]!.references -= 1
            guard entries[key]!.references == 0 else { return false }
            entries[key] = nil
            return true
        }
        if last { try? store.close() }
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
