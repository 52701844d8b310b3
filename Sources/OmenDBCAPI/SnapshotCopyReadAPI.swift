import COmenDBShim
import OmenDB

// omendb_snapshot_multi_get_copy (and its table form, omendb_snapshot_table_multi_get_copy):
// argument checks and translation of Snapshot.copyValues.

@_cdecl("omendb_snapshot_multi_get_copy")
public func cSnapshotMultiGetCopy(_ snapshot: OpaquePointer?, _ keys: UnsafePointer<Int64>?, _ count: UInt,
                                  _ lengths: UnsafeMutablePointer<Int>?, _ buffer: UnsafeMutableRawPointer?,
                                  _ capacity: UInt, _ done: UnsafeMutablePointer<Int>?) -> Int32 {
    multiGetCopy("omendb_snapshot_multi_get_copy", snapshot, keys, count, lengths, buffer, capacity, done) {
        (snapshot, keys, count, lengths, buffer, capacity) throws(OmenError) in
        try snapshot.copyValues(keys: keys, count: count, lengths: lengths, buffer: buffer, capacity: capacity)
    }
}

/// The body of the copy multi-gets: checks the arguments, runs `copy` (a
/// `Snapshot.copyValues`) and translates its outcome.
func multiGetCopy(_ function: StaticString, _ snapshot: OpaquePointer?, _ keys: UnsafePointer<Int64>?, _ count: UInt,
                  _ lengths: UnsafeMutablePointer<Int>?, _ buffer: UnsafeMutableRawPointer?, _ capacity: UInt,
                  _ done: UnsafeMutablePointer<Int>?,
                  _ copy: (Snapshot, UnsafePointer<Int64>, Int, UnsafeMutablePointer<Int>, UnsafeMutableRawPointer?, Int)
                      throws(OmenError) -> Snapshot.CopyOutcome) -> Int32 {
    if let status = oversizedInput(function, "count", count) { return status }
    guard let done else { return ThreadError.invalid(function, "done is NULL") }
    guard count == 0 || (keys != nil && lengths != nil) else {
        return ThreadError.invalid(function, "keys or lengths is NULL but count is \(count)")
    }
    guard buffer != nil || capacity == 0 else { return ThreadError.invalid(function, "buffer is NULL but capacity is \(capacity)") }
    return withHandle(snapshotHandles, snapshot, function) { snapshot in
        guard count > 0, let keys, let lengths else { done.pointee = 0; return OMENDB_OK }
        let outcome: Snapshot.CopyOutcome
        do throws(OmenError) {
            outcome = try copy(snapshot, keys, Int(count), lengths, buffer, outputCapacity(capacity))
        } catch {
            done.pointee = 0
            return ThreadError.record(error.code == .notFound ? .misuse : error.code, "\(function): \(error.message)")
        }
        switch outcome {
        case .processed(let processed):
            done.pointee = processed
            return OMENDB_OK
        case .valueTooLarge(let length):
            lengths[0] = length
            done.pointee = 0
            return ThreadError.record(.bufferTooSmall, "\(function): the value of key \(keys[0]) needs \(length) bytes, the buffer holds \(capacity)")
        }
    }
}
