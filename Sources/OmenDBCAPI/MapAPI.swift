import COmenDBShim
import Glibc
import OmenDB

// The omendb_map_* functions: argument checks, locking and translation only; the
// map itself is OmenDB's ALEXMap (Index/ALEX/).

/// A map behind an `omendb_map *`: the ALEX map and the reader/writer lock that
/// makes one handle safe to share between threads.
final class MapBox {
    let map: ALEXMap
    private let lock: UnsafeMutablePointer<pthread_rwlock_t>

    init(_ map: ALEXMap) {
        self.map = map
        lock = .allocate(capacity: 1)
        pthread_rwlock_init(lock, nil)
    }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }

    @inline(__always)
    func reading<Result>(_ body: (ALEXMap) -> Result) -> Result {
        pthread_rwlock_rdlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return body(map)
    }

    @inline(__always)
    func writing<Result>(_ body: (ALEXMap) -> Result) -> Result {
        pthread_rwlock_wrlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return body(map)
    }
}

/// A cursor behind an `omendb_map_cursor *` (it keeps its map's box alive).
final class MapCursorBox {
    let box: MapBox
    var cursor: ALEXMap.Cursor

    init(_ box: MapBox) {
        self.box = box
        cursor = box.map.cursor()
    }

    /// Runs a cursor move under the map's read lock; OK when positioned afterwards.
    @inline(__always)
    func move(_ body: (inout ALEXMap.Cursor) -> Void) -> Int32 {
        box.reading { _ in body(&cursor) }
        return cursor.isValid ? OMENDB_OK : OMENDB_NOT_FOUND
    }
}

let mapHandles = HandleTable<MapBox>(tag: 0x4F4D_4E5F_4D41_5031)          // "OMN_MAP1"
let mapCursorHandles = HandleTable<MapCursorBox>(tag: 0x4F4D_4E5F_4D43_5231)  // "OMN_MCR1"

@_cdecl("omendb_map_create")
public func cMapCreate(_ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guard let out else { return ThreadError.invalid("omendb_map_create", "map is NULL") }
    out.pointee = mapHandles.insert(MapBox(ALEXMap()))
    return OMENDB_OK
}

@_cdecl("omendb_map_create_sorted")
public func cMapCreateSorted(_ keys: UnsafePointer<Int64>?, _ payloads: UnsafePointer<UInt64>?, _ count: UInt,
                             _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    let function: StaticString = "omendb_map_create_sorted"
    guard let out else { return ThreadError.invalid(function, "map is NULL") }
    if let status = oversizedInput(function, "count", count) { return status }
    guard count == 0 || (keys != nil && payloads != nil) else {
        return ThreadError.invalid(function, "keys or payloads is NULL but count is \(count)")
    }
    do throws(OmenError) {
        let map = try ALEXMap(sortedKeys: UnsafeBufferPointer(start: keys, count: Int(count)),
                              payloads: UnsafeBufferPointer(start: payloads, count: Int(count)))
        out.pointee = mapHandles.insert(MapBox(map))
        return OMENDB_OK
    } catch {
        return ThreadError.record(error.code, "\(function): \(error.message)")
    }
}

@_cdecl("omendb_map_free")
public func cMapFree(_ map: OpaquePointer?) {
    mapHandles.remove(map, "omendb_map_free")
}

@_cdecl("omendb_map_put")
public func cMapPut(_ map: OpaquePointer?, _ key: Int64, _ payload: UInt64, _ replaced: UnsafeMutablePointer<Int32>?) -> Int32 {
    withHandle(mapHandles, map, "omendb_map_put") { box in
        let old = box.writing { $0.upsert(key, payload) }
        replaced?.pointee = old == nil ? 0 : 1
        return OMENDB_OK
    }
}

@_cdecl("omendb_map_get")
public func cMapGet(_ map: OpaquePointer?, _ key: Int64, _ payload: UnsafeMutablePointer<UInt64>?) -> Int32 {
    guard let payload else { return ThreadError.invalid("omendb_map_get", "payload is NULL") }
    return withHandle(mapHandles, map, "omendb_map_get") { box in
        guard let found = box.reading({ $0.find(key) }) else { return OMENDB_NOT_FOUND }
        payload.pointee = found
        return OMENDB_OK
    }
}

@_cdecl("omendb_map_delete")
public func cMapDelete(_ map: OpaquePointer?, _ key: Int64, _ oldPayload: UnsafeMutablePointer<UInt64>?) -> Int32 {
    withHandle(mapHandles, map, "omendb_map_delete") { box in
        guard let old = box.writing({ $0.remove(key) }) else { return OMENDB_NOT_FOUND }
        oldPayload?.pointee = old
        return OMENDB_OK
    }
}

@_cdecl("omendb_map_count")
public func cMapCount(_ map: OpaquePointer?, _ count: UnsafeMutablePointer<UInt64>?) -> Int32 {
    guard let count else { return ThreadError.invalid("omendb_map_count", "count is NULL") }
    return withHandle(mapHandles, map, "omendb_map_count") { box in
        count.pointee = UInt64(box.reading { $0.count })
        return OMENDB_OK
    }
}

@_cdecl("omendb_map_range")
public func cMapRange(_ map: OpaquePointer?, _ start: Int64, _ capacity: UInt,
                      _ keys: UnsafeMutablePointer<Int64>?, _ payloads: UnsafeMutablePointer<UInt64>?,
                      _ written: UnsafeMutablePointer<Int>?) -> Int32 {
    let function: StaticString = "omendb_map_range"
    guard let written else { return ThreadError.invalid(function, "written is NULL") }
    return withHandle(mapHandles, map, function) { box in
        written.pointee = box.reading {
            $0.copyEntries(from: start, capacity: outputCapacity(capacity), keys: keys, payloads: payloads)
        }
        return OMENDB_OK
    }
}

@_cdecl("omendb_map_get_stats")
public func cMapGetStats(_ map: OpaquePointer?, _ out: UnsafeMutablePointer<omendb_map_stats>?) -> Int32 {
    let function: StaticString = "omendb_map_get_stats"
    guard let out else { return ThreadError.invalid(function, "stats is NULL") }
    let minimumSize = UInt(MemoryLayout<omendb_map_stats>.offset(of: \.count)! + MemoryLayout<UInt64>.size)
    let callerSize = UInt(bitPattern: out.pointee.struct_size)
    guard callerSize >= minimumSize else {
        return ThreadError.invalid(function, "stats->struct_size is \(callerSize); set it to sizeof(omendb_map_stats)")
    }
    return withHandle(mapHandles, map, function) { box in
        var stats = mapStats(box.reading { $0.statistics })
        let written = Int(min(callerSize, UInt(MemoryLayout<omendb_map_stats>.size)))
        stats.struct_size = written
        withUnsafeBytes(of: &stats) { bytes in
            UnsafeMutableRawPointer(out).copyMemory(from: bytes.baseAddress!, byteCount: written)
        }
        return OMENDB_OK
    }
}

/// The C struct for an ALEX map's statistics.
private func mapStats(_ statistics: ALEXStatistics) -> omendb_map_stats {
    var stats = omendb_map_stats()
    stats.count = UInt64(statistics.count)
    stats.depth = UInt32(clamping: statistics.maximumDepth)
    stats.inner_node_count = UInt64(statistics.innerNodeCount)
    stats.data_node_count = UInt64(statistics.dataNodeCount)
    stats.size_bytes = UInt64(statistics.sizeInBytes)
    stats.bytes_per_key = statistics.bytesPerKey
    return stats
}

// MARK: - Cursors

@_cdecl("omendb_map_cursor_create")
public func cMapCursorCreate(_ map: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guard let out else { return ThreadError.invalid("omendb_map_cursor_create", "cursor is NULL") }
    return withHandle(mapHandles, map, "omendb_map_cursor_create") { box in
        out.pointee = mapCursorHandles.insert(MapCursorBox(box))
        return OMENDB_OK
    }
}

@_cdecl("omendb_map_cursor_free")
public func cMapCursorFree(_ cursor: OpaquePointer?) {
    mapCursorHandles.remove(cursor, "omendb_map_cursor_free")
}

@_cdecl("omendb_map_cursor_seek")
public func cMapCursorSeek(_ cursor: OpaquePointer?, _ key: Int64) -> Int32 {
    withHandle(mapCursorHandles, cursor, "omendb_map_cursor_seek") { $0.move { $0.seek(key) } }
}

@_cdecl("omendb_map_cursor_seek_for_prev")
public func cMapCursorSeekForPrev(_ cursor: OpaquePointer?, _ key: Int64) -> Int32 {
    withHandle(mapCursorHandles, cursor, "omendb_map_cursor_seek_for_prev") { $0.move { $0.seekForPrevious(key) } }
}

@_cdecl("omendb_map_cursor_first")
public func cMapCursorFirst(_ cursor: OpaquePointer?) -> Int32 {
    withHandle(mapCursorHandles, cursor, "omendb_map_cursor_first") { $0.move { $0.seekFirst() } }
}

@_cdecl("omendb_map_cursor_last")
public func cMapCursorLast(_ cursor: OpaquePointer?) -> Int32 {
    withHandle(mapCursorHandles, cursor, "omendb_map_cursor_last") { $0.move { $0.seekLast() } }
}

@_cdecl("omendb_map_cursor_next")
public func cMapCursorNext(_ cursor: OpaquePointer?) -> Int32 {
    withHandle(mapCursorHandles, cursor, "omendb_map_cursor_next") { $0.move { $0.next() } }
}

@_cdecl("omendb_map_cursor_prev")
public func cMapCursorPrev(_ cursor: OpaquePointer?) -> Int32 {
    withHandle(mapCursorHandles, cursor, "omendb_map_cursor_prev") { $0.move { $0.previous() } }
}

@_cdecl("omendb_map_cursor_get")
public func cMapCursorGet(_ cursor: OpaquePointer?, _ key: UnsafeMutablePointer<Int64>?,
                          _ payload: UnsafeMutablePointer<UInt64>?) -> Int32 {
    withHandle(mapCursorHandles, cursor, "omendb_map_cursor_get") { box in
        box.box.reading { _ in
            guard box.cursor.isValid else { return OMENDB_NOT_FOUND }
            key?.pointee = box.cursor.key
            payload?.pointee = box.cursor.payload
            return OMENDB_OK
        }
    }
}
