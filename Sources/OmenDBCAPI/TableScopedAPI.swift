import COmenDBShim
import OmenDB

// The table-taking forms of the batch, snapshot and transaction calls
// (omendb_batch_table_*, omendb_snapshot_table_*, omendb_txn_table_*): argument
// checks and translation only. The engine refuses a table of another database
// (.misuse) and a dropped one.

// MARK: Batches

@_cdecl("omendb_batch_table_put")
public func cBatchTablePut(_ batch: OpaquePointer?, _ table: OpaquePointer?, _ key: Int64, _ value: UnsafeRawPointer?,
                           _ length: UInt) -> Int32 {
    let function: StaticString = "omendb_batch_table_put"
    if let status = oversizedValue(function, length, "the value") { return status }
    guard value != nil || length == 0 else { return ThreadError.invalid(function, "value is NULL but length is \(length)") }
    return withTable(table, function) { handle in
        withHandle(WriteBatch.self, HandleTag.batch, batch, function) { batch in
            batch.put(key, UnsafeRawBufferPointer(start: value, count: Int(length)), table: handle.table)
            return OMENDB_OK
        }
    }
}

@_cdecl("omendb_batch_table_delete")
public func cBatchTableDelete(_ batch: OpaquePointer?, _ table: OpaquePointer?, _ key: Int64) -> Int32 {
    let function: StaticString = "omendb_batch_table_delete"
    return withTable(table, function) { handle in
        withHandle(WriteBatch.self, HandleTag.batch, batch, function) { batch in
            batch.delete(key, table: handle.table)
            return OMENDB_OK
        }
    }
}

@_cdecl("omendb_batch_table_delete_range")
public func cBatchTableDeleteRange(_ batch: OpaquePointer?, _ table: OpaquePointer?, _ lo: Int64, _ hi: Int64) -> Int32 {
    let function: StaticString = "omendb_batch_table_delete_range"
    if let status = invertedRange(function, lo, hi) { return status }
    return withTable(table, function) { handle in
        withHandle(WriteBatch.self, HandleTag.batch, batch, function) { batch in
            batch.deleteRange(lo..<hi, table: handle.table)
            return OMENDB_OK
        }
    }
}

// MARK: Snapshots

@_cdecl("omendb_snapshot_table_get")
public func cSnapshotTableGet(_ snapshot: OpaquePointer?, _ table: OpaquePointer?, _ key: Int64,
                              _ value: UnsafeMutablePointer<UnsafeRawPointer?>?, _ length: UnsafeMutablePointer<Int>?) -> Int32 {
    let function: StaticString = "omendb_snapshot_table_get"
    guard let value, let length else { return ThreadError.invalid(function, "value or length is NULL") }
    return withTable(table, function) { handle in
        withHandle(Snapshot.self, HandleTag.snapshot, snapshot, function) { snapshot in
            tableCall(function) { () throws(OmenError) in
                guard let found = try snapshot.get(key, table: handle.table) else { return OMENDB_NOT_FOUND }
                value.pointee = found.baseAddress ?? emptyValueAddress
                length.pointee = found.count
                return OMENDB_OK
            }
        }
    }
}

@_cdecl("omendb_snapshot_table_multi_get")
public func cSnapshotTableMultiGet(_ snapshot: OpaquePointer?, _ table: OpaquePointer?, _ keys: UnsafePointer<Int64>?,
                                   _ count: UInt, _ values: UnsafeMutablePointer<UnsafeRawPointer?>?,
                                   _ lengths: UnsafeMutablePointer<Int>?, _ found: UnsafeMutablePointer<Int>?) -> Int32 {
    let function: StaticString = "omendb_snapshot_table_multi_get"
    if let status = oversizedInput(function, "count", count) { return status }
    guard count == 0 || (keys != nil && values != nil && lengths != nil) else {
        return ThreadError.invalid(function, "keys, values or lengths is NULL but count is \(count)")
    }
    return withTable(table, function) { handle in
        withHandle(Snapshot.self, HandleTag.snapshot, snapshot, function) { snapshot in
            tableCall(function) { () throws(OmenError) in
                // Not `found?.pointee = try …`: optional chaining would skip the call when found is NULL.
                let hits = try snapshot.borrowValues(keys: keys!, count: Int(count), values: values!, lengths: lengths!,
                                                     empty: emptyValueAddress, table: handle.table)
                found?.pointee = hits
                return OMENDB_OK
            }
        }
    }
}

@_cdecl("omendb_snapshot_table_multi_get_copy")
public func cSnapshotTableMultiGetCopy(_ snapshot: OpaquePointer?, _ table: OpaquePointer?, _ keys: UnsafePointer<Int64>?,
                                       _ count: UInt, _ lengths: UnsafeMutablePointer<Int>?, _ buffer: UnsafeMutableRawPointer?,
                                       _ capacity: UInt, _ done: UnsafeMutablePointer<Int>?) -> Int32 {
    let function: StaticString = "omendb_snapshot_table_multi_get_copy"
    return withTable(table, function) { handle in
        multiGetCopy(function, snapshot, keys, count, lengths, buffer, capacity, done) { (snapshot, keys, count, lengths, buffer, capacity) throws(OmenError) in
            try snapshot.copyValues(keys: keys, count: count, lengths: lengths, buffer: buffer, capacity: capacity, table: handle.table)
        }
    }
}

@_cdecl("omendb_snapshot_table_count")
public func cSnapshotTableCount(_ snapshot: OpaquePointer?, _ table: OpaquePointer?, _ lo: Int64, _ hi: Int64,
                                _ count: UnsafeMutablePointer<UInt64>?) -> Int32 {
    let function: StaticString = "omendb_snapshot_table_count"
    guard let count else { return ThreadError.invalid(function, "count is NULL") }
    if let status = invertedRange(function, lo, hi) { return status }
    return withTable(table, function) { handle in
        withHandle(Snapshot.self, HandleTag.snapshot, snapshot, function) { snapshot in
            tableCall(function) { () throws(OmenError) in
                count.pointee = UInt64(try snapshot.count(in: lo..<hi, table: handle.table))
                return OMENDB_OK
            }
        }
    }
}

// MARK: Transactions

/// Runs `body` with the transaction behind `txn` and the table behind `table`.
@inline(__always)
private func withTransactionTable(_ txn: OpaquePointer?, _ table: OpaquePointer?, _ function: StaticString,
                                  _ body: (Transaction, Table) throws(OmenError) -> Int32) -> Int32 {
    withTable(table, function) { handle in
        withHandle(Transaction.self, HandleTag.transaction, txn, function) { transaction in
            tableCall(function) { () throws(OmenError) in try body(transaction, handle.table) }
        }
    }
}

@_cdecl("omendb_txn_table_get")
public func cTxnTableGet(_ txn: OpaquePointer?, _ table: OpaquePointer?, _ key: Int64, _ buffer: UnsafeMutableRawPointer?,
                         _ capacity: UInt, _ length: UnsafeMutablePointer<Int>?) -> Int32 {
    let function: StaticString = "omendb_txn_table_get"
    guard let length else { return ThreadError.invalid(function, "length is NULL") }
    guard buffer != nil || capacity == 0 else { return ThreadError.invalid(function, "buffer is NULL but capacity is \(capacity)") }
    return withTransactionTable(txn, table, function) { (transaction, table) throws(OmenError) in
        guard let needed = try transaction.read(key, into: buffer, capacity: outputCapacity(capacity), table: table) else {
            return OMENDB_NOT_FOUND
        }
        length.pointee = needed
        guard needed <= outputCapacity(capacity) else {
            return ThreadError.record(.bufferTooSmall, "\(function): the value of key \(key) needs \(needed) bytes, the buffer holds \(capacity)")
        }
        return OMENDB_OK
    }
}

@_cdecl("omendb_txn_table_get_pointer")
public func cTxnTableGetPointer(_ txn: OpaquePointer?, _ table: OpaquePointer?, _ key: Int64,
                                _ value: UnsafeMutablePointer<UnsafeRawPointer?>?, _ length: UnsafeMutablePointer<Int>?) -> Int32 {
    let function: StaticString = "omendb_txn_table_get_pointer"
    guard let value, let length else { return ThreadError.invalid(function, "value or length is NULL") }
    return withTransactionTable(txn, table, function) { (transaction, table) throws(OmenError) in
        guard let found = try transaction.value(key, table: table) else { return OMENDB_NOT_FOUND }
        value.pointee = found.baseAddress ?? emptyValueAddress
        length.pointee = found.count
        return OMENDB_OK
    }
}

@_cdecl("omendb_txn_table_put")
public func cTxnTablePut(_ txn: OpaquePointer?, _ table: OpaquePointer?, _ key: Int64, _ value: UnsafeRawPointer?,
                         _ length: UInt) -> Int32 {
    let function: StaticString = "omendb_txn_table_put"
    if let status = oversizedValue(function, length, "the value") { return status }
    guard value != nil || length == 0 else { return ThreadError.invalid(function, "value is NULL but length is \(length)") }
    return withTransactionTable(txn, table, function) { (transaction, table) throws(OmenError) in
        try transaction.put(key, UnsafeRawBufferPointer(start: value, count: Int(length)), table: table)
        return OMENDB_OK
    }
}

@_cdecl("omendb_txn_table_delete")
public func cTxnTableDelete(_ txn: OpaquePointer?, _ table: OpaquePointer?, _ key: Int64) -> Int32 {
    withTransactionTable(txn, table, "omendb_txn_table_delete") { (transaction, table) throws(OmenError) in
        try transaction.delete(key, table: table)
        return OMENDB_OK
    }
}

@_cdecl("omendb_txn_table_delete_range")
public func cTxnTableDeleteRange(_ txn: OpaquePointer?, _ table: OpaquePointer?, _ lo: Int64, _ hi: Int64) -> Int32 {
    let function: StaticString = "omendb_txn_table_delete_range"
    if let status = invertedRange(function, lo, hi) { return status }
    return withTransactionTable(txn, table, function) { (transaction, table) throws(OmenError) in
        try transaction.deleteRange(lo..<hi, table: table)
        return OMENDB_OK
    }
}

@_cdecl("omendb_txn_table_count")
public func cTxnTableCount(_ txn: OpaquePointer?, _ table: OpaquePointer?, _ lo: Int64, _ hi: Int64,
                           _ count: UnsafeMutablePointer<UInt64>?) -> Int32 {
    let function: StaticString = "omendb_txn_table_count"
    guard let count else { return ThreadError.invalid(function, "count is NULL") }
    if let status = invertedRange(function, lo, hi) { return status }
    return withTransactionTable(txn, table, function) { (transaction, table) throws(OmenError) in
        count.pointee = UInt64(try transaction.count(in: lo..<hi, table: table))
        return OMENDB_OK
    }
}

@_cdecl("omendb_txn_table_iterator_create")
public func cTxnTableIteratorCreate(_ txn: OpaquePointer?, _ table: OpaquePointer?,
                                    _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    let function: StaticString = "omendb_txn_table_iterator_create"
    guard let out else { return ThreadError.invalid(function, "iterator is NULL") }
    return withTransactionTable(txn, table, function) { (transaction, table) throws(OmenError) in
        out.pointee = iteratorHandles.insert(IteratorHandle(try transaction.makeIterator(table: table)))
        return OMENDB_OK
    }
}
