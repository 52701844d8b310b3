import OmenDB

/// The OmenDB transaction behind one SQL transaction of a connection (docs/sql.md,
/// "Transactions"): begun by the first access to an omendb table, it lasts until
/// COMMIT or ROLLBACK inside BEGIN ... COMMIT (`explicit`), else until the statement
/// that began it is done.
final class ConnectionTransaction {
    let store: StoreTransaction
    /// Begun while SQLite's autocommit was off: lasts until COMMIT/ROLLBACK.
    let explicit: Bool
    /// SQLite called xBegin (a statement writes): xSync/xCommit or xRollback end it.
    var writing = false
    /// Cursors reading through it now.
    var cursors = 0
    private(set) var ended = false

    init(store: StoreTransaction, explicit: Bool) {
        self.store = store
        self.explicit = explicit
    }

    /// Commits its writes (conflicts throw; it has ended either way).
    func commit() throws(OmenError) {
        guard !ended else { return }
        ended = true
        try store.commit()
    }

    /// Discards its writes. Idempotent.
    func rollback() {
        guard !ended else { return }
        ended = true
        store.rollback()
    }
}

/// What ROLLBACK TO a savepoint needs: the rows each write since then replaced, in
/// order (docs/sql.md, "Savepoints"). Kept only while a savepoint is open; the old
/// values live in one growing byte buffer, so recording allocates nothing once grown.
struct UndoLog {
    private struct Entry {
        let table: StoreTable
        let key: Int64
        let offset: Int
        /// -1: the key had no row.
        let length: Int
    }
    private var entries: [Entry] = []
    private var bytes: [UInt8] = []

    var count: Int { entries.count }

    mutating func record(_ table: StoreTable, _ key: Int64, old: UnsafeRawBufferPointer?) {
        entries.append(Entry(table: table, key: key, offset: bytes.count, length: old?.count ?? -1))
        if let old { bytes.append(contentsOf: old) }
    }

    /// Writes back the old rows of every entry past `mark`, newest first, and forgets them.
    mutating func undo(to mark: Int, in transaction: StoreTransaction) throws(OmenError) {
        while entries.count > mark {
            let entry = entries.removeLast()
            if entry.length < 0 {
                try transaction.delete(entry.key, table: entry.table)
            } else {
                try withBytes(bytes) { (all) throws(OmenError) in
                    try transaction.put(entry.key, UnsafeRawBufferPointer(rebasing: all[entry.offset..<(entry.offset + entry.length)]),
                                        table: entry.table)
                }
            }
            bytes.removeSubrange(entry.offset...)
        }
    }

    mutating func clear() {
        entries.removeAll(keepingCapacity: true)
        bytes.removeAll(keepingCapacity: true)
    }
}

/// `body` with the bytes of `array` (Array.withUnsafeBytes does not pass typed throws on).
func withBytes(_ array: [UInt8], _ body: (UnsafeRawBufferPointer) throws(OmenError) -> Void) throws(OmenError) {
    var failure: OmenError?
    array.withUnsafeBytes { bytes in
        do throws(OmenError) { try body(bytes) } catch { failure = error }
    }
    if let failure { throw failure }
}
