extension ALEXMap {
    /// The payload of the first key `>= key`, or nil when every key is smaller.
    ///
    /// The cursor's `seek` without a cursor: one walk down unretained references, an
    /// exponential search from the data node's prediction, and (only when the key
    /// lies past the node's last key) a step along the leaf chain. No allocation and
    /// no reference counting per call.
    @inline(__always)
    public func lowerBoundPayload(_ key: Int64) -> UInt64? {
        leafReference(for: ALEXKeySpace.unsigned(key))._withUnsafeGuaranteedRef { leaf in
            let slot = leaf.firstSlot(atLeast: key)
            if slot < leaf.capacity { return leaf.payloads[slot] }
            return ALEXMap.firstPayload(after: leaf)
        }
    }

    /// The payload of the first key in the data nodes after `leaf`, or nil.
    private static func firstPayload(after leaf: ALEXDataNode) -> UInt64? {
        var node = leaf.next
        while let current = node {
            let slot = current.nextOccupied(from: 0)
            if slot < current.capacity { return current.payloads[slot] }
            node = current.next
        }
        return nil
    }
}
