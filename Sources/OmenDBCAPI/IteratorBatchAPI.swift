import COmenDBShim
import OmenDB

// omendb_iterator_read and omendb_iterator_read_borrowed: argument checks and
// translation of OrderedCursor.copyEntries and .borrowEntries.

@_cdecl("omendb_iterator_read")
public func cIteratorRead(_ iterator: OpaquePointer?, _ direction: Int32, _ maxEntries: UInt,
                          _ keys: UnsafeMutablePointer<Int64>?, _ lengths: UnsafeMutablePointer<Int>?,
                          _ buffer: UnsafeMutableRawPointer?, _ capacity: UInt,
                          _ count: UnsafeMutablePointer<Int>?) -> Int32 {
    let function: StaticString = "omendb_iterator_read"
    guard direction == 1 || direction == -1 else {
        return ThreadError.invalid(function, "direction must be 1 or -1, got \(direction)")
    }
    guard let lengths else { return ThreadError.invalid(function, "lengths is NULL") }
    guard let count else { return ThreadError.invalid(function, "count is NULL") }
    return withIterator(iterator, function) { it in
        let outcome: CursorCopyOutcome
        do throws(OmenError) {
            outcome = try it.copyEntries(forward: direction == 1, maxEntries: outputCapacity(maxEntries), keys: keys,
                                         lengths: lengths, buffer: buffer, capacity: outputCapacity(capacity))
        } catch {
            count.pointee = 0
            return ThreadError.record(error.code, "\(function): \(error.message)")
        }
        switch outcome {
        case .copied(let copied):
            count.pointee = copied
            return OMENDB_OK
        case .valueTooLarge(let length):
            guard maxEntries >= 1 else { count.pointee = 0; return OMENDB_OK }
            lengths[0] = length
            count.pointee = 0
            return ThreadError.record(.bufferTooSmall, "\(function): the current value needs \(length) bytes, the buffer holds \(capacity)")
        }
    }
}

@_cdecl("omendb_iterator_read_borrowed")
public func cIteratorReadBorrowed(_ iterator: OpaquePointer?, _ direction: Int32, _ maxEntries: UInt,
                                  _ keys: UnsafeMutablePointer<Int64>?,
                                  _ values: UnsafeMutablePointer<UnsafeRawPointer?>?,
                                  _ lengths: UnsafeMutablePointer<Int>?, _ count: UnsafeMutablePointer<Int>?) -> Int32 {
    let function: StaticString = "omendb_iterator_read_borrowed"
    guard direction == 1 || direction == -1 else {
        return ThreadError.invalid(function, "direction must be 1 or -1, got \(direction)")
    }
    guard let values else { return ThreadError.invalid(function, "values is NULL") }
    guard let lengths else { return ThreadError.invalid(function, "lengths is NULL") }
    guard let count else { return ThreadError.invalid(function, "count is NULL") }
    return withIterator(iterator, function) { it in
        let read: Int
        do throws(OmenError) {
            read = try it.borrowEntries(forward: direction == 1, maxEntries: outputCapacity(maxEntries), keys: keys,
                                        values: values, lengths: lengths)
        } catch {
            count.pointee = 0
            return ThreadError.record(error.code, "\(function): \(error.message)")
        }
        count.pointee = read  // every values[i] is non-NULL, as the header promises
        return OMENDB_OK
    }
}
