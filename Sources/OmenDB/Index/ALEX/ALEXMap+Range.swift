extension ALEXMap {
    /// Copies entries with keys >= `start`, ascending, into the caller's buffers,
    /// at most `capacity` of them; returns how many were written. Either buffer may
    /// be nil to skip that column.
    public func copyEntries(from start: Int64, capacity: Int,
                            keys: UnsafeMutablePointer<Int64>?, payloads: UnsafeMutablePointer<UInt64>?) -> Int {
        guard capacity > 0 else { return 0 }
        var leaf: ALEXDataNode? = leaf(for: start)
        var slot = leaf!.firstSlot(atLeast: start)
        var written = 0
        while let node = leaf, written < capacity {
            while slot < node.capacity && written < capacity {
                keys?[written] = node.keys[slot]
                payloads?[written] = node.payloads[slot]
                written += 1
                slot = node.nextOccupied(from: slot + 1)
            }
            leaf = node.next
            if let next = leaf { slot = next.nextOccupied(from: 0) }
        }
        return written
    }
}
