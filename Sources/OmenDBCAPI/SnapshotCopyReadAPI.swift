import COmenDBShim
import OmenDB

// omendb_snapshot_multi_get_copy: argument checks and translation of Snapshot.copyValues.

@_cdecl("omendb_snapshot_multi_get_copy")
public func cSnapshotMultiGetCopy(_ snapshot: OpaquePointer?, _ keys: UnsafePointer<Int64>?, _ count: Int,
                                  _ lengths: UnsafeMutablePointer<Int>?, _ buffer: UnsafeMutableRawPointer?,
                                  _ capacity: Int, _ done: UnsafeMutablePointer<Int>?) -> Int32 {
    let function: StaticString = "omendb_snapshot_multi_get_copy"
    guard count >= 0 && count <= maximumKeyCount else {
        return ThreadError.record(.tooLarge, "\(function): count \(UInt(bitPattern: count)) exceeds 2^60")
    }
    guard capacity >= 0 else { return ThreadError.record(.tooLarge, "\(function): capacity exceeds 2^63") }
    guard let done else { return ThreadError.invalid(function, "done is NULL") }
    guard count == 0 || (keys != nil && lengths != nil) else {
        return ThreadError.invalid(function, "keys or lengths is NULL but count is \(count)")
    }
    guard buffer != nil || capacity == 0 else { return ThreadError.invalid(function, "buffer is NULL but capacity is \(capacity)") }
    return withHandle(snapshotHandles, snapshot, function) { snapshot in
        guard count > 0, let keys, let lengths else { done.pointee = 0; return OMENDB_OK }
        let outcome: Snapshot.CopyOutcome
        do throws(OmenError) {
            outcome = try snapshot.copyValues(keys: keys, count: count, lengths: lengths, buffer: buffer, capacity: capacity)
        } catch {
            done.pointee = 0
            return ThreadError.record(error.code, "\(function): \(error.message)")
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
