import COmenDBShim
import OmenDB

// The omendb_txn_* functions: argument checks and translation only; transactions
// live in the OmenDB module (Transactions/).

/// Options behind an `omendb_txn_options *`.
final class TransactionOptionsBox {
    var options = TransactionOptions()
}

let transactionOptionsHandles = HandleTable<TransactionOptionsBox>(tag: HandleTag.transactionOptions)
let transactionHandles = HandleTable<Transaction>(tag: HandleTag.transaction)

@_cdecl("omendb_txn_options_create")
public func cTxnOptionsCreate(_ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guard let out else { return ThreadError.invalid("omendb_txn_options_create", "options is NULL") }
    out.pointee = transactionOptionsHandles.insert(TransactionOptionsBox())
    return OMENDB_OK
}

@_cdecl("omendb_txn_options_free")
public func cTxnOptionsFree(_ options: OpaquePointer?) {
    transactionOptionsHandles.remove(options, "omendb_txn_options_free")
}

@_cdecl("omendb_txn_options_set_isolation")
public func cTxnOptionsSetIsolation(_ options: OpaquePointer?, _ level: Int32) -> Int32 {
    let function: StaticString = "omendb_txn_options_set_isolation"
    guard let isolation = IsolationLevel(rawValue: level) else {
        return ThreadError.invalid(function, "unknown isolation level \(level) (OMENDB_ISOLATION_* is 0...3)")
    }
    return withHandle(transactionOptionsHandles, options, function) { box in
        box.options.isolation = isolation
        return OMENDB_OK
    }
}

@_cdecl("omendb_txn_options_set_read_only")
public func cTxnOptionsSetReadOnly(_ options: OpaquePointer?, _ yes: Int32) -> Int32 {
    let function: StaticString = "omendb_txn_options_set_read_only"
    guard yes == 0 || yes == 1 else { return ThreadError.invalid(function, "expected 0 or 1, got \(yes)") }
    return withHandle(transactionOptionsHandles, options, function) { box in
        box.options.readOnly = yes == 1
        return OMENDB_OK
    }
}

@_cdecl("omendb_txn_begin")
public func cTxnBegin(_ db: OpaquePointer?, _ options: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    let function: StaticString = "omendb_txn_begin"
    guard let out else { return ThreadError.invalid(function, "txn is NULL") }
    var chosen = TransactionOptions()
    if options != nil {
        let status = withHandle(transactionOptionsHandles, options, function) { box in chosen = box.options; return OMENDB_OK }
        guard status == OMENDB_OK else { return status }
    }
    return withHandle(Database.self, HandleTag.database, db, function) { database in
        engineCall(function) { () throws(OmenError) in
            out.pointee = transactionHandles.insert(try database.beginTransaction(chosen))
            return OMENDB_OK
        }
    }
}

@_cdecl("omendb_txn_get")
public func cTxnGet(_ txn: OpaquePointer?, _ key: Int64, _ buffer: UnsafeMutableRawPointer?, _ capacity: UInt,
                    _ length: UnsafeMutablePointer<Int>?) -> Int32 {
    let function: StaticString = "omendb_txn_get"
    guard let length else { return ThreadError.invalid(function, "length is NULL") }
    guard buffer != nil || capacity == 0 else { return ThreadError.invalid(function, "buffer is NULL but capacity is \(capacity)") }
    return withHandle(Transaction.self, HandleTag.transaction, txn, function) { transaction in
        engineCall(function) { () throws(OmenError) in
            guard let needed = try transaction.read(key, into: buffer, capacity: outputCapacity(capacity)) else {
                return OMENDB_NOT_FOUND
            }
            length.pointee = needed
            guard needed <= outputCapacity(capacity) else {
                return ThreadError.record(.bufferTooSmall, "\(function): the value of key \(key) needs \(needed) bytes, the buffer holds \(capacity)")
            }
            return OMENDB_OK
        }
    }
}

@_cdecl("omendb_txn_get_pointer")
public func cTxnGetPointer(_ txn: OpaquePointer?, _ key: Int64, _ value: UnsafeMutablePointer<UnsafeRawPointer?>?,
                           _ length: UnsafeMutablePointer<Int>?) -> Int32 {
    let function: StaticString = "omendb_txn_get_pointer"
    guard let value, let length else { return ThreadError.invalid(function, "value or length is NULL") }
    return withHandle(Transaction.self, HandleTag.transaction, txn, function) { transaction in
        engineCall(function) { () throws(OmenError) in
            guard let found = try transaction.value(key) else { return OMENDB_NOT_FOUND }
            value.pointee = found.baseAddress ?? emptyValueAddress
            length.pointee = found.count
            return OMENDB_OK
        }
    }
}

@_cdecl("omendb_txn_put")
public func cTxnPut(_ txn: OpaquePointer?, _ key: Int64, _ value: UnsafeRawPointer?, _ length: UInt) -> Int32 {
    let function: StaticString = "omendb_txn_put"
    if let status = oversizedValue(function, length, "the value") { return status }
    guard value != nil || length == 0 else { return ThreadError.invalid(function, "value is NULL but length is \(length)") }
    return withHandle(Transaction.self, HandleTag.transaction, txn, function) { transaction in
        engineCall(function) { () throws(OmenError) in
            try transaction.put(key, UnsafeRawBufferPointer(start: value, count: Int(length)))
            return OMENDB_OK
        }
    }
}

@_cdecl("omendb_txn_delete")
public func cTxnDelete(_ txn: OpaquePointer?, _ key: Int64) -> Int32 {
    withHandle(Transaction.self, HandleTag.transaction, txn, "omendb_txn_delete") { transaction in
        engineCall("omendb_txn_delete") { () throws(OmenError) in try transaction.delete(key); return OMENDB_OK }
    }
}

@_cdecl("omendb_txn_iterator_create")
public func cTxnIteratorCreate(_ txn: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    let function: StaticString = "omendb_txn_iterator_create"
    guard let out else { return ThreadError.invalid(function, "iterator is NULL") }
    return withHandle(Transaction.self, HandleTag.transaction, txn, function) { transaction in
        engineCall(function) { () throws(OmenError) in
            out.pointee = iteratorHandles.insert(IteratorHandle(try transaction.makeIterator()))
            return OMENDB_OK
        }
    }
}

@_cdecl("omendb_txn_commit")
public func cTxnCommit(_ txn: OpaquePointer?) -> Int32 {
    withHandle(Transaction.self, HandleTag.transaction, txn, "omendb_txn_commit") { transaction in
        // tableCall: writes to a table dropped meanwhile are OMENDB_MISUSE (the engine's .notFound).
        tableCall("omendb_txn_commit") { () throws(OmenError) in try transaction.commit(); return OMENDB_OK }
    }
}

@_cdecl("omendb_txn_rollback")
public func cTxnRollback(_ txn: OpaquePointer?) -> Int32 {
    withHandle(Transaction.self, HandleTag.transaction, txn, "omendb_txn_rollback") { transaction in
        transaction.rollback()
        return OMENDB_OK
    }
}

@_cdecl("omendb_txn_free")
public func cTxnFree(_ txn: OpaquePointer?) {
    transactionHandles.remove(txn, "omendb_txn_free")
}
