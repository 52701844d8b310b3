import CSQLite
import OmenDB

/// One scan of an omendb table: point lookups of a sorted key list (`=`, IN) or a
/// range scan through a transaction iterator, in key order either way.
///
/// Stored properties marked @exclusivity(unchecked) skip Swift's dynamic exclusivity
/// checks on the per-row path (as the engine's iterators do): SQLite calls a cursor's
/// methods one at a time.
final class Cursor {
    let table: VirtualTable
    /// SQLite's cursor struct for this cursor, handed out by xOpen (allocated once, kept
    /// with a spare cursor).
    let handle: UnsafeMutablePointer<omendb_sql_cursor>
    private var transaction: ConnectionTransaction?
    @exclusivity(unchecked) private var storeTable: StoreTable?
    @exclusivity(unchecked) private var iterator: StoreIterator?
    @exclusivity(unchecked) private var decoder: RowDecoder
    @exclusivity(unchecked) private var decoded = false
    /// The schema's storedIndex, copied once (no array retain per column read).
    private let storedIndex: UnsafeMutableBufferPointer<Int>

    /// Point mode: the keys to look up, in scan order, and the next one's index.
    @exclusivity(unchecked) private var keys: [Int64] = []
    @exclusivity(unchecked) private var nextKey = 0
    @exclusivity(unchecked) private var pointMode = false
    @exclusivity(unchecked) private var descending = false
    /// Rows still to produce (LIMIT + OFFSET), or Int.max.
    @exclusivity(unchecked) private var remaining = Int.max

    @exclusivity(unchecked) private(set) var atEnd = true
    @exclusivity(unchecked) private(set) var key: Int64 = 0
    @exclusivity(unchecked) private var row = UnsafeRawBufferPointer(start: nil, count: 0)

    init(table: VirtualTable) {
        self.table = table
        handle = .allocate(capacity: 1)
        decoder = RowDecoder(columns: table.schema.storedColumnCount)
        storedIndex = .allocate(capacity: table.schema.storedIndex.count)
        _ = storedIndex.initialize(from: table.schema.storedIndex)
    }

    deinit {
        decoder.deallocate()
        storedIndex.deallocate()
        handle.deallocate()
    }

    /// xClose.
    func close() {
        iterator = nil
        if let transaction { table.connection.cursorDone(transaction) }
        transaction = nil
    }

    /// xFilter.
    func filter(_ plan: IndexPlan, _ arguments: UnsafeMutablePointer<OpaquePointer?>?, count: Int) throws(OmenError) {
        let current = try table.connection.transactionForRead()
        if current !== transaction {
            if let transaction { table.connection.cursorDone(transaction) }
            current.cursors += 1
            transaction = current
        }
        iterator = nil
        storeTable = try table.storeTable()
        descending = plan.descending
        remaining = Int.max
        pointMode = false
        keys.removeAll(keepingCapacity: true)
        var bounds = KeyBounds()
        var equalKey: Int64?
        var limit = -1
        var offset = 0
        var inValues: OpaquePointer?
        for index in 0..<count {
            let value = arguments![index]
            switch plan.op(index) {
            case .limit?:
                if sqlite3_value_type(value) == SQLITE_INTEGER { limit = Int(sqlite3_value_int64(value)) }
            case .offset?:
                if sqlite3_value_type(value) == SQLITE_INTEGER { offset = max(0, Int(sqlite3_value_int64(value))) }
            case .inList?:
                inValues = value
            case .equal?:
                var single = KeyBounds()
                single.apply(.equal, value)
                if single.isEmpty { bounds.setEmpty() } else {
                    equalKey = single.lower
                    bounds.apply(.equal, value)
                }
            case let op?:
                bounds.apply(op, value)
            case nil:
                break
            }
        }
        if limit >= 0 { remaining = offset > Int.max - limit ? Int.max : limit + offset }
        if remaining == 0 { bounds.setEmpty() }

        if bounds.isEmpty {
            atEnd = true
            return
        }
        if let inValues {
            pointMode = true
            var value: OpaquePointer?
            var status = sqlite3_vtab_in_first(inValues, &value)
            while status == SQLITE_OK {
                var single = KeyBounds()
                single.apply(.equal, value)
                if !single.isEmpty && single.lower >= bounds.lower && single.lower <= bounds.upper { keys.append(single.lower) }
                status = sqlite3_vtab_in_next(inValues, &value)
            }
            guard status == SQLITE_DONE else {
                throw OmenError(.internal, "reading the IN list failed: \(table.connection.errorMessage())")
            }
            keys.sort()
            keys.removeDuplicatesSorted()
            if descending { keys.reverse() }
        } else if equalKey != nil {
            pointMode = true
            keys.append(bounds.lower)
        }
        if pointMode {
            nextKey = 0
            try advancePoint()
            return
        }
        let iterator = try transaction!.store.makeIterator(table: storeTable!)
        self.iterator = iterator
        iterator.setBounds(lower: bounds.lower, upper: bounds.upper == Int64.max ? nil : bounds.upper + 1)
        if descending { try iterator.seekLast() } else { try iterator.seekFirst() }
        takeIteratorPosition()
    }

    /// xNext.
    func next() throws(OmenError) {
        if remaining != Int.max {
            remaining -= 1
            if remaining == 0 { atEnd = true; return }
        }
        if pointMode {
            try advancePoint()
        } else {
            if descending { try iterator!.previous() } else { try iterator!.next() }
            takeIteratorPosition()
        }
    }

    private func takeIteratorPosition() {
        let iterator = self.iterator!
        atEnd = !iterator.isValid
        if !atEnd {
            key = iterator.key
            row = iterator.value
            decoded = false
        }
    }

    private func advancePoint() throws(OmenError) {
        guard nextKey < keys.count else {
            atEnd = true
            return
        }
        // Loaded once for the keys left (no retain and release per key).
        let store = transaction!.store
        let storeTable = self.storeTable!
        while nextKey < keys.count {
            let candidate = keys[nextKey]
            nextKey += 1
            if let value = try store.value(candidate, table: storeTable) {
                key = candidate
                row = value
                decoded = false
                atEnd = false
                return
            }
        }
        atEnd = true
    }

    /// xColumn: column `index` of the current row into `context`.
    func column(_ index: Int, _ context: OpaquePointer?) throws(OmenError) {
        let stored = storedIndex[index]
        if stored < 0 {
            sqlite3_result_int64(context, key)
            return
        }
        if !decoded {
            try decoder.reset(row, key: key)
            decoded = true
        }
        guard stored < decoder.readableColumns else { return try table.resultDefault(index, context) }
        switch try decoder.value(at: stored) {
        case .null: sqlite3_result_null(context)
        case .integer(let value): sqlite3_result_int64(context, value)
        case .real(let value): sqlite3_result_double(context, value)
        case .text(let bytes):
            sqlite3_result_text64(context, bytes.baseAddress?.assumingMemoryBound(to: CChar.self) ?? emptyText, UInt64(bytes.count),
                                  omendb_sql_transient(), UInt8(SQLITE_UTF8))
        case .blob(let bytes):
            if bytes.isEmpty { sqlite3_result_zeroblob(context, 0) } else {
                sqlite3_result_blob64(context, bytes.baseAddress, UInt64(bytes.count), omendb_sql_transient())
            }
        }
    }
}

extension Array where Element == Int64 {
    /// Removes adjacent duplicates (of a sorted array) in place.
    mutating func removeDuplicatesSorted() {
        guard count > 1 else { return }
        var kept = 1
        for index in 1..<count where self[index] != self[kept - 1] {
            self[kept] = self[index]
            kept += 1
        }
        removeSubrange(kept...)
    }
}

/// The text of an empty TEXT value (SQLite needs a pointer).
private let emptyText: UnsafePointer<CChar> = {
    let text = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
    text.pointee = 0
    return UnsafePointer(text)
}()
