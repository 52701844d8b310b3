/// The outcome of `OrderedCursor.copyEntries`.
public enum CursorCopyOutcome: Equatable {
    /// `count` entries were copied (0 when the iterator was invalid).
    case copied(count: Int)
    /// The current entry's value alone is larger than the buffer; nothing moved.
    case valueTooLarge(length: Int)
}

/// Batched reads from a cursor: many entries copied (or handed out) per call, so that
/// bindings with a high per-call cost (ctypes, JNI, ...) can scan at engine speed.
extension OrderedCursor {
    /// Copies up to `maxEntries` entries, starting at the current one and moving
    /// after each (forward or backward): keys into `keys` (if not nil), value
    /// lengths into `lengths`, values back to back into `buffer[0..<capacity]`
    /// (not copied at all when `buffer` is nil). Stops early at the end of the
    /// iteration or before a value that does not fit.
    /// - Throws: `.corruption` when a step reaches a damaged value (the iterator is then
    ///   invalid and the entries copied by this call are void).
    public func copyEntries(forward: Bool, maxEntries: Int, keys: UnsafeMutablePointer<Int64>?,
                            lengths: UnsafeMutablePointer<Int>, buffer: UnsafeMutableRawPointer?,
                            capacity: Int) throws(OmenError) -> CursorCopyOutcome {
        var count = 0
        var used = 0
        while count < maxEntries && isValid {
            let length = value.count
            if buffer != nil, length > capacity - used {
                if count == 0 { return .valueTooLarge(length: length) }
                break
            }
            if length > 0, let buffer, let source = value.baseAddress {
                (buffer + used).copyMemory(from: source, byteCount: length)
                used += length
            }
            keys?[count] = key
            lengths[count] = length
            count += 1
            if forward { try next() } else { try previous() }
        }
        return .copied(count: count)
    }
}

/// The address `borrowEntries` hands out for an empty value that has none of its own:
/// never nil, so that callers can tell an entry from a missing one; never read.
let emptyBorrowedValue = UnsafeRawPointer(UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1))

extension OrderedCursor {
    /// Hands out up to `maxEntries` entries, starting at the current one and moving
    /// after each (forward or backward): keys into `keys` (if not nil), the address of
    /// each value (never nil: `emptyBorrowedValue` for an empty value without one) into
    /// `values` and its length into `lengths`, without copying. The values are borrowed as `value` is: valid while
    /// the snapshot they were read from lives (a `StorageIterator`'s until it is
    /// refreshed or freed; a `TransactionIterator`'s until its transaction is freed).
    /// Returns how many; fewer than `maxEntries` only at the end.
    /// - Throws: `.corruption` when a step reaches a damaged value (the iterator is then
    ///   invalid and the entries handed out by this call are void).
    public func borrowEntries(forward: Bool, maxEntries: Int, keys: UnsafeMutablePointer<Int64>?,
                              values: UnsafeMutablePointer<UnsafeRawPointer?>,
                              lengths: UnsafeMutablePointer<Int>) throws(OmenError) -> Int {
        var count = 0
        while count < maxEntries && isValid {
            let current = value
            keys?[count] = key
            values[count] = current.baseAddress ?? emptyBorrowedValue
            lengths[count] = current.count
            count += 1
            if forward { try next() } else { try previous() }
        }
        return count
    }
}
