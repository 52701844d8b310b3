import COmenDBShim
import OmenDB

// omendb_map_serialized_size / omendb_map_serialize / omendb_map_load: argument checks,
// locking and translation only; the format is ALEXMap's (Index/Serialization/ALEXMapCoding).

@_cdecl("omendb_map_serialized_size")
public func cMapSerializedSize(_ map: OpaquePointer?, _ size: UnsafeMutablePointer<Int>?) -> Int32 {
    guard let size else { return ThreadError.invalid("omendb_map_serialized_size", "size is NULL") }
    return withHandle(mapHandles, map, "omendb_map_serialized_size") { box in
        size.pointee = box.reading { $0.serializedSize }
        return OMENDB_OK
    }
}

@_cdecl("omendb_map_serialize")
public func cMapSerialize(_ map: OpaquePointer?, _ buffer: UnsafeMutableRawPointer?, _ capacity: UInt,
                          _ written: UnsafeMutablePointer<Int>?) -> Int32 {
    let function: StaticString = "omendb_map_serialize"
    guard let buffer, let written else { return ThreadError.invalid(function, "buffer or written is NULL") }
    return withHandle(mapHandles, map, function) { box in
        let bytes = box.reading { $0.serialized() }
        guard bytes.count <= outputCapacity(capacity) else {
            return ThreadError.record(.tooLarge, "\(function): the map needs \(bytes.count) bytes; capacity is \(capacity)")
        }
        bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        written.pointee = bytes.count
        return OMENDB_OK
    }
}

@_cdecl("omendb_map_load")
public func cMapLoad(_ buffer: UnsafeRawPointer?, _ length: UInt, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    let function: StaticString = "omendb_map_load"
    guard let out else { return ThreadError.invalid(function, "map is NULL") }
    if let status = oversizedInput(function, "length", length) { return status }
    guard let buffer else { return ThreadError.invalid(function, "buffer is NULL") }
    do throws(OmenError) {
        let map = try ALEXMap.load(from: UnsafeRawBufferPointer(start: buffer, count: Int(length)))
        out.pointee = mapHandles.insert(MapBox(map))
        return OMENDB_OK
    } catch {
        return ThreadError.record(error.code, "\(function): \(error.message)")
    }
}
