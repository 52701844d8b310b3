import COmenDBShim
import Glibc
import OmenDB

// The omendb_table_* functions: opening, dropping and listing tables, and the
// database calls on one table. Argument checks and translation only; tables live in
// the OmenDB module.

@_cdecl("omendb_table_open")
public func cTableOpen(_ db: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ flags: UInt32,
                       _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    let function: StaticString = "omendb_table_open"
    guard let out else { return ThreadError.invalid(function, "table is NULL") }
    guard flags & ~UInt32(OMENDB_TABLE_CREATE) == 0 else {
        return ThreadError.invalid(function, "unknown flags 0x\(String(flags, radix: 16))")
    }
    var chosen: String?
    if let name {
        switch tableName(function, name) {
        case .success(let text): chosen = text
        case .failure(let failure): return failure.status
        }
    }
    return withHandle(Database.self, HandleTag.database, db, function) { database in
        let table: Table
        if let chosen {
            do throws(OmenError) {
                table = try database.openTable(chosen, create: flags & UInt32(OMENDB_TABLE_CREATE) != 0)
            } catch {
                if error.code == .notFound { return OMENDB_NOT_FOUND }  // an answer: no message
                return ThreadError.record(error.code, "\(function): \(error.message)")
            }
        } else {
            table = database.defaultTable
        }
        out.pointee = tableRegistry.handle(db: db!, database: database, table: table)
        return OMENDB_OK
    }
}

@_cdecl("omendb_table_drop")
public func cTableDrop(_ db: OpaquePointer?, _ name: UnsafePointer<CChar>?) -> Int32 {
    let function: StaticString = "omendb_table_drop"
    guard let name else {
        return ThreadError.invalid(function, "name is NULL (the default table cannot be dropped: delete its keys with omendb_delete_range)")
    }
    let text: String
    switch tableName(function, name) {
    case .success(let valid): text = valid
    case .failure(let failure): return failure.status
    }
    return withHandle(Database.self, HandleTag.database, db, function) { database in
        do throws(OmenError) {
            try database.dropTable(text)
        } catch {
            if error.code == .notFound { return OMENDB_NOT_FOUND }
            return ThreadError.record(error.code, "\(function): \(error.message)")
        }
        tableRegistry.retire(db: db!, name: text)
        return OMENDB_OK
    }
}

@_cdecl("omendb_table_list")
public func cTableList(_ db: OpaquePointer?, _ names: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?,
                       _ count: UnsafeMutablePointer<Int>?) -> Int32 {
    let function: StaticString = "omendb_table_list"
    guard let names else { return ThreadError.invalid(function, "names is NULL") }
    guard let count else { return ThreadError.invalid(function, "count is NULL") }
    return withHandle(Database.self, HandleTag.database, db, function) { database in
        let list = database.tableNames()
        // One allocation: the pointer array (NULL-terminated), then the names.
        let pointerBytes = (list.count + 1) * MemoryLayout<UnsafeMutablePointer<CChar>?>.stride
        let total = list.reduce(pointerBytes) { $0 + $1.utf8.count + 1 }
        guard let block = malloc(total) else {
            return ThreadError.record(.noMemory, "\(function): cannot allocate \(total) bytes for \(list.count) names")
        }
        let pointers = block.bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: list.count + 1)
        var text = (block + pointerBytes).assumingMemoryBound(to: CChar.self)
        for (i, name) in list.enumerated() {
            pointers[i] = text
            let utf8 = Array(name.utf8CString)
            utf8.withUnsafeBufferPointer { text.update(from: $0.baseAddress!, count: utf8.count) }
            text += utf8.count
        }
        pointers[list.count] = nil
        names.pointee = pointers
        count.pointee = list.count
        return OMENDB_OK
    }
}

@_cdecl("omendb_table_list_free")
public func cTableListFree(_ names: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) {
    free(names)
}

@_cdecl("omendb_table_name")
public func cTableName(_ table: OpaquePointer?, _ name: UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> Int32 {
    guard let name else { return ThreadError.invalid("omendb_table_name", "name is NULL") }
    return withTable(table, "omendb_table_name") { handle in
        name.pointee = UnsafePointer(handle.cName)
        return OMENDB_OK
    }
}

// MARK: Reads and writes on a table

@_cdecl("omendb_table_put")
public func cTablePut(_ table: OpaquePointer?, _ key: Int64, _ value: UnsafeRawPointer?, _ length: UInt) -> Int32 {
    let function: StaticString = "omendb_table_put"
    if let status = oversizedValue(function, length, "the value") { return status }
    guard value != nil || length == 0 else { return ThreadError.invalid(function, "value is NULL but length is \(length)") }
    return withTable(table, function) { handle in
        tableCall(function) { () throws(OmenError) in
            try handle.database.put(key, UnsafeRawBufferPointer(start: value, count: Int(length)), table: handle.table)
            return OMENDB_OK
        }
    }
}

@_cdecl("omendb_table_delete")
public func cTableDelete(_ table: OpaquePointer?, _ key: Int64) -> Int32 {
    withTable(table, "omendb_table_delete") { handle in
        tableCall("omendb_table_delete") { () throws(OmenError) in
            try handle.database.delete(key, table: handle.table)
            return OMENDB_OK
        }
    }
}

@_cdecl("omendb_table_get")
public func cTableGet(_ table: OpaquePointer?, _ key: Int64, _ buffer: UnsafeMutableRawPointer?, _ capacity: UInt,
                      _ length: UnsafeMutablePointer<Int>?) -> Int32 {
    let function: StaticString = "omendb_table_get"
    guard let length else { return ThreadError.invalid(function, "length is NULL") }
    guard buffer != nil || capacity == 0 else { return ThreadError.invalid(function, "buffer is NULL but capacity is \(capacity)") }
    return withTable(table, function) { handle in
        tableCall(function) { () throws(OmenError) in
            guard let needed = try handle.database.read(key, into: buffer, capacity: outputCapacity(capacity), table: handle.table) else {
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

@_cdecl("omendb_table_delete_range")
public func cTableDeleteRange(_ table: OpaquePointer?, _ lo: Int64, _ hi: Int64) -> Int32 {
    let function: StaticString = "omendb_table_delete_range"
    if let status = invertedRange(function, lo, hi) { return status }
    return withTable(table, function) { handle in
        tableCall(function) { () throws(OmenError) in
            try handle.database.deleteRange(lo..<hi, table: handle.table)
            return OMENDB_OK
        }
    }
}

@_cdecl("omendb_table_count")
public func cTableCount(_ table: OpaquePointer?, _ lo: Int64, _ hi: Int64, _ count: UnsafeMutablePointer<UInt64>?) -> Int32 {
    let function: StaticString = "omendb_table_count"
    guard let count else { return ThreadError.invalid(function, "count is NULL") }
    if let status = invertedRange(function, lo, hi) { return status }
    return withTable(table, function) { handle in
        tableCall(function) { () throws(OmenError) in
            count.pointee = UInt64(try handle.database.count(in: lo..<hi, table: handle.table))
            return OMENDB_OK
        }
    }
}

@_cdecl("omendb_table_bulk_load")
public func cTableBulkLoad(_ table: OpaquePointer?, _ keys: UnsafePointer<Int64>?, _ values: UnsafePointer<UnsafeRawPointer?>?,
                           _ lengths: UnsafePointer<UInt>?, _ count: UInt, _ progress: UnsafePointer<omendb_progress>?) -> Int32 {
    let function: StaticString = "omendb_table_bulk_load"
    if let status = bulkLoadArgumentProblem(function, keys, values, lengths, count) { return status }
    return withProgress(function, progress) { callback in
        withTable(table, function) { handle in
            tableCall(function) { () throws(OmenError) in
                try handle.database.bulkLoad(keys: UnsafeBufferPointer(start: keys, count: Int(count)),
                                             value: { UnsafeRawBufferPointer(start: values![$0], count: Int(lengths![$0])) },
                                             progress: callback, table: handle.table)
                return OMENDB_OK
            }
        }
    }
}

@_cdecl("omendb_table_bulk_load_fixed")
public func cTableBulkLoadFixed(_ table: OpaquePointer?, _ keys: UnsafePointer<Int64>?, _ values: UnsafeRawPointer?,
                                _ valueSize: UInt, _ count: UInt, _ progress: UnsafePointer<omendb_progress>?) -> Int32 {
    let function: StaticString = "omendb_table_bulk_load_fixed"
    if let status = oversizedInput(function, "count", count) { return status }
    if let status = oversizedValue(function, valueSize, "value_size") { return status }
    guard count == 0 || (keys != nil && (values != nil || valueSize == 0)) else {
        return ThreadError.invalid(function, "keys or values is NULL but count is \(count)")
    }
    return withProgress(function, progress) { callback in
        withTable(table, function) { handle in
            tableCall(function) { () throws(OmenError) in
                try handle.database.bulkLoad(keys: UnsafeBufferPointer(start: keys, count: Int(count)), values: values,
                                             valueSize: Int(valueSize), progress: callback, table: handle.table)
                return OMENDB_OK
            }
        }
    }
}

@_cdecl("omendb_table_get_stats")
public func cTableGetStats(_ table: OpaquePointer?, _ out: UnsafeMutablePointer<omendb_db_stats>?) -> Int32 {
    let function: StaticString = "omendb_table_get_stats"
    if let status = CStructs.statsArgumentProblem(function, out) { return status }
    return withTable(table, function) { handle in
        CStructs.writeDatabaseStats(handle.database.statistics(table: handle.table), to: out!)
        return OMENDB_OK
    }
}

@_cdecl("omendb_table_iterator_create")
public func cTableIteratorCreate(_ table: OpaquePointer?, _ snapshot: OpaquePointer?,
                                 _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    let function: StaticString = "omendb_table_iterator_create"
    guard let out else { return ThreadError.invalid(function, "iterator is NULL") }
    return withTable(table, function) { handle in
        if snapshot == nil {
            out.pointee = iteratorHandles.insert(IteratorHandle(handle.database.makeIterator(table: handle.table)))
            return OMENDB_OK
        }
        return withHandle(Snapshot.self, HandleTag.snapshot, snapshot, function) { snapshot in
            tableCall(function) { () throws(OmenError) in
                // The engine's iterator reports a table of another database (or one not in
                // the snapshot) at its first seek; an empty count checks it now.
                _ = try snapshot.count(in: 0..<0, table: handle.table)
                out.pointee = iteratorHandles.insert(IteratorHandle(snapshot.makeIterator(table: handle.table)))
                return OMENDB_OK
            }
        }
    }
}
