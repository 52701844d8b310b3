// TEMPORARY STAND-IN — delete when the real ALEXMap (Sources/OmenDB/Index/ALEX/,
// contract /work/contracts/alex-api.swift) is merged into this branch.
//
// Same names and semantics as the contract so the hot tier compiles unchanged
// against the real one; internally a two-level sorted array (blocks of at most
// `blockCapacity` keys), not a learned index. Not thread-safe (callers lock).

/// TEMPORARY stand-in for the ALEX ordered map (Int64 keys -> UInt64 payloads).
public final class ALEXMap {
    fileprivate struct Block {
        var keys: [Int64] = []
        var payloads: [UInt64] = []
    }

    fileprivate static let blockCapacity = 256
    fileprivate var blocks: [Block] = []
    /// `blocks[i].keys[0]`, for routing.
    fileprivate var firstKeys: [Int64] = []
    public private(set) var count = 0
    public private(set) var version: UInt64 = 0

    public init() {}

    /// Bulk-loads sorted, distinct keys.
    public init(sortedKeys: UnsafeBufferPointer<Int64>, payloads: UnsafeBufferPointer<UInt64>) throws(OmenError) {
        guard sortedKeys.count == payloads.count else {
            throw OmenError(.invalidArgument, "\(sortedKeys.count) keys but \(payloads.count) payloads")
        }
        for i in 1..<max(sortedKeys.count, 1) where sortedKeys[i - 1] >= sortedKeys[i] {
            throw OmenError(.invalidArgument, "keys are not sorted and distinct at position \(i)")
        }
        var i = 0
        while i < sortedKeys.count {
            let end = min(i + Self.blockCapacity / 2, sortedKeys.count)
            blocks.append(Block(keys: Array(sortedKeys[i..<end]), payloads: Array(payloads[i..<end])))
            firstKeys.append(sortedKeys[i])
            i = end
        }
        count = sortedKeys.count
    }

    /// The block that holds `key` if present: the last block whose first key is <= key (0 if none).
    fileprivate func blockIndex(for key: Int64) -> Int {
        var lo = 0, hi = firstKeys.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if firstKeys[mid] <= key { lo = mid + 1 } else { hi = mid }
        }
        return max(lo - 1, 0)
    }

    fileprivate static func lowerBound(_ keys: [Int64], _ key: Int64) -> Int {
        var lo = 0, hi = keys.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if keys[mid] < key { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    @discardableResult
    public func upsert(_ key: Int64, _ payload: UInt64) -> UInt64? {
        version &+= 1
        if blocks.isEmpty {
            blocks.append(Block(keys: [key], payloads: [payload]))
            firstKeys.append(key)
            count = 1
            return nil
        }
        let b = blockIndex(for: key)
        let slot = Self.lowerBound(blocks[b].keys, key)
        if slot < blocks[b].keys.count && blocks[b].keys[slot] == key {
            let previous = blocks[b].payloads[slot]
            blocks[b].payloads[slot] = payload
            return previous
        }
        blocks[b].keys.insert(key, at: slot)
        blocks[b].payloads.insert(payload, at: slot)
        firstKeys[b] = blocks[b].keys[0]
        count += 1
        if blocks[b].keys.count > Self.blockCapacity { split(b) }
        return nil
    }

    private func split(_ b: Int) {
        let half = blocks[b].keys.count / 2
        let upper = Block(keys: Array(blocks[b].keys[half...]), payloads: Array(blocks[b].payloads[half...]))
        blocks[b].keys.removeSubrange(half...)
        blocks[b].payloads.removeSubrange(half...)
        blocks.insert(upper, at: b + 1)
        firstKeys.insert(upper.keys[0], at: b + 1)
    }

    public func find(_ key: Int64) -> UInt64? {
        guard !blocks.isEmpty else { return nil }
        let b = blockIndex(for: key)
        let slot = Self.lowerBound(blocks[b].keys, key)
        guard slot < blocks[b].keys.count && blocks[b].keys[slot] == key else { return nil }
        return blocks[b].payloads[slot]
    }

    @discardableResult
    public func remove(_ key: Int64) -> UInt64? {
        guard !blocks.isEmpty else { return nil }
        let b = blockIndex(for: key)
        let slot = Self.lowerBound(blocks[b].keys, key)
        guard slot < blocks[b].keys.count && blocks[b].keys[slot] == key else { return nil }
        version &+= 1
        let previous = blocks[b].payloads.remove(at: slot)
        blocks[b].keys.remove(at: slot)
        count -= 1
        if blocks[b].keys.isEmpty {
            blocks.remove(at: b)
            firstKeys.remove(at: b)
        } else {
            firstKeys[b] = blocks[b].keys[0]
        }
        return previous
    }

    public var sizeInBytes: Int {
        count * 16 + blocks.count * (MemoryLayout<Block>.stride + 8 + 64)
    }

    public var maximumDepth: Int { 2 }

    public func cursor() -> Cursor { Cursor(map: self) }

    /// A position in the map; invalidated by any mutation (compare `map.version`).
    public struct Cursor {
        let map: ALEXMap
        var block = 0
        var slot = 0
        public private(set) var isValid = false

        init(map: ALEXMap) { self.map = map }

        private mutating func settle() {
            while block < map.blocks.count && slot >= map.blocks[block].keys.count {
                block += 1
                slot = 0
            }
            isValid = block < map.blocks.count
        }

        public mutating func seek(_ key: Int64) {
            guard !map.blocks.isEmpty else { isValid = false; return }
            block = map.blockIndex(for: key)
            slot = ALEXMap.lowerBound(map.blocks[block].keys, key)
            settle()
        }

        public mutating func seekForPrevious(_ key: Int64) {
            seek(key)
            if isValid && self.key == key { return }
            if isValid { previous() } else { seekLast() }
        }

        public mutating func seekFirst() {
            block = 0
            slot = 0
            settle()
        }

        public mutating func seekLast() {
            guard let last = map.blocks.last else { isValid = false; return }
            block = map.blocks.count - 1
            slot = last.keys.count - 1
            isValid = true
        }

        public var key: Int64 { map.blocks[block].keys[slot] }
        public var payload: UInt64 { map.blocks[block].payloads[slot] }

        public mutating func next() {
            slot += 1
            settle()
        }

        public mutating func previous() {
            if slot > 0 { slot -= 1; return }
            if block == 0 { isValid = false; return }
            block -= 1
            slot = map.blocks[block].keys.count - 1
        }
    }
}
