/// Exact counts of the visible keys in a key range (docs/storage.md, "Counting").
extension Snapshot {
    /// The number of keys in `range` visible at this snapshot (overwrites counted once;
    /// point and range deletes excluded).
    ///
    /// When the snapshot's data is one run with no tombstone of either kind and no hot
    /// version, the answer is two positions of the run's learned model (the column
    /// blocks they rest on checked): O(model). Otherwise a merge over the tiers that
    /// reads keys only (no value is read, checked or copied; every run's column blocks are
    /// checked once per mapping, as a scan does): O(keys in the range).
    /// - Throws: `.corruption` for a damaged key column block.
    public func count(in range: ClosedRange<Int64>) throws(OmenError) -> Int {
        try count(in: range, view: view, table: nil)
    }

    /// The number of keys in `range` of `table` visible at this snapshot.
    /// - Throws: also `.notFound` for a table not in the snapshot, `.misuse` for another database's.
    public func count(in range: ClosedRange<Int64>, table: Table) throws(OmenError) -> Int {
        try count(in: range, view: try view(of: table), table: table)
    }

    /// The number of keys in `range` (half-open) of `table` visible at this snapshot.
    public func count(in range: Range<Int64>, table: Table) throws(OmenError) -> Int {
        let view = try view(of: table)
        return range.isEmpty ? 0 : try count(in: range.lowerBound...(range.upperBound - 1), view: view, table: table)
    }

    private func count(in range: ClosedRange<Int64>, view: StorageView, table: Table?) throws(OmenError) -> Int {
        if !view.hasRangeTombstones && view.active.isEmpty && view.frozen.allSatisfy(\.isEmpty) {
            if view.runs.isEmpty { return 0 }
            if view.runs.count == 1, view.runs[0].footer.tombstoneCount == 0 {
                let run = view.runs[0]
                let end = range.upperBound == Int64.max ? run.count : try run.rank(of: range.upperBound + 1)
                return end - (try run.rank(of: range.lowerBound))
            }
        }
        // The merge reads keys only; a scan that hands out values checks every column
        // block of a run first (once per mapping), and so does this.
        for run in view.runs { try run.columnChecks.checkAll() }
        return try StorageIterator(snapshot: self, table: table, keysOnly: true).countEntries(in: range)
    }

    /// The number of keys in `range` (half-open) visible at this snapshot.
    public func count(in range: Range<Int64>) throws(OmenError) -> Int {
        range.isEmpty ? 0 : try count(in: range.lowerBound...(range.upperBound - 1))
    }
}

extension Database {
    /// The number of keys in `range` visible now (`Snapshot.count`).
    public func count(in range: ClosedRange<Int64>) throws(OmenError) -> Int {
        try snapshot().count(in: range)
    }

    /// The number of keys in `range` (half-open) visible now.
    public func count(in range: Range<Int64>) throws(OmenError) -> Int {
        try snapshot().count(in: range)
    }

    /// The number of keys in `range` of `table` visible now.
    public func count(in range: ClosedRange<Int64>, table: Table) throws(OmenError) -> Int {
        try snapshot().count(in: range, table: table)
    }

    /// The number of keys in `range` (half-open) of `table` visible now.
    public func count(in range: Range<Int64>, table: Table) throws(OmenError) -> Int {
        try snapshot().count(in: range, table: table)
    }
}

extension Transaction {
    /// The number of keys in `range` this transaction sees: its snapshot (READ_COMMITTED:
    /// the newest state) with its own puts, deletes and range deletes applied. A merge
    /// through the transaction's iterator, O(keys in the range); under SERIALIZABLE the
    /// range counts as scanned (a later commit inside it conflicts, as for an iterator).
    public func count(in range: ClosedRange<Int64>) throws(OmenError) -> Int {
        try makeIterator().countEntries(in: range)
    }

    /// The number of keys in `range` (half-open) this transaction sees.
    public func count(in range: Range<Int64>) throws(OmenError) -> Int {
        range.isEmpty ? 0 : try count(in: range.lowerBound...(range.upperBound - 1))
    }

    /// The number of keys in `range` of `table` this transaction sees (`count(in:)`).
    public func count(in range: ClosedRange<Int64>, table: Table) throws(OmenError) -> Int {
        try makeIterator(table: table).countEntries(in: range)
    }

    /// The number of keys in `range` (half-open) of `table` this transaction sees.
    public func count(in range: Range<Int64>, table: Table) throws(OmenError) -> Int {
        range.isEmpty ? 0 : try count(in: range.lowerBound...(range.upperBound - 1), table: table)
    }
}

extension OrderedCursor {
    /// The number of entries in `range`, counted by stepping the cursor through it
    /// (its bounds are reset). Specialized for the concrete cursor at each call.
    func countEntries(in range: ClosedRange<Int64>) throws(OmenError) -> Int {
        setBounds(lower: range.lowerBound, upper: range.upperBound == Int64.max ? nil : range.upperBound + 1)
        var counted = 0
        try seekFirst()
        while isValid {
            counted += 1
            try next()
        }
        return counted
    }
}
