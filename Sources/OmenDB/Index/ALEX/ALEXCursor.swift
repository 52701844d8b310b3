extension ALEXMap {
    /// A cursor over the map in key order.
    ///
    /// Mutations of the map bump `map.version`. A cursor notices that on its next
    /// call and re-positions by key: `next()` moves to the first key greater than
    /// the one it was on, `previous()` to the last key smaller, and `payload` looks the
    /// key up again (returning the payload it saw if the key has since been removed).
    /// So a cursor stays usable across mutations; it never touches freed nodes.
    public struct Cursor {
        let map: ALEXMap
        unowned(unsafe) var node: ALEXDataNode?
        var slot: Int = 0
        var seenVersion: UInt64
        var currentKey: Int64 = 0
        var currentPayload: UInt64 = 0
        /// True when the cursor is on an entry.
        public private(set) var isValid = false

        init(map: ALEXMap) {
            self.map = map
            seenVersion = map.version
        }

        /// The key of the current entry (precondition: `isValid`).
        public var key: Int64 {
            precondition(isValid, "ALEXMap.Cursor is not on an entry")
            return currentKey
        }

        /// The payload of the current entry (precondition: `isValid`).
        public var payload: UInt64 {
            precondition(isValid, "ALEXMap.Cursor is not on an entry")
            if seenVersion != map.version { return map.find(currentKey) ?? currentPayload }
            return currentPayload
        }

        /// Moves to the first key >= `key`.
        public mutating func seek(_ key: Int64) {
            seenVersion = map.version
            let leaf = map.leaf(for: key)
            settleForward(leaf, leaf.firstSlot(atLeast: key))
        }

        /// Moves to the last key <= `key`.
        public mutating func seekForPrevious(_ key: Int64) {
            seenVersion = map.version
            let leaf = map.leaf(for: key)
            settleBackward(leaf, leaf.lastSlot(atMost: key))
        }

        /// Moves to the smallest key.
        public mutating func seekFirst() {
            seenVersion = map.version
            let leaf = map.leftmostLeaf()
            settleForward(leaf, leaf.nextOccupied(from: 0))
        }

        /// Moves to the largest key.
        public mutating func seekLast() {
            seenVersion = map.version
            let leaf = map.rightmostLeaf()
            settleBackward(leaf, leaf.previousOccupied(from: leaf.capacity - 1))
        }

        /// Moves to the next key (invalid past the last one).
        public mutating func next() {
            guard isValid else { return }
            if seenVersion != map.version {
                if currentKey == Int64.max { isValid = false; return }
                seek(currentKey + 1)
                return
            }
            let leaf = node!
            settleForward(leaf, leaf.nextOccupied(from: slot + 1))
        }

        /// Moves to the previous key (invalid before the first one).
        public mutating func previous() {
            guard isValid else { return }
            if seenVersion != map.version {
                if currentKey == Int64.min { isValid = false; return }
                seekForPrevious(currentKey - 1)
                return
            }
            let leaf = node!
            settleBackward(leaf, leaf.previousOccupied(from: slot - 1))
        }

        /// Positions on `slot` of `leaf`, or on the first entry of a later leaf when
        /// `slot` is past the end.
        private mutating func settleForward(_ leaf: ALEXDataNode, _ slot: Int) {
            var leaf = leaf
            var slot = slot
            while slot >= leaf.capacity {
                guard let next = leaf.next else { isValid = false; node = nil; return }
                leaf = next
                slot = leaf.nextOccupied(from: 0)
            }
            land(leaf, slot)
        }

        /// Positions on `slot` of `leaf`, or on the last entry of an earlier leaf when
        /// `slot` is -1.
        private mutating func settleBackward(_ leaf: ALEXDataNode, _ slot: Int) {
            var leaf = leaf
            var slot = slot
            while slot < 0 {
                guard let previous = leaf.previous else { isValid = false; node = nil; return }
                leaf = previous
                slot = leaf.previousOccupied(from: leaf.capacity - 1)
            }
            land(leaf, slot)
        }

        @inline(__always)
        private mutating func land(_ leaf: ALEXDataNode, _ slot: Int) {
            node = leaf
            self.slot = slot
            currentKey = leaf.keys[slot]
            currentPayload = leaf.payloads[slot]
            isValid = true
        }
    }

    /// A cursor, not yet positioned (call one of its seek methods).
    public func cursor() -> Cursor { Cursor(map: self) }
}
