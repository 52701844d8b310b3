import COmenDBShim
import OmenDB

// The long calls with progress callbacks (omendb_*_with_progress), their plain
// variants' shared bodies, and omendb_checkpoint: argument checks and translation only.

/// Runs `body` with the caller's `omendb_progress` as an engine `ProgressCallback`
/// (nil without one), or returns OMENDB_INVALID_ARGUMENT for a bad struct_size.
func withProgress(_ function: StaticString, _ progress: UnsafePointer<omendb_progress>?,
                          _ body: (ProgressCallback?) -> Int32) -> Int32 {
    guard let progress else { return body(nil) }
    let size = UInt(bitPattern: progress.pointee.struct_size)
    guard size >= UInt(MemoryLayout<omendb_progress>.size) else {
        return ThreadError.invalid(function, "progress->struct_size is \(size); set it to sizeof(omendb_progress)")
    }
    guard let callback = progress.pointee.callback else { return body(nil) }
    let context = progress.pointee.context
    return body { done, total in callback(context, done, total) == 0 }
}

/// The complaint about the arrays of a bulk load (sizes, NULL pointers), or nil.
func bulkLoadArgumentProblem(_ function: StaticString, _ keys: UnsafePointer<Int64>?,
                             _ values: UnsafePointer<UnsafeRawPointer?>?, _ lengths: UnsafePointer<UInt>?,
                             _ count: UInt) -> Int32? {
    if let status = oversizedInput(function, "count", count) { return status }
    guard count == 0 || (keys != nil && values != nil && lengths != nil) else {
        return ThreadError.invalid(function, "keys, values or lengths is NULL but count is \(count)")
    }
    for i in 0..<Int(count) {
        if let status = oversizedValue(function, lengths![i], "lengths[\(i)]") { return status }
        if values![i] == nil && lengths![i] != 0 {
            return ThreadError.invalid(function, "values[\(i)] is NULL but lengths[\(i)] is \(lengths![i])")
        }
    }
    return nil
}

func bulkLoad(_ function: StaticString, _ db: OpaquePointer?, _ keys: UnsafePointer<Int64>?,
              _ values: UnsafePointer<UnsafeRawPointer?>?, _ lengths: UnsafePointer<UInt>?, _ count: UInt,
              progress: UnsafePointer<omendb_progress>?) -> Int32 {
    if let status = bulkLoadArgumentProblem(function, keys, values, lengths, count) { return status }
    return withProgress(function, progress) { callback in
        withHandle(Database.self, HandleTag.database, db, function) { database in
            engineCall(function) { () throws(OmenError) in
                try database.bulkLoad(keys: UnsafeBufferPointer(start: keys, count: Int(count)),
                                      value: { UnsafeRawBufferPointer(start: values![$0], count: Int(lengths![$0])) },
                                      progress: callback)
                return OMENDB_OK
            }
        }
    }
}

func bulkLoadFixed(_ function: StaticString, _ db: OpaquePointer?, _ keys: UnsafePointer<Int64>?,
                   _ values: UnsafeRawPointer?, _ valueSize: UInt, _ count: UInt,
                   progress: UnsafePointer<omendb_progress>?) -> Int32 {
    if let status = oversizedInput(function, "count", count) { return status }
    if let status = oversizedValue(function, valueSize, "value_size") { return status }
    guard count == 0 || (keys != nil && (values != nil || valueSize == 0)) else {
        return ThreadError.invalid(function, "keys or values is NULL but count is \(count)")
    }
    return withProgress(function, progress) { callback in
        withHandle(Database.self, HandleTag.database, db, function) { database in
            engineCall(function) { () throws(OmenError) in
                try database.bulkLoad(keys: UnsafeBufferPointer(start: keys, count: Int(count)), values: values,
                                      valueSize: Int(valueSize), progress: callback)
                return OMENDB_OK
            }
        }
    }
}

func compact(_ function: StaticString, _ db: OpaquePointer?, progress: UnsafePointer<omendb_progress>?) -> Int32 {
    withProgress(function, progress) { callback in
        withHandle(Database.self, HandleTag.database, db, function) { database in
            engineCall(function) { () throws(OmenError) in try database.compact(progress: callback); return OMENDB_OK }
        }
    }
}

func verify(_ function: StaticString, _ db: OpaquePointer?, progress: UnsafePointer<omendb_progress>?) -> Int32 {
    withProgress(function, progress) { callback in
        withHandle(Database.self, HandleTag.database, db, function) { database in
            engineCall(function) { () throws(OmenError) in try database.verify(progress: callback); return OMENDB_OK }
        }
    }
}

@_cdecl("omendb_bulk_load_with_progress")
public func cBulkLoadWithProgress(_ db: OpaquePointer?, _ keys: UnsafePointer<Int64>?, _ values: UnsafePointer<UnsafeRawPointer?>?,
                                  _ lengths: UnsafePointer<UInt>?, _ count: UInt,
                                  _ progress: UnsafePointer<omendb_progress>?) -> Int32 {
    bulkLoad("omendb_bulk_load_with_progress", db, keys, values, lengths, count, progress: progress)
}

@_cdecl("omendb_bulk_load_fixed_with_progress")
public func cBulkLoadFixedWithProgress(_ db: OpaquePointer?, _ keys: UnsafePointer<Int64>?, _ values: UnsafeRawPointer?,
                                       _ valueSize: UInt, _ count: UInt,
                                       _ progress: UnsafePointer<omendb_progress>?) -> Int32 {
    bulkLoadFixed("omendb_bulk_load_fixed_with_progress", db, keys, values, valueSize, count, progress: progress)
}

@_cdecl("omendb_compact_with_progress")
public func cCompactWithProgress(_ db: OpaquePointer?, _ progress: UnsafePointer<omendb_progress>?) -> Int32 {
    compact("omendb_compact_with_progress", db, progress: progress)
}

@_cdecl("omendb_verify_with_progress")
public func cVerifyWithProgress(_ db: OpaquePointer?, _ progress: UnsafePointer<omendb_progress>?) -> Int32 {
    verify("omendb_verify_with_progress", db, progress: progress)
}

@_cdecl("omendb_checkpoint")
public func cCheckpoint(_ db: OpaquePointer?, _ path: UnsafePointer<CChar>?, _ flags: UInt32,
                        _ progress: UnsafePointer<omendb_progress>?, _ sequence: UnsafeMutablePointer<UInt64>?) -> Int32 {
    let function: StaticString = "omendb_checkpoint"
    guard let path else { return ThreadError.invalid(function, "path is NULL") }
    guard flags & ~UInt32(OMENDB_CHECKPOINT_COPY) == 0 else {
        return ThreadError.invalid(function, "unknown flags 0x\(String(flags, radix: 16))")
    }
    return withProgress(function, progress) { callback in
        withHandle(Database.self, HandleTag.database, db, function) { database in
            engineCall(function) { () throws(OmenError) in
                let checkpointed = try database.checkpoint(to: String(cString: path), copyFiles: flags & UInt32(OMENDB_CHECKPOINT_COPY) != 0,
                                                           progress: callback)
                sequence?.pointee = checkpointed
                return OMENDB_OK
            }
        }
    }
}
