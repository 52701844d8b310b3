import OmenDB
import Synchronization

// Every engine call of OmenSQL is in this file.

/// One keyspace: a SQL table's rows, or the catalog (an OmenDB named table).
final class StoreTable {
    let name: String
    fileprivate let table: Table
    /// The keys of rows inserted without one (shared by every connection of the process).
    let keys: KeyAllocator

    fileprivate init(name: String, table: Table) {
        self.name = name
        self.table = table
        keys = KeyAllocator(table: name)
    }
}

/// The named tables of one OmenDB database, shared by every SQL connection using it.
public final class TableStore: @unchecked Sendable {
    public let database: Database
    /// Open handles by name (a handle stays valid until its table is dropped).
    private let tables = Mutex<[String: StoreTable]>([:])
    /// Serializes catalog changes (CREATE and DROP of SQL tables).
    let catalogLock = Mutex<Void>(())

    public init(database: Database) {
        self.database = database
    }

    private struct Weak { weak var store: TableStore? }
    private static let stores = Mutex<[ObjectIdentifier: Weak]>([:])

    /// The store of `database` that the connections registered with it share (so they
    /// share table handles and key allocators), made on first use; it lives while a
    /// connection uses it (and keeps `database` alive meanwhile, so its identity is not
    /// reused).
    static func shared(_ database: Database) -> TableStore {
        stores.withLock { stores in
            if let store = stores[ObjectIdentifier(database)]?.store { return store }
            stores = stores.filter { $0.value.store != nil }
            let store = TableStore(database: database)
            stores[ObjectIdentifier(database)] = Weak(store: store)
            return store
        }
    }

    /// The named table `name`; created (durably) when missing and `create`, else `.notFound`.
    /// Connections opening it at the same time get the same handle (one key allocator).
    func table(_ name: String, create: Bool) throws(OmenError) -> StoreTable {
        if let table = tables.withLock({ $0[name] }) { return table }
        let opened = StoreTable(name: name, table: try database.openTable(name, create: create))
        return tables.withLock { tables in
            if let first = tables[name] { return first }
            tables[name] = opened
            return opened
        }
    }

    /// Drops the named table `name` with all its rows (durably).
    func dropTable(_ name: String) throws(OmenError) {
        tables.withLock { $0[name] = nil }
        try database.dropTable(name)
    }

    /// Every (key, value) of `table`, newest state (the catalog is small).
    func entries(_ table: StoreTable) throws(OmenError) -> [(Int64, [UInt8])] {
        let iterator = database.makeIterator(table: table.table)
        var result: [(Int64, [UInt8])] = []
        try iterator.seekFirst()
        while iterator.isValid {
            result.append((iterator.key, Array(iterator.value)))
            try iterator.next()
        }
        return result
    }

    func put(_ key: Int64, _ value: [UInt8], table: StoreTable) throws(OmenError) {
        try database.put(key, value, table: table.table)
    }

    /// The largest committed key of `table`, or nil when it is empty.
    func largestKey(_ table: StoreTable) throws(OmenError) -> Int64? {
        let iterator = database.makeIterator(table: table.table)
        try iterator.seekLast()
        return iterator.isValid ? iterator.key : nil
    }

    /// The next key for a row inserted into `table` without one (KeyAllocator).
    func allocateKey(_ table: StoreTable) throws(OmenError) -> Int64 {
        try table.keys.allocate { () throws(OmenError) in try largestKey(table) }
    }

    /// Notes a key written to `table`, so that allocated keys stay above it.
    func observeKey(_ key: Int64, _ table: StoreTable) throws(OmenError) {
        try table.keys.observe(key) { () throws(OmenError) in try largestKey(table) }
    }

    func delete(_ key: Int64, table: StoreTable) throws(OmenError) {
        try database.delete(key, table: table.table)
    }

    /// The number of keys in `table`, estimated (for the planner's costs).
    func approximateCount(_ table: StoreTable) -> Int {
        database.statistics(table: table.table).approximateCount
    }

    /// A transaction over any number of tables (atomic, validated per table and key).
    /// A read-only one reads straight from a snapshot (the same view a read-only
    /// transaction has, without merging a write set it cannot have).
    func beginTransaction(isolation: IsolationLevel, readOnly: Bool) throws(OmenError) -> StoreTransaction {
        if readOnly { return StoreTransaction(snapshot: database.snapshot()) }
        return StoreTransaction(transaction: try database.beginTransaction(TransactionOptions(isolation: isolation)))
    }

    /// Closes the database.
    func close() throws(OmenError) {
        try database.close()
    }
}

/// One SQL transaction's reads and writes: one OmenDB transaction over all its tables,
/// or, for a statement that only reads, a snapshot.
final class StoreTransaction {
    private let transaction: Transaction?
    private let snapshot: Snapshot?

    fileprivate init(transaction: Transaction) {
        self.transaction = transaction
        snapshot = nil
    }

    fileprivate init(snapshot: Snapshot) {
        transaction = nil
        self.snapshot = snapshot
    }

    /// The row under `key`, borrowed until the transaction ends, or nil.
    @inline(__always)
    func value(_ key: Int64, table: StoreTable) throws(OmenError) -> UnsafeRawBufferPointer? {
        if let snapshot { return try snapshot.get(key, table: table.table) }
        return try transaction!.value(key, table: table.table)
    }

    func put(_ key: Int64, _ value: UnsafeRawBufferPointer, table: StoreTable) throws(OmenError) {
        try writable().put(key, value, table: table.table)
    }

    func delete(_ key: Int64, table: StoreTable) throws(OmenError) {
        try writable().delete(key, table: table.table)
    }

    /// Deletes every row of `table` (one range tombstone at commit).
    func deleteAll(table: StoreTable) throws(OmenError) {
        try writable().deleteRange(Int64.min...Int64.max, table: table.table)
    }

    func put(_ key: Int64, _ value: [UInt8], table: StoreTable) throws(OmenError) {
        try writable().put(key, value, table: table.table)
    }

    private func writable() throws(OmenError) -> Transaction {
        guard let transaction else { throw OmenError(.readOnly, "a reading statement's snapshot cannot write") }
        return transaction
    }

    func makeIterator(table: StoreTable) throws(OmenError) -> StoreIterator {
        if let snapshot { return StoreIterator(plain: snapshot.makeIterator(table: table.table)) }
        return StoreIterator(merged: try transaction!.makeIterator(table: table.table))
    }

    /// Commits every table's writes as one log record, all or nothing.
    func commit() throws(OmenError) {
        try transaction?.commit()
    }

    func rollback() {
        transaction?.rollback()
    }
}

/// A scan of one table: a snapshot's iterator, or a transaction's (its own writes merged in).
final class StoreIterator {
    private let plain: StorageIterator?
    private let merged: TransactionIterator?

    fileprivate init(plain: StorageIterator) {
        self.plain = plain
        merged = nil
    }

    fileprivate init(merged: TransactionIterator) {
        plain = nil
        self.merged = merged
    }

    var isValid: Bool { plain?.isValid ?? merged!.isValid }
    var key: Int64 { plain?.key ?? merged!.key }
    /// Borrowed until the iterator moves.
    var value: UnsafeRawBufferPointer { plain?.value ?? merged!.value }

    /// Bounds: lower inclusive, upper exclusive (nil: none).
    func setBounds(lower: Int64, upper: Int64?) {
        if let plain { plain.setBounds(lower: lower, upper: upper) } else { merged!.setBounds(lower: lower, upper: upper) }
    }

    func seekFirst() throws(OmenError) {
        if let plain { try plain.seekFirst() } else { try merged!.seekFirst() }
    }

    func seekLast() throws(OmenError) {
        if let plain { try plain.seekLast() } else { try merged!.seekLast() }
    }

    func next() throws(OmenError) {
        if let plain { try plain.next() } else { try merged!.next() }
    }

    func previous() throws(OmenError) {
        if let plain { try plain.previous() } else { try merged!.previous() }
    }
}
