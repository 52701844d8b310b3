/// The keys written by recent commits, for validating optimistic transactions.
///
/// Every commit (transactions, plain puts, deletes and batches) records its keys (a
/// range delete its range), a bulk load its key range, under the database's writer lock. An entry is dropped once
/// its sequence is at or below the horizon: no active read-write transaction's
/// snapshot is older (`SequencePins.validationHorizon`). Memory: 24 bytes per key
/// written while some read-write transaction is open, none otherwise.
///
/// Not thread-safe: the database's writer lock guards it.
struct CommitLog {
    /// Parallel columns, in sequence order; `head` is the first live entry.
    private var sequences: [UInt64] = []
    private var lows: [Int64] = []
    private var highs: [Int64] = []
    private var head = 0

    var count: Int { sequences.count - head }

    /// Records that the commit `sequence` wrote the keys `lowest...highest`.
    mutating func record(sequence: UInt64, lowest: Int64, highest: Int64) {
        sequences.append(sequence)
        lows.append(lowest)
        highs.append(highest)
    }

    /// Records each key of an encoded batch (a range delete: its range).
    mutating func record(sequence: UInt64, operations: UnsafeRawBufferPointer, count: Int) throws(OmenError) {
        try BatchDecoding.forEach(operations, count: count, fileName: "batch", fileOffset: 0) { operation in
            record(sequence: sequence, lowest: operation.key, highest: operation.isRangeDelete ? operation.rangeLast : operation.key)
        }
    }

    /// Drops the entries of commits at or below `horizon`.
    mutating func prune(through horizon: UInt64) {
        while head < sequences.count && sequences[head] <= horizon { head += 1 }
        if head == sequences.count {
            sequences.removeAll(keepingCapacity: sequences.capacity <= 4096)
            lows.removeAll(keepingCapacity: lows.capacity <= 4096)
            highs.removeAll(keepingCapacity: highs.capacity <= 4096)
            head = 0
        } else if head >= 4096 && head * 2 >= sequences.count {
            sequences.removeFirst(head)
            lows.removeFirst(head)
            highs.removeFirst(head)
            head = 0
        }
    }

    /// The first entry after `snapshot` whose keys meet `footprint`: the key (or range)
    /// and the commit's sequence, or nil.
    func firstConflict(after snapshot: UInt64, with footprint: ConflictFootprint) -> Conflict? {
        // Entries are in sequence order: binary search for the first one after the snapshot.
        var low = head, high = sequences.count
        while low < high {
            let middle = (low + high) / 2
            if sequences[middle] <= snapshot { low = middle + 1 } else { high = middle }
        }
        for i in low..<sequences.count {
            if let found = footprint.meets(lows[i], highs[i]) {
                return Conflict(written: lows[i]...highs[i], sequence: sequences[i], found: found)
            }
        }
        return nil
    }

    /// A commit after a transaction's snapshot that touched its footprint.
    struct Conflict {
        /// What the other commit wrote (one key, or a bulk load's range).
        var written: ClosedRange<Int64>
        var sequence: UInt64
        var found: ConflictFootprint.Meeting
    }
}
