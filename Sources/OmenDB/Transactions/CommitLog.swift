/// The keys written by recent commits, for validating optimistic transactions.
///
/// Every commit (transactions, plain puts, deletes and batches) records its keys (a
/// range delete its range), a bulk load its key range, each with its table, under the
/// database's writer lock. An entry is dropped once its sequence is at or below the
/// horizon: no active read-write transaction's snapshot is older
/// (`SequencePins.validationHorizon`). Memory: 28 bytes per key written while some
/// read-write transaction is open, none otherwise.
///
/// Not thread-safe: the database's writer lock guards it.
struct CommitLog {
    /// Parallel columns, in sequence order; `head` is the first live entry.
    private var sequences: [UInt64] = []
    private var lows: [Int64] = []
    private var highs: [Int64] = []
    private var tables: [UInt32] = []
    private var head = 0

    var count: Int { sequences.count - head }

    /// Records that the commit `sequence` wrote the keys `lowest...highest` of `table`.
    mutating func record(sequence: UInt64, table: UInt32, lowest: Int64, highest: Int64) {
        sequences.append(sequence)
        tables.append(table)
        lows.append(lowest)
        highs.append(highest)
    }

    /// Records each key of an encoded batch (a range delete: its range).
    mutating func record(sequence: UInt64, operations: UnsafeRawBufferPointer, count: Int) throws(OmenError) {
        try BatchDecoding.forEach(operations, count: count, fileName: "batch", fileOffset: 0) { operation in
            record(sequence: sequence, table: operation.table, lowest: operation.key,
                   highest: operation.isRangeDelete ? operation.rangeLast : operation.key)
        }
    }

    /// Drops the entries of commits at or below `horizon`.
    mutating func prune(through horizon: UInt64) {
        while head < sequences.count && sequences[head] <= horizon { head += 1 }
        if head == sequences.count {
            sequences.removeAll(keepingCapacity: sequences.capacity <= 4096)
            lows.removeAll(keepingCapacity: lows.capacity <= 4096)
            highs.removeAll(keepingCapacity: highs.capacity <= 4096)
            tables.removeAll(keepingCapacity: tables.capacity <= 4096)
            head = 0
        } else if head >= 4096 && head * 2 >= sequences.count {
            sequences.removeFirst(head)
            lows.removeFirst(head)
            highs.removeFirst(head)
            tables.removeFirst(head)
            head = 0
        }
    }

    /// The first entry after `snapshot` whose keys meet `footprint` in the same table:
    /// the table, the key (or range) and the commit's sequence, or nil.
    func firstConflict(after snapshot: UInt64, with footprint: TablesFootprint) -> Conflict? {
        // Entries are in sequence order: binary search for the first one after the snapshot.
        var low = head, high = sequences.count
        while low < high {
            let middle = (low + high) / 2
            if sequences[middle] <= snapshot { low = middle + 1 } else { high = middle }
        }
        for i in low..<sequences.count {
            guard let part = footprint.part(tables[i]) else { continue }
            if let found = part.meets(lows[i], highs[i]) {
                return Conflict(table: tables[i], written: lows[i]...highs[i], sequence: sequences[i], found: found)
            }
        }
        return nil
    }

    /// A commit after a transaction's snapshot that touched its footprint.
    struct Conflict {
        var table: UInt32
        /// What the other commit wrote (one key, or a bulk load's range).
        var written: ClosedRange<Int64>
        var sequence: UInt64
        var found: ConflictFootprint.Meeting
    }
}
