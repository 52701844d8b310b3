import COmenDBShim
import OmenDB

// The omendb_* database functions: argument checks and translation only; the
// storage engine lives in the OmenDB module (Storage/).

/// Options behind an `omendb_options *`.
final class DatabaseOptionsBox {
    var options = DatabaseOptions()
}

let databaseOptionsHandles = HandleTable<DatabaseOptionsBox>(tag: HandleTag.databaseOptions)
let databaseHandles = HandleTable<Database>(tag: HandleTag.database)
let batchHandles = HandleTable<WriteBatch>(tag: HandleTag.batch)
let snapshotHandles = HandleTable<Snapshot>(tag: HandleTag.snapshot)
let iteratorHandles = HandleTable<IteratorHandle>(tag: HandleTag.iterator)

/// Runs an engine call, translating a thrown error into a status and message.
@inline(__always)
func engineCall(_ function: StaticString, _ body: () throws(OmenError) -> Int32) -> Int32 {
    do throws(OmenError) {
        return try body()
    } catch {
        return ThreadError.record(error.code, "\(function): \(error.message)")
    }
}

// MARK: Options

@_cdecl("omendb_options_create")
public func cOptionsCreate(_ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guard let out else { return ThreadError.invalid("omendb_options_create", "options is NULL") }
    out.pointee = databaseOptionsHandles.insert(DatabaseOptionsBox())
    return OMENDB_OK
}

@_cdecl("omendb_options_free")
public func cOptionsFree(_ options: OpaquePointer?) {
    databaseOptionsHandles.remove(options, "omendb_options_free")
}

/// Applies `change` to the options behind `handle`; `change` returns a complaint or nil.
private func updateDatabaseOptions(_ handle: OpaquePointer?, _ function: StaticString,
                                   _ change: (inout DatabaseOptions) -> String?) -> Int32 {
    withHandle(databaseOptionsHandles, handle, function) { box in
        var options = box.options
        if let complaint = change(&options) { return ThreadError.invalid(function, complaint) }
        box.options = options
        return OMENDB_OK
    }
}

private func flag(_ yes: Int32, _ set: (Bool) -> Void) -> String? {
    guard yes == 0 || yes == 1 else { return "expected 0 or 1, got \(yes)" }
    set(yes == 1)
    return nil
}

@_cdecl("omendb_options_set_create_if_missing")
public func cOptionsSetCreateIfMissing(_ options: OpaquePointer?, _ yes: Int32) -> Int32 {
    updateDatabaseOptions(options, "omendb_options_set_create_if_missing") { o in flag(yes) { o.createIfMissing = $0 } }
}

@_cdecl("omendb_options_set_error_if_exists")
public func cOptionsSetErrorIfExists(_ options: OpaquePointer?, _ yes: Int32) -> Int32 {
    updateDatabaseOptions(options, "omendb_options_set_error_if_exists") { o in flag(yes) { o.errorIfExists = $0 } }
}

@_cdecl("omendb_options_set_create_in_nonempty_directory")
public func cOptionsSetCreateInNonEmptyDirectory(_ options: OpaquePointer?, _ yes: Int32) -> Int32 {
    updateDatabaseOptions(options, "omendb_options_set_create_in_nonempty_directory") { o in
        flag(yes) { o.createInNonEmptyDirectory = $0 }
    }
}

@_cdecl("omendb_options_set_read_only")
public func cOptionsSetReadOnly(_ options: OpaquePointer?, _ yes: Int32) -> Int32 {
    updateDatabaseOptions(options, "omendb_options_set_read_only") { o in flag(yes) { o.readOnly = $0 } }
}

@_cdecl("omendb_options_set_sync")
public func cOptionsSetSync(_ options: OpaquePointer?, _ mode: Int32) -> Int32 {
    updateDatabaseOptions(options, "omendb_options_set_sync") { o in
        guard let value = SyncMode(rawValue: mode) else { return "unknown sync mode \(mode)" }
        o.sync = value
        return nil
    }
}

@_cdecl("omendb_options_set_index_kind")
public func cOptionsSetIndexKind(_ options: OpaquePointer?, _ kind: Int32) -> Int32 {
    updateDatabaseOptions(options, "omendb_options_set_index_kind") { o in
        guard let value = IndexKind(rawValue: kind) else { return "unknown index kind \(kind)" }
        o.indexConfiguration.kind = value
        return nil
    }
}

@_cdecl("omendb_options_set_hot_tier_bytes")
public func cOptionsSetHotTierBytes(_ options: OpaquePointer?, _ bytes: UInt64) -> Int32 {
    updateDatabaseOptions(options, "omendb_options_set_hot_tier_bytes") { o in
        guard bytes >= UInt64(DatabaseOptions.minimumHotTierBytes) && bytes <= 1 << 40 else {
            return "hot tier size \(bytes) is outside \(DatabaseOptions.minimumHotTierBytes)...2^40 bytes"
        }
        o.hotTierBytes = Int(bytes)
        return nil
    }
}

@_cdecl("omendb_options_set_max_value_size")
public func cOptionsSetMaxValueSize(_ options: OpaquePointer?, _ bytes: UInt64) -> Int32 {
    updateDatabaseOptions(options, "omendb_options_set_max_value_size") { o in
        guard bytes <= UInt64(DatabaseOptions.maximumValueSizeLimit) else {
            return "maximum value size \(bytes) exceeds \(DatabaseOptions.maximumValueSizeLimit)"
        }
        o.maximumValueSize = Int(bytes)
        return nil
    }
}

// MARK: Open / close

@_cdecl("omendb_open")
public func cOpen(_ path: UnsafePointer<CChar>?, _ options: OpaquePointer?,
                  _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    let function: StaticString = "omendb_open"
    guard let path else { return ThreadError.invalid(function, "path is NULL") }
    guard let out else { return ThreadError.invalid(function, "db is NULL") }
    var chosen = DatabaseOptions()
    if options != nil {
        let status = withHandle(databaseOptionsHandles, options, function) { box in chosen = box.options; return OMENDB_OK }
        guard status == OMENDB_OK else { return status }
    }
    return engineCall(function) { () throws(OmenError) in
        let database = try Database(directory: String(cString: path), options: chosen)
        out.pointee = databaseHandles.insert(database)
        return OMENDB_OK
    }
}

@_cdecl("omendb_close")
public func cClose(_ db: OpaquePointer?) -> Int32 {
    guard db != nil else { return OMENDB_OK }
    let status = withHandle(Database.self, HandleTag.database, db, "omendb_close") { database in
        engineCall("omendb_close") { () throws(OmenError) in try database.close(); return OMENDB_OK }
    }
    if status != OMENDB_MISUSE {
        tableRegistry.close(db: db!)
        databaseHandles.remove(db, "omendb_close")
    }
    return status
}

// MARK: Writes

@_cdecl("omendb_put")
public func cPut(_ db: OpaquePointer?, _ key: Int64, _ value: UnsafeRawPointer?, _ length: UInt) -> Int32 {
    let function: StaticString = "omendb_put"
    if let status = oversizedValue(function, length, "the value") { return status }
    guard value != nil || length == 0 else { return ThreadError.invalid(function, "value is NULL but length is \(length)") }
    return withHandle(Database.self, HandleTag.database, db, function) { database in
        engineCall(function) { () throws(OmenError) in
            try database.put(key, UnsafeRawBufferPointer(start: value, count: Int(length)))
            return OMENDB_OK
        }
    }
}

@_cdecl("omendb_delete")
public func cDelete(_ db: OpaquePointer?, _ key: Int64) -> Int32 {
    withHandle(Database.self, HandleTag.database, db, "omendb_delete") { database in
        engineCall("omendb_delete") { () throws(OmenError) in try database.delete(key); return OMENDB_OK }
    }
}

@_cdecl("omendb_get")
public func cGet(_ db: OpaquePointer?, _ key: Int64, _ buffer: UnsafeMutableRawPointer?, _ capacity: UInt,
                 _ length: UnsafeMutablePointer<Int>?) -> Int32 {
    let function: StaticString = "omendb_get"
    guard let length else { return ThreadError.invalid(function, "length is NULL") }
    guard buffer != nil || capacity == 0 else { return ThreadError.invalid(function, "buffer is NULL but capacity is \(capacity)") }
    return withHandle(Database.self, HandleTag.database, db, function) { database in
        let found: Int?
        do throws(OmenError) {
            found = try database.read(key, into: buffer, capacity: outputCapacity(capacity))
        } catch {
            return ThreadError.record(error.code, "\(function): \(error.message)")
        }
        guard let needed = found else { return OMENDB_NOT_FOUND }
        length.pointee = needed
        guard needed <= outputCapacity(capacity) else {
            return ThreadError.record(.bufferTooSmall, "\(function): the value of key \(key) needs \(needed) bytes, the buffer holds \(capacity)")
        }
        return OMENDB_OK
    }
}

@_cdecl("omendb_batch_create")
public func cBatchCreate(_ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guard let out else { return ThreadError.invalid("omendb_batch_create", "batch is NULL") }
    out.pointee = batchHandles.insert(WriteBatch())
    return OMENDB_OK
}

@_cdecl("omendb_batch_free")
public func cBatchFree(_ batch: OpaquePointer?) {
    batchHandles.remove(batch, "omendb_batch_free")
}

@_cdecl("omendb_batch_put")
public func cBatchPut(_ batch: OpaquePointer?, _ key: Int64, _ value: UnsafeRawPointer?, _ length: UInt) -> Int32 {
    let function: StaticString = "omendb_batch_put"
    if let status = oversizedValue(function, length, "the value") { return status }
    guard value != nil || length == 0 else { return ThreadError.invalid(function, "value is NULL but length is \(length)") }
    return withHandle(WriteBatch.self, HandleTag.batch, batch, function) { batch in
        batch.put(key, UnsafeRawBufferPointer(start: value, count: Int(length)))
        return OMENDB_OK
    }
}

@_cdecl("omendb_batch_delete")
public func cBatchDelete(_ batch: OpaquePointer?, _ key: Int64) -> Int32 {
    withHandle(WriteBatch.self, HandleTag.batch, batch, "omendb_batch_delete") { batch in batch.delete(key); return OMENDB_OK }
}

@_cdecl("omendb_batch_clear")
public func cBatchClear(_ batch: OpaquePointer?) -> Int32 {
    withHandle(WriteBatch.self, HandleTag.batch, batch, "omendb_batch_clear") { batch in batch.clear(); return OMENDB_OK }
}

@_cdecl("omendb_write")
public func cWrite(_ db: OpaquePointer?, _ batch: OpaquePointer?) -> Int32 {
    withHandle(WriteBatch.self, HandleTag.batch, batch, "omendb_write") { batch in
        withHandle(Database.self, HandleTag.database, db, "omendb_write") { database in
            // tableCall: a batch naming a dropped table is OMENDB_MISUSE (the engine's .notFound).
            tableCall("omendb_write") { () throws(OmenError) in try database.write(batch); return OMENDB_OK }
        }
    }
}

@_cdecl("omendb_bulk_load")
public func cBulkLoad(_ db: OpaquePointer?, _ keys: UnsafePointer<Int64>?, _ values: UnsafePointer<UnsafeRawPointer?>?,
                      _ lengths: UnsafePointer<UInt>?, _ count: UInt) -> Int32 {
    bulkLoad("omendb_bulk_load", db, keys, values, lengths, count, progress: nil)
}

@_cdecl("omendb_bulk_load_fixed")
public func cBulkLoadFixed(_ db: OpaquePointer?, _ keys: UnsafePointer<Int64>?, _ values: UnsafeRawPointer?,
                           _ valueSize: UInt, _ count: UInt) -> Int32 {
    bulkLoadFixed("omendb_bulk_load_fixed", db, keys, values, valueSize, count, progress: nil)
}

// MARK: Snapshots

@_cdecl("omendb_snapshot_open")
public func cSnapshotOpen(_ db: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guard let out else { return ThreadError.invalid("omendb_snapshot_open", "snapshot is NULL") }
    return withHandle(Database.self, HandleTag.database, db, "omendb_snapshot_open") { database in
        out.pointee = snapshotHandles.insert(database.snapshot())
        return OMENDB_OK
    }
}

@_cdecl("omendb_snapshot_free")
public func cSnapshotFree(_ snapshot: OpaquePointer?) {
    snapshotHandles.remove(snapshot, "omendb_snapshot_free")
}

/// A non-NULL address for empty values (C callers may treat NULL as "absent").
let emptyValueAddress = UnsafeRawPointer(staticCString(""))

@_cdecl("omendb_snapshot_get")
public func cSnapshotGet(_ snapshot: OpaquePointer?, _ key: Int64, _ value: UnsafeMutablePointer<UnsafeRawPointer?>?,
                         _ length: UnsafeMutablePointer<Int>?) -> Int32 {
    guard let value, let length else { return ThreadError.invalid("omendb_snapshot_get", "value or length is NULL") }
    return withHandle(Snapshot.self, HandleTag.snapshot, snapshot, "omendb_snapshot_get") { snapshot in
        engineCall("omendb_snapshot_get") { () throws(OmenError) in
            guard let found = try snapshot.get(key) else { return OMENDB_NOT_FOUND }
            value.pointee = found.baseAddress ?? emptyValueAddress
            length.pointee = found.count
            return OMENDB_OK
        }
    }
}

@_cdecl("omendb_snapshot_multi_get")
public func cSnapshotMultiGet(_ snapshot: OpaquePointer?, _ keys: UnsafePointer<Int64>?, _ count: UInt,
                              _ values: UnsafeMutablePointer<UnsafeRawPointer?>?, _ lengths: UnsafeMutablePointer<Int>?,
                              _ found: UnsafeMutablePointer<Int>?) -> Int32 {
    let function: StaticString = "omendb_snapshot_multi_get"
    if let status = oversizedInput(function, "count", count) { return status }
    guard count == 0 || (keys != nil && values != nil && lengths != nil) else {
        return ThreadError.invalid(function, "keys, values or lengths is NULL but count is \(count)")
    }
    return withHandle(Snapshot.self, HandleTag.snapshot, snapshot, function) { snapshot in
        engineCall(function) { () throws(OmenError) in
            // Not `found?.pointee = try …`: optional chaining would skip the call when found is NULL.
            let hits = try snapshot.borrowValues(keys: keys!, count: Int(count), values: values!, lengths: lengths!,
                                                 empty: emptyValueAddress)
            found?.pointee = hits
            return OMENDB_OK
        }
    }
}

// MARK: Iterators

@_cdecl("omendb_iterator_create")
public func cIteratorCreate(_ db: OpaquePointer?, _ snapshot: OpaquePointer?,
                            _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    let function: StaticString = "omendb_iterator_create"
    guard let out else { return ThreadError.invalid(function, "iterator is NULL") }
    if snapshot != nil {
        return withHandle(Snapshot.self, HandleTag.snapshot, snapshot, function) { snapshot in
            out.pointee = iteratorHandles.insert(IteratorHandle(snapshot.makeIterator()))
            return OMENDB_OK
        }
    }
    return withHandle(Database.self, HandleTag.database, db, function) { database in
        out.pointee = iteratorHandles.insert(IteratorHandle(database.makeIterator()))
        return OMENDB_OK
    }
}

@_cdecl("omendb_iterator_free")
public func cIteratorFree(_ iterator: OpaquePointer?) {
    iteratorHandles.remove(iterator, "omendb_iterator_free")
}

@_cdecl("omendb_iterator_refresh")
public func cIteratorRefresh(_ iterator: OpaquePointer?) -> Int32 {
    withIterator(iterator, "omendb_iterator_refresh") { it in
        engineCall("omendb_iterator_refresh") { () throws(OmenError) in try it.refresh(); return OMENDB_OK }
    }
}

@_cdecl("omendb_iterator_set_bounds")
public func cIteratorSetBounds(_ iterator: OpaquePointer?, _ lower: Int64, _ upper: Int64) -> Int32 {
    guard lower <= upper else { return ThreadError.invalid("omendb_iterator_set_bounds", "lower \(lower) > upper \(upper)") }
    return withIterator(iterator, "omendb_iterator_set_bounds") { it in
        it.setBounds(lower: lower, upper: upper)
        return OMENDB_OK
    }
}

@_cdecl("omendb_iterator_seek")
public func cIteratorSeek(_ iterator: OpaquePointer?, _ key: Int64) -> Int32 {
    withIterator(iterator, "omendb_iterator_seek") { it in
        engineCall("omendb_iterator_seek") { () throws(OmenError) in try it.seek(key); return OMENDB_OK }
    }
}

@_cdecl("omendb_iterator_seek_for_prev")
public func cIteratorSeekForPrev(_ iterator: OpaquePointer?, _ key: Int64) -> Int32 {
    withIterator(iterator, "omendb_iterator_seek_for_prev") { it in
        engineCall("omendb_iterator_seek_for_prev") { () throws(OmenError) in try it.seekForPrevious(key); return OMENDB_OK }
    }
}

@_cdecl("omendb_iterator_seek_first")
public func cIteratorSeekFirst(_ iterator: OpaquePointer?) -> Int32 {
    withIterator(iterator, "omendb_iterator_seek_first") { it in
        engineCall("omendb_iterator_seek_first") { () throws(OmenError) in try it.seekFirst(); return OMENDB_OK }
    }
}

@_cdecl("omendb_iterator_seek_last")
public func cIteratorSeekLast(_ iterator: OpaquePointer?) -> Int32 {
    withIterator(iterator, "omendb_iterator_seek_last") { it in
        engineCall("omendb_iterator_seek_last") { () throws(OmenError) in try it.seekLast(); return OMENDB_OK }
    }
}

@_cdecl("omendb_iterator_valid")
public func cIteratorValid(_ iterator: OpaquePointer?) -> Int32 {
    guard iterator != nil else { return 0 }
    var valid: Int32 = 0
    _ = withIterator(iterator, "omendb_iterator_valid") { it in valid = it.isValid ? 1 : 0; return OMENDB_OK }
    return valid
}

@_cdecl("omendb_iterator_next")
public func cIteratorNext(_ iterator: OpaquePointer?) -> Int32 {
    withIterator(iterator, "omendb_iterator_next") { it in
        guard it.isValid else { return ThreadError.invalid("omendb_iterator_next", "the iterator is not at an entry") }
        return engineCall("omendb_iterator_next") { () throws(OmenError) in try it.next(); return OMENDB_OK }
    }
}

@_cdecl("omendb_iterator_prev")
public func cIteratorPrev(_ iterator: OpaquePointer?) -> Int32 {
    withIterator(iterator, "omendb_iterator_prev") { it in
        guard it.isValid else { return ThreadError.invalid("omendb_iterator_prev", "the iterator is not at an entry") }
        return engineCall("omendb_iterator_prev") { () throws(OmenError) in try it.previous(); return OMENDB_OK }
    }
}

@_cdecl("omendb_iterator_entry")
public func cIteratorEntry(_ iterator: OpaquePointer?, _ key: UnsafeMutablePointer<Int64>?,
                           _ value: UnsafeMutablePointer<UnsafeRawPointer?>?, _ length: UnsafeMutablePointer<Int>?) -> Int32 {
    withIterator(iterator, "omendb_iterator_entry") { it in
        guard it.isValid else { return ThreadError.invalid("omendb_iterator_entry", "the iterator is not at an entry") }
        key?.pointee = it.key
        value?.pointee = it.value.baseAddress ?? emptyValueAddress
        length?.pointee = it.value.count
        return OMENDB_OK
    }
}

// MARK: Maintenance

@_cdecl("omendb_flush")
public func cFlush(_ db: OpaquePointer?) -> Int32 {
    withHandle(Database.self, HandleTag.database, db, "omendb_flush") { database in
        engineCall("omendb_flush") { () throws(OmenError) in try database.flush(); return OMENDB_OK }
    }
}

@_cdecl("omendb_compact")
public func cCompact(_ db: OpaquePointer?) -> Int32 {
    compact("omendb_compact", db, progress: nil)
}

@_cdecl("omendb_verify")
public func cVerify(_ db: OpaquePointer?) -> Int32 {
    verify("omendb_verify", db, progress: nil)
}

@_cdecl("omendb_get_stats")
public func cGetStats(_ db: OpaquePointer?, _ out: UnsafeMutablePointer<omendb_db_stats>?) -> Int32 {
    let function: StaticString = "omendb_get_stats"
    if let status = CStructs.statsArgumentProblem(function, out) { return status }
    return withHandle(Database.self, HandleTag.database, db, function) { database in
        CStructs.writeDatabaseStats(database.statistics, to: out!)
        return OMENDB_OK
    }
}
