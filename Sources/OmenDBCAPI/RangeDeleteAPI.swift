import COmenDBShim
import OmenDB

// Range deletes and exact range counts: omendb_delete_range, omendb_batch_delete_range,
// omendb_txn_delete_range, omendb_count, omendb_snapshot_count, omendb_txn_count. Ranges are half-open
// [lo, hi), as iterator bounds: lo == hi is empty (nothing written, count 0), lo > hi
// is OMENDB_INVALID_ARGUMENT.

/// The complaint about an inverted range, or nil.
func invertedRange(_ function: StaticString, _ lo: Int64, _ hi: Int64) -> Int32? {
    lo > hi ? ThreadError.invalid(function, "lo \(lo) > hi \(hi) (the range is [lo, hi))") : nil
}

@_cdecl("omendb_delete_range")
public func cDeleteRange(_ db: OpaquePointer?, _ lo: Int64, _ hi: Int64) -> Int32 {
    let function: StaticString = "omendb_delete_range"
    if let status = invertedRange(function, lo, hi) { return status }
    return withHandle(Database.self, HandleTag.database, db, function) { database in
        engineCall(function) { () throws(OmenError) in try database.deleteRange(lo..<hi); return OMENDB_OK }
    }
}

@_cdecl("omendb_batch_delete_range")
public func cBatchDeleteRange(_ batch: OpaquePointer?, _ lo: Int64, _ hi: Int64) -> Int32 {
    let function: StaticString = "omendb_batch_delete_range"
    if let status = invertedRange(function, lo, hi) { return status }
    return withHandle(WriteBatch.self, HandleTag.batch, batch, function) { batch in
        batch.deleteRange(lo..<hi)
        return OMENDB_OK
    }
}

@_cdecl("omendb_txn_delete_range")
public func cTxnDeleteRange(_ txn: OpaquePointer?, _ lo: Int64, _ hi: Int64) -> Int32 {
    let function: StaticString = "omendb_txn_delete_range"
    if let status = invertedRange(function, lo, hi) { return status }
    return withHandle(Transaction.self, HandleTag.transaction, txn, function) { transaction in
        engineCall(function) { () throws(OmenError) in try transaction.deleteRange(lo..<hi); return OMENDB_OK }
    }
}

@_cdecl("omendb_count")
public func cCount(_ db: OpaquePointer?, _ lo: Int64, _ hi: Int64, _ count: UnsafeMutablePointer<UInt64>?) -> Int32 {
    let function: StaticString = "omendb_count"
    guard let count else { return ThreadError.invalid(function, "count is NULL") }
    if let status = invertedRange(function, lo, hi) { return status }
    return withHandle(Database.self, HandleTag.database, db, function) { database in
        engineCall(function) { () throws(OmenError) in
            count.pointee = UInt64(try database.count(in: lo..<hi))
            return OMENDB_OK
        }
    }
}

@_cdecl("omendb_snapshot_count")
public func cSnapshotCount(_ snapshot: OpaquePointer?, _ lo: Int64, _ hi: Int64, _ count: UnsafeMutablePointer<UInt64>?) -> Int32 {
    let function: StaticString = "omendb_snapshot_count"
    guard let count else { return ThreadError.invalid(function, "count is NULL") }
    if let status = invertedRange(function, lo, hi) { return status }
    return withHandle(Snapshot.self, HandleTag.snapshot, snapshot, function) { snapshot in
        engineCall(function) { () throws(OmenError) in
            count.pointee = UInt64(try snapshot.count(in: lo..<hi))
            return OMENDB_OK
        }
    }
}

@_cdecl("omendb_txn_count")
public func cTxnCount(_ txn: OpaquePointer?, _ lo: Int64, _ hi: Int64, _ count: UnsafeMutablePointer<UInt64>?) -> Int32 {
    let function: StaticString = "omendb_txn_count"
    guard let count else { return ThreadError.invalid(function, "count is NULL") }
    if let status = invertedRange(function, lo, hi) { return status }
    return withHandle(Transaction.self, HandleTag.transaction, txn, function) { transaction in
        engineCall(function) { () throws(OmenError) in
            count.pointee = UInt64(try transaction.count(in: lo..<hi))
            return OMENDB_OK
        }
    }
}
