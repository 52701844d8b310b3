/// A named table of a database: its own Int64 keyspace with its own hot tier, runs and
/// learned models, sharing the database's write-ahead log and sequence numbers (so a
/// batch or transaction spanning tables is atomic). The default table (id 0, name "")
/// is the keyspace every call without `table:` uses (docs/storage.md, "Tables").
///
/// A handle stays valid until the database closes or the table is dropped; afterwards
/// calls with it fail (`.notFound` once dropped: ids are never reused, so a handle never
/// reaches a table created later under the same name). Passing a table of another
/// database is `.misuse`. Handles are immutable and may be shared between threads.
public final class Table {
    public let name: String
    public let id: UInt32
    /// `Database.instance` of the database it belongs to.
    let owner: UInt64

    init(name: String, id: UInt32, owner: UInt64) {
        self.name = name
        self.id = id
        self.owner = owner
    }

    /// The longest table name, in UTF-8 bytes.
    public static let maximumNameLength = 255

    /// Why `name` cannot name a table (empty, longer than 255 bytes, a NUL byte), or nil.
    static func nameProblem(_ name: String) -> String? {
        let bytes = name.utf8
        if bytes.isEmpty { return "a table name must not be empty" }
        if bytes.count > maximumNameLength { return "a table name must be at most \(maximumNameLength) bytes (this one has \(bytes.count))" }
        if bytes.contains(0) { return "a table name must not contain a NUL byte" }
        return nil
    }

    /// How error messages name the table.
    var described: String { id == 0 ? "the default table" : "table '\(name)'" }
}

/// Creating, listing and dropping tables. Create and drop are durable before they
/// return: the manifest lists the tables (docs/format.md, "Manifest").
extension Database {
    /// The default table (id 0, name ""): what every call without `table:` reads and writes.
    public var defaultTable: Table { defaultTableHandle }

    /// Opens table `name`; creates it when `create` (durable before returning).
    /// - Throws: `.notFound` when it is missing and `create` is false; `.invalidArgument`
    ///   for a bad name (empty, more than 255 bytes, a NUL byte); `.readOnly` to create
    ///   one in a database opened read-only; `.misuse` when the database is closed;
    ///   `.tooLarge` when the 2^32 - 1 table ids are used up.
    public func openTable(_ name: String, create: Bool = true) throws(OmenError) -> Table {
        if let problem = Table.nameProblem(name) { throw OmenError(.invalidArgument, problem) }
        if closedFlag.load(ordering: .acquiring) { throw OmenError(.misuse, "database '\(directory)' is closed") }
        if let table = existingTable(name) { return table }
        guard create else { throw OmenError(.notFound, "database '\(directory)' has no table '\(name)'") }
        guard !options.readOnly else {
            throw OmenError(.readOnly, "database '\(directory)' is open read-only: table '\(name)' cannot be created")
        }
        return try writerLock.withLock { () throws(OmenError) -> Table in
            try checkWritable()
            // Another thread may have created it meanwhile (creations hold the writer lock).
            if let table = existingTable(name) { return table }
            let id = manifestLock.withLock { manifest.nextTableID }
            guard id < UInt32.max else { throw OmenError(.tooLarge, "database '\(directory)' has used up its table ids") }
            let notDurable = try updateManifest { next in
                next.tables.append(Manifest.TableEntry(id: id, name: name))
                next.nextTableID = id + 1
            }
            replaceCatalog { $0.replacing(id, with: StorageView(active: HotTier(), frozen: [], runs: []), name: name) }
            // In place but not known durable: writes stop until reopen.
            if let notDurable {
                writeFailure = notDurable
                throw notDurable
            }
            return Table(name: name, id: id, owner: instance)
        }
    }

    private func existingTable(_ name: String) -> Table? {
        let id = manifestLock.withLock { manifest.tables.first { $0.name == name }?.id }
        return id.map { Table(name: name, id: $0, owner: instance) }
    }

    /// Drops table `name` and all its data (durable before returning); its handles then
    /// fail with `.notFound`. Its run files are deleted once no reader holds them.
    /// - Throws: `.notFound` when there is no such table; `.invalidArgument` for a bad
    ///   name; `.readOnly` in a read-only database; `.misuse` when closed.
    public func dropTable(_ name: String) throws(OmenError) {
        if let problem = Table.nameProblem(name) { throw OmenError(.invalidArgument, problem) }
        guard !options.readOnly else { throw OmenError(.readOnly, "database '\(directory)' is open read-only") }
        try writerLock.withLock { () throws(OmenError) in
            try checkWritable()
            // Flushes and compactions install runs per table: none runs while the table goes.
            try maintenanceLock.withLock { () throws(OmenError) in
                guard let id = manifestLock.withLock({ manifest.tables.first { $0.name == name }?.id }) else {
                    throw OmenError(.notFound, "database '\(directory)' has no table '\(name)'")
                }
                let notDurable = try updateManifest { next in
                    next.tables.removeAll { $0.id == id }
                    next.runs.removeAll { $0.table == id }
                }
                var runs: [RunFile] = []
                replaceCatalog { old in
                    runs = old.view(id)?.runs ?? []
                    return old.replacing(id, with: nil, name: "")
                }
                hotTables.removeAll { $0 == id }
                if let notDurable {
                    writeFailure = notDurable
                    throw notDurable
                }
                for run in runs { run.removeWhenReleased = true }
            }
        }
    }

    /// The named tables (not the default one), sorted by name.
    public func tableNames() -> [String] {
        manifestLock.withLock { manifest.tables.map(\.name) }.sorted()
    }

    /// Checks that `table` is this database's (`.misuse` otherwise).
    @inline(__always)
    func checkOwner(_ table: Table) throws(OmenError) {
        guard table.owner == instance else {
            throw OmenError(.misuse, "\(table.described) belongs to another database than '\(directory)'")
        }
    }

    /// The error for a table that is gone (dropped).
    func dropped(_ table: Table) -> OmenError {
        OmenError(.notFound, "\(table.described) of database '\(directory)' was dropped")
    }
}
