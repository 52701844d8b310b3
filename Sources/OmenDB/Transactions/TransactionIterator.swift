/// An ordered cursor over a transaction's view: its snapshot (READ_COMMITTED: the
/// newest state when the iterator was made) with the transaction's own puts, deletes
/// and range deletes merged in, forward and reverse, with optional bounds `[lower, upper)`.
/// Writes the transaction makes while iterating show up from the next move on.
///
/// Under SERIALIZABLE every key range the iterator walks over is recorded, so a commit
/// that inserts, changes or deletes a key in it after the snapshot makes this
/// transaction's commit fail (no phantoms). Values are borrowed: valid until the
/// transaction is freed. Not thread-safe. Every move on an ended transaction throws
/// `.misuse`.
public final class TransactionIterator {
    private let transaction: Transaction
    /// The table iterated.
    private let table: UInt32
    private let base: StorageIterator
    // Stored properties marked @exclusivity(unchecked) skip Swift's dynamic exclusivity
    // checks on this hot path (docs/performance.md, "Exclusivity checks").
    @exclusivity(unchecked) private var writeKeys: [Int64] = []
    @exclusivity(unchecked) private var writeKeysVersion: UInt64 = .max
    /// The transaction's `writeCount` when the write set was last read, and whether
    /// the table had range deletes then (the per-row checks skip the write set when not).
    @exclusivity(unchecked) private var seenWriteCount: UInt64 = .max
    @exclusivity(unchecked) private var hasRangeDeletes = false
    /// Forward: the first write key >= the position; backward: the last <= it.
    @exclusivity(unchecked) private var writeIndex = 0
    @exclusivity(unchecked) private var lower = Int64.min
    @exclusivity(unchecked) private var upper: Int64?
    @exclusivity(unchecked) private var movingForward = true
    /// The scanned range this iterator is widening (SERIALIZABLE), until the next seek.
    @exclusivity(unchecked) private var rangeSlot: Int?
    @exclusivity(unchecked) public private(set) var isValid = false
    @exclusivity(unchecked) public private(set) var key: Int64 = 0
    @exclusivity(unchecked) public private(set) var value = UnsafeRawBufferPointer(start: nil, count: 0)

    init(transaction: Transaction, table: UInt32, base: StorageIterator) {
        self.transaction = transaction
        self.table = table
        self.base = base
    }

    /// Restricts the iterator to keys in `[lower, upper)` (nil upper: no upper bound).
    /// The iterator becomes invalid until the next seek.
    public func setBounds(lower: Int64, upper: Int64?) {
        self.lower = lower
        self.upper = upper
        base.setBounds(lower: lower, upper: upper)
        isValid = false
    }

    /// A transaction's iterator reads the transaction's view: it cannot move to a later
    /// state. Always throws `.misuse`.
    public func refresh() throws(OmenError) {
        throw OmenError(.misuse, "a transaction's iterator cannot refresh: it reads the transaction's view")
    }

    /// Positions at the first key >= `target` (within the bounds).
    public func seek(_ target: Int64) throws(OmenError) {
        try transaction.checkActive()
        let start = max(target, lower)
        rangeSlot = nil
        movingForward = true
        if let upper, start >= upper { isValid = false; return }
        try base.seek(start)
        refreshWriteKeys()
        writeIndex = Self.lowerBound(writeKeys, start)
        try settleForward(from: start)
    }

    /// Positions at the last key <= `target` (within the bounds).
    public func seekForPrevious(_ target: Int64) throws(OmenError) {
        try transaction.checkActive()
        var start = target
        if let upper {
            if upper == Int64.min { isValid = false; return }
            start = min(start, upper - 1)
        }
        rangeSlot = nil
        movingForward = false
        if start < lower { isValid = false; return }
        try base.seekForPrevious(start)
        refreshWriteKeys()
        writeIndex = Self.lastAtOrBelow(writeKeys, start)
        try settleBackward(from: start)
    }

    public func seekFirst() throws(OmenError) { try seek(lower) }
    public func seekLast() throws(OmenError) { try seekForPrevious(upper == nil ? Int64.max : upper! &- 1) }

    public func next() throws(OmenError) {
        try transaction.checkActive()
        guard isValid else { return }
        if !movingForward {
            if key == Int64.max { isValid = false; return }
            try seek(key + 1)
            return
        }
        let current = key
        if base.isValid && base.key == current { try base.next() }
        if refreshWriteKeys() { writeIndex = Self.lowerBound(writeKeys, current) }
        if writeIndex < writeKeys.count && writeKeys[writeIndex] == current { writeIndex += 1 }
        try settleForward(from: current)
    }

    public func previous() throws(OmenError) {
        try transaction.checkActive()
        guard isValid else { return }
        if movingForward {
            if key == Int64.min { isValid = false; return }
            try seekForPrevious(key - 1)
            return
        }
        let current = key
        if base.isValid && base.key == current { try base.previous() }
        if refreshWriteKeys() { writeIndex = Self.lastAtOrBelow(writeKeys, current) }
        if writeIndex >= 0 && writeKeys[writeIndex] == current { writeIndex -= 1 }
        try settleBackward(from: current)
    }

    /// Takes the smaller of the two sources' keys (own writes win ties), skipping own
    /// deletes, and records the range walked from `start`.
    private func settleForward(from start: Int64) throws(OmenError) {
        while true {
            let ownKey: Int64? = writeIndex < writeKeys.count && (upper == nil || writeKeys[writeIndex] < upper!)
                ? writeKeys[writeIndex] : nil
            let baseKey: Int64? = base.isValid ? base.key : nil
            guard ownKey != nil || baseKey != nil else {
                isValid = false
                note(start...(upper.map { $0 &- 1 } ?? Int64.max))
                return
            }
            if let ownKey, baseKey == nil || ownKey <= baseKey! {
                if ownKey == baseKey { try base.next() }
                writeIndex += 1
                let record = transaction.writes(table).record(ownKey)!
                if record.isTombstone { continue }
                land(ownKey, record.value)
            } else {
                if hasRangeDeletes && transaction.writes(table).isRangeDeleted(baseKey!) { try base.next(); continue }
                land(baseKey!, base.value)
            }
            note(start...key)
            return
        }
    }

    private func settleBackward(from start: Int64) throws(OmenError) {
        while true {
            let ownKey: Int64? = writeIndex >= 0 && writeIndex < writeKeys.count && writeKeys[writeIndex] >= lower
                ? writeKeys[writeIndex] : nil
            let baseKey: Int64? = base.isValid ? base.key : nil
            guard ownKey != nil || baseKey != nil else {
                isValid = false
                note(lower...start)
                return
            }
            if let ownKey, baseKey == nil || ownKey >= baseKey! {
                if ownKey == baseKey { try base.previous() }
                writeIndex -= 1
                let record = transaction.writes(table).record(ownKey)!
                if record.isTombstone { continue }
                land(ownKey, record.value)
            } else {
                if hasRangeDeletes && transaction.writes(table).isRangeDeleted(baseKey!) { try base.previous(); continue }
                land(baseKey!, base.value)
            }
            note(key...start)
            return
        }
    }

    /// Sets the current entry and points `writeIndex` at it (an own write) or at the
    /// next own key in the direction of travel, for the next step's equality checks.
    @inline(__always)
    private func land(_ newKey: Int64, _ newValue: UnsafeRawBufferPointer) {
        key = newKey
        value = newValue
        isValid = true
        writeIndex = movingForward ? Self.lowerBound(writeKeys, newKey) : Self.lastAtOrBelow(writeKeys, newKey)
    }

    private func note(_ range: ClosedRange<Int64>) {
        rangeSlot = transaction.noteScanned(range, extending: rangeSlot, table: table)
    }

    /// Re-reads the transaction's write keys when it added a key; true when it did.
    /// Called before every settle (which relies on `hasRangeDeletes` being current).
    @discardableResult
    private func refreshWriteKeys() -> Bool {
        guard transaction.writeCount != seenWriteCount else { return false }
        seenWriteCount = transaction.writeCount
        let writes = transaction.writes(table)
        hasRangeDeletes = !writes.rangeDeletes.isEmpty
        let version = writes.keyVersion
        guard version != writeKeysVersion else { return false }
        writeKeys = transaction.mutableWrites(table) { $0.sortedKeys() }
        writeKeysVersion = version
        return true
    }

    /// The index of the last key <= `target`, or -1.
    private static func lastAtOrBelow(_ keys: [Int64], _ target: Int64) -> Int {
        target == Int64.max ? keys.count - 1 : lowerBound(keys, target + 1) - 1
    }

    private static func lowerBound(_ keys: [Int64], _ target: Int64) -> Int {
        var low = 0, high = keys.count
        while low < high {
            let middle = (low + high) / 2
            if keys[middle] < target { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
