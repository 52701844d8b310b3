import Glibc
import OmenDB
import Synchronization

// Every engine call of OmenSQL is in this file.
//
// ADAPTER (until the engine's named tables land): each table is a database of its own
// in <directory>/sql-tables/<hex of the name>/, and a transaction is one engine
// transaction per table it touches, committed one after the other (not atomic across
// tables). The interface below is the one the named-table version keeps.

/// One keyspace: a SQL table's rows, or the catalog.
final class StoreTable {
    let name: String
    fileprivate let database: Database

    fileprivate init(name: String, database: Database) {
        self.name = name
        self.database = database
    }
}

/// The tables of one OmenDB database, shared by every SQL connection using it.
public final class TableStore: @unchecked Sendable {
    public let database: Database
    private let tables = Mutex<[String: StoreTable]>([:])
    /// Serializes catalog changes (CREATE and DROP of SQL tables).
    let catalogLock = Mutex<Void>(())

    public init(database: Database) {
        self.database = database
    }

    /// The keyspace `name`; created (durably) when missing and `create`, else `.notFound`.
    func table(_ name: String, create: Bool) throws(OmenError) -> StoreTable {
        if let table = tables.withLock({ $0[name] }) { return table }
        let parent = database.directory + "/sql-tables"
        let directory = parent + "/" + name.utf8.map { String($0, radix: 16).leftPadded(2) }.joined()
        if !create && access(directory, F_OK) != 0 {
            throw OmenError(.notFound, "no table '\(name)' in database '\(database.directory)'")
        }
        if mkdir(parent, 0o755) != 0 && errno != EEXIST {
            throw OmenError(.ioError, "cannot create '\(parent)': errno \(errno)")
        }
        let opened = try Database(directory: directory)
        let table = StoreTable(name: name, database: opened)
        return tables.withLock { tables in
            if let existing = tables[name] { return existing }
            tables[name] = table
            return table
        }
    }

    /// Removes every row of keyspace `name` (the adapter keeps its empty directory).
    func dropTable(_ name: String) throws(OmenError) {
        let table = try self.table(name, create: true)
        try table.database.deleteRange(Int64.min...Int64.max)
    }

    /// Every (key, value) of `table`, newest state (the catalog is small).
    func entries(_ table: StoreTable) throws(OmenError) -> [(Int64, [UInt8])] {
        let iterator = table.database.makeIterator()
        var result: [(Int64, [UInt8])] = []
        try iterator.seekFirst()
        while iterator.isValid {
            result.append((iterator.key, Array(iterator.value)))
            try iterator.next()
        }
        return result
    }

    func put(_ key: Int64, _ value: [UInt8], table: StoreTable) throws(OmenError) {
        try table.database.put(key, value)
    }

    func delete(_ key: Int64, table: StoreTable) throws(OmenError) {
        try table.database.delete(key)
    }

    /// The number of keys in `table`, estimated (for the planner's costs).
    func approximateCount(_ table: StoreTable) -> Int {
        table.database.statistics.approximateCount
    }

    /// The number of keys of `table` in `range` now (exact; O(model) for a table in one run).
    func count(_ table: StoreTable, in range: ClosedRange<Int64>) throws(OmenError) -> Int {
        try table.database.count(in: range)
    }

    func beginTransaction(isolation: IsolationLevel) -> StoreTransaction {
        StoreTransaction(isolation: isolation)
    }
}

/// One SQL transaction's reads and writes, over any number of tables.
final class StoreTransaction {
    private let isolation: IsolationLevel
    private var transactions: [ObjectIdentifier: Transaction] = [:]
    private var order: [Transaction] = []

    fileprivate init(isolation: IsolationLevel) {
        self.isolation = isolation
    }

    @inline(__always)
    private func transaction(_ table: StoreTable) throws(OmenError) -> Transaction {
        if let transaction = transactions[ObjectIdentifier(table)] { return transaction }
        let transaction = try table.database.beginTransaction(TransactionOptions(isolation: isolation))
        transactions[ObjectIdentifier(table)] = transaction
        order.append(transaction)
        return transaction
    }

    /// The row under `key`, borrowed until the transaction ends, or nil.
    @inline(__always)
    func value(_ key: Int64, table: StoreTable) throws(OmenError) -> UnsafeRawBufferPointer? {
        try transaction(table).value(key)
    }

    func exists(_ key: Int64, table: StoreTable) throws(OmenError) -> Bool {
        try transaction(table).withValue(key) { $0 != nil }
    }

    func put(_ key: Int64, _ value: UnsafeRawBufferPointer, table: StoreTable) throws(OmenError) {
        try transaction(table).put(key, value)
    }

    func delete(_ key: Int64, table: StoreTable) throws(OmenError) {
        try transaction(table).delete(key)
    }

    func makeIterator(table: StoreTable) throws(OmenError) -> TransactionIterator {
        try transaction(table).makeIterator()
    }

    /// Commits every table's writes; the first failure rolls back the rest and throws.
    func commit() throws(OmenError) {
        defer { order = []; transactions = [:] }
        for (index, transaction) in order.enumerated() {
            do throws(OmenError) {
                try transaction.commit()
            } catch {
                for rest in order[(index + 1)...] { rest.rollback() }
                throw error
            }
        }
    }

    func rollback() {
        for transaction in order { transaction.rollback() }
        order = []
        transactions = [:]
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

extension TableStore {
    /// Closes the database (and, in the adapter, every table's).
    func close() throws(OmenError) {
        for table in tables.withLock({ Array($0.values) }) { try table.database.close() }
        try database.close()
    }
}
