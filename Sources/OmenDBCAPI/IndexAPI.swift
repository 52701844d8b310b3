import COmenDBShim
import OmenDB

// The omendb_index_* functions: argument checks and translation only; the index
// itself lives in the OmenDB module (Index/).

/// Options behind an `omendb_index_options *`.
final class IndexOptionsBox {
    var configuration = IndexConfiguration()
}

let indexOptionsHandles = HandleTable<IndexOptionsBox>(tag: 0x4F4D_4E5F_494F_5054)  // "OMN_IOPT"
let indexHandles = HandleTable<LearnedIndex>(tag: 0x4F4D_4E5F_4944_5831)          // "OMN_IDX1"

@_cdecl("omendb_index_options_create")
public func cIndexOptionsCreate(_ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guard let out else { return ThreadError.invalid("omendb_index_options_create", "options is NULL") }
    out.pointee = indexOptionsHandles.insert(IndexOptionsBox())
    return OMENDB_OK
}

@_cdecl("omendb_index_options_free")
public func cIndexOptionsFree(_ options: OpaquePointer?) {
    indexOptionsHandles.remove(options, "omendb_index_options_free")
}

/// Applies `change` to the options behind `handle` after validating the result.
private func updateOptions(_ handle: OpaquePointer?, _ function: StaticString,
                           _ change: (inout IndexConfiguration) -> Bool, _ complaint: String) -> Int32 {
    withHandle(indexOptionsHandles, handle, function) { box in
        var configuration = box.configuration
        guard change(&configuration) else { return ThreadError.invalid(function, complaint) }
        do throws(OmenError) {
            box.configuration = try configuration.validated()
            return OMENDB_OK
        } catch {
            return ThreadError.record(error.code, "\(function): \(error.message)")
        }
    }
}

@_cdecl("omendb_index_options_set_kind")
public func cIndexOptionsSetKind(_ options: OpaquePointer?, _ kind: Int32) -> Int32 {
    updateOptions(options, "omendb_index_options_set_kind", { configuration in
        guard let value = IndexKind(rawValue: kind) else { return false }
        configuration.kind = value
        return true
    }, "unknown index kind \(kind)")
}

@_cdecl("omendb_index_options_set_epsilon")
public func cIndexOptionsSetEpsilon(_ options: OpaquePointer?, _ epsilon: UInt32) -> Int32 {
    updateOptions(options, "omendb_index_options_set_epsilon", { $0.epsilon = Int(epsilon); return true }, "")
}

@_cdecl("omendb_index_options_set_recursive_epsilon")
public func cIndexOptionsSetRecursiveEpsilon(_ options: OpaquePointer?, _ epsilon: UInt32) -> Int32 {
    updateOptions(options, "omendb_index_options_set_recursive_epsilon",
                  { $0.recursiveEpsilon = Int(epsilon); return true }, "")
}

@_cdecl("omendb_index_options_set_rmi_leaves")
public func cIndexOptionsSetRMILeaves(_ options: OpaquePointer?, _ leaves: UInt32) -> Int32 {
    updateOptions(options, "omendb_index_options_set_rmi_leaves", { $0.rmiLeafCount = Int(leaves); return true }, "")
}

@_cdecl("omendb_index_options_set_search")
public func cIndexOptionsSetSearch(_ options: OpaquePointer?, _ search: Int32) -> Int32 {
    updateOptions(options, "omendb_index_options_set_search", { configuration in
        guard let value = WindowSearch(rawValue: search) else { return false }
        configuration.windowSearch = value
        return true
    }, "unknown search strategy \(search)")
}

@_cdecl("omendb_index_build")
public func cIndexBuild(_ keys: UnsafePointer<Int64>?, _ count: UInt, _ options: OpaquePointer?,
                        _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    let function: StaticString = "omendb_index_build"
    guard let out else { return ThreadError.invalid(function, "index is NULL") }
    if let status = oversizedInput(function, "count", count) { return status }
    guard keys != nil || count == 0 else { return ThreadError.invalid(function, "keys is NULL but count is \(count)") }
    var configuration = IndexConfiguration()
    if options != nil {
        let status = withHandle(indexOptionsHandles, options, function) { box in
            configuration = box.configuration
            return OMENDB_OK
        }
        guard status == OMENDB_OK else { return status }
    }
    do throws(OmenError) {
        let index = try LearnedIndex(unsafelyBorrowing: UnsafeBufferPointer(start: keys, count: Int(count)),
                                     configuration: configuration)
        out.pointee = indexHandles.insert(index)
        return OMENDB_OK
    } catch {
        return ThreadError.record(error.code, "\(function): \(error.message)")
    }
}

@_cdecl("omendb_index_free")
public func cIndexFree(_ index: OpaquePointer?) {
    indexHandles.remove(index, "omendb_index_free")
}

@_cdecl("omendb_index_find")
public func cIndexFind(_ index: OpaquePointer?, _ key: Int64, _ position: UnsafeMutablePointer<UInt64>?) -> Int32 {
    guard let position else { return ThreadError.invalid("omendb_index_find", "position is NULL") }
    return withHandle(indexHandles, index, "omendb_index_find") { index in
        guard let found = index.find(key) else { return OMENDB_NOT_FOUND }
        position.pointee = UInt64(found)
        return OMENDB_OK
    }
}

@_cdecl("omendb_index_lower_bound")
public func cIndexLowerBound(_ index: OpaquePointer?, _ key: Int64, _ position: UnsafeMutablePointer<UInt64>?) -> Int32 {
    guard let position else { return ThreadError.invalid("omendb_index_lower_bound", "position is NULL") }
    return withHandle(indexHandles, index, "omendb_index_lower_bound") { index in
        position.pointee = UInt64(index.lowerBound(key))
        return OMENDB_OK
    }
}

@_cdecl("omendb_index_range")
public func cIndexRange(_ index: OpaquePointer?, _ lo: Int64, _ hi: Int64,
                        _ first: UnsafeMutablePointer<UInt64>?, _ count: UnsafeMutablePointer<UInt64>?) -> Int32 {
    guard let first, let count else { return ThreadError.invalid("omendb_index_range", "first or count is NULL") }
    return withHandle(indexHandles, index, "omendb_index_range") { index in
        let range = index.range(from: lo, to: hi)
        first.pointee = UInt64(range.first)
        count.pointee = UInt64(range.count)
        return OMENDB_OK
    }
}

/// Checks the arrays of a batch call: nil when they are usable, else the recorded status.
private func batchArgumentsProblem(_ function: StaticString, _ keys: UnsafePointer<Int64>?, _ count: UInt,
                                   _ positions: UnsafeMutablePointer<Int64>?) -> Int32? {
    if let status = oversizedInput(function, "count", count) { return status }
    if count > 0 && (keys == nil || positions == nil) { return ThreadError.invalid(function, "keys or positions is NULL") }
    if count > 0, let keys, let positions {
        let keyStart = UInt(bitPattern: keys), positionStart = UInt(bitPattern: positions)
        let bytes = count * UInt(MemoryLayout<Int64>.stride)
        if keyStart < positionStart &+ bytes && positionStart < keyStart &+ bytes {
            return ThreadError.invalid(function, "positions overlaps keys (use separate arrays)")
        }
    }
    return nil
}

@_cdecl("omendb_index_find_batch")
public func cIndexFindBatch(_ index: OpaquePointer?, _ keys: UnsafePointer<Int64>?, _ count: UInt,
                            _ positions: UnsafeMutablePointer<Int64>?, _ found: UnsafeMutablePointer<Int>?) -> Int32 {
    if let status = batchArgumentsProblem("omendb_index_find_batch", keys, count, positions) { return status }
    return withHandle(indexHandles, index, "omendb_index_find_batch") { index in
        let hits = index.find(UnsafeBufferPointer(start: keys, count: Int(count)),
                              into: UnsafeMutableBufferPointer(start: positions, count: Int(count)))
        found?.pointee = hits
        return OMENDB_OK
    }
}

@_cdecl("omendb_index_lower_bound_batch")
public func cIndexLowerBoundBatch(_ index: OpaquePointer?, _ keys: UnsafePointer<Int64>?, _ count: UInt,
                                  _ positions: UnsafeMutablePointer<Int64>?) -> Int32 {
    if let status = batchArgumentsProblem("omendb_index_lower_bound_batch", keys, count, positions) { return status }
    return withHandle(indexHandles, index, "omendb_index_lower_bound_batch") { index in
        index.lowerBounds(UnsafeBufferPointer(start: keys, count: Int(count)),
                          into: UnsafeMutableBufferPointer(start: positions, count: Int(count)))
        return OMENDB_OK
    }
}

@_cdecl("omendb_index_get_stats")
public func cIndexGetStats(_ index: OpaquePointer?, _ out: UnsafeMutablePointer<omendb_index_stats>?) -> Int32 {
    let function: StaticString = "omendb_index_get_stats"
    guard let out else { return ThreadError.invalid(function, "stats is NULL") }
    let minimumSize = UInt(MemoryLayout<omendb_index_stats>.offset(of: \.kind)! + MemoryLayout<Int32>.size)
    let callerSize = UInt(bitPattern: out.pointee.struct_size)
    guard callerSize >= minimumSize else {
        return ThreadError.invalid(function, "stats->struct_size is \(callerSize); set it to sizeof(omendb_index_stats)")
    }
    return withHandle(indexHandles, index, function) { index in
        var stats = CStructs.indexStats(index.statistics)
        let written = Int(min(callerSize, UInt(MemoryLayout<omendb_index_stats>.size)))
        stats.struct_size = written
        withUnsafeBytes(of: &stats) { bytes in
            UnsafeMutableRawPointer(out).copyMemory(from: bytes.baseAddress!, byteCount: written)
        }
        return OMENDB_OK
    }
}

@_cdecl("omendb_index_kind_name")
public func cIndexKindName(_ kind: Int32) -> UnsafePointer<CChar> {
    guard let value = IndexKind(rawValue: kind) else { return staticCString("unknown") }
    return staticCString(value.name)
}

@_cdecl("omendb_index_serialized_size")
public func cIndexSerializedSize(_ index: OpaquePointer?, _ size: UnsafeMutablePointer<Int>?) -> Int32 {
    guard let size else { return ThreadError.invalid("omendb_index_serialized_size", "size is NULL") }
    return withHandle(indexHandles, index, "omendb_index_serialized_size") { index in
        size.pointee = index.serializedSize
        return OMENDB_OK
    }
}

@_cdecl("omendb_index_serialize")
public func cIndexSerialize(_ index: OpaquePointer?, _ buffer: UnsafeMutableRawPointer?, _ capacity: UInt,
                            _ written: UnsafeMutablePointer<Int>?) -> Int32 {
    let function: StaticString = "omendb_index_serialize"
    guard let buffer, let written else { return ThreadError.invalid(function, "buffer or written is NULL") }
    return withHandle(indexHandles, index, function) { index in
        let bytes = index.serialized()
        guard bytes.count <= outputCapacity(capacity) else {
            return ThreadError.record(.tooLarge, "\(function): the index needs \(bytes.count) bytes; capacity is \(capacity)")
        }
        bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        written.pointee = bytes.count
        return OMENDB_OK
    }
}

@_cdecl("omendb_index_load")
public func cIndexLoad(_ keys: UnsafePointer<Int64>?, _ count: UInt, _ buffer: UnsafeRawPointer?, _ length: UInt,
                       _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    let function: StaticString = "omendb_index_load"
    guard let out else { return ThreadError.invalid(function, "index is NULL") }
    if let status = oversizedInput(function, "count", count) ?? oversizedInput(function, "length", length) { return status }
    guard keys != nil || count == 0 else { return ThreadError.invalid(function, "keys is NULL but count is \(count)") }
    guard let buffer else { return ThreadError.invalid(function, "buffer is NULL") }
    do throws(OmenError) {
        let index = try LearnedIndex.load(unsafelyBorrowing: UnsafeBufferPointer(start: keys, count: Int(count)),
                                          from: UnsafeRawBufferPointer(start: buffer, count: Int(length)))
        out.pointee = indexHandles.insert(index)
        return OMENDB_OK
    } catch {
        return ThreadError.record(error.code, "\(function): \(error.message)")
    }
}
