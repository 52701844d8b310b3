import COmenDBShim

/// ALEX as a model over a caller's sorted key array: the `.alex` kind of `LearnedIndex`.
///
/// An `ALEXMap` is bulk-loaded over the array's *distinct* keys, each with the position
/// of its first occurrence as payload; `lowerBound(key)` is the payload of the map's
/// first key `>= key` (the array's length when there is none). Duplicates therefore
/// cost nothing, and the answer never depends on the data node's search window: the
/// gapped array answers exactly.
///
/// Lookups skip the presence bitmap: once built, every gap's payload slot holds the
/// answer for keys that land on it (the next real key's position; for trailing gaps,
/// the first position of the next data node, or `count`). The map's own lookups never
/// read gap payloads, so this is invisible to it; the index never mutates the map.
///
/// Memory: ALEX keeps its own copy of every distinct key and a payload per slot, at
/// about 70% slot occupancy: roughly 16 / 0.7 ≈ 23 bytes per distinct key plus a bit
/// per slot and the inner nodes (`sizeInBytes` is the exact figure), on top of the
/// caller's array. It is the family's most expensive kind in memory; it pays off when
/// the same structure is also updated (see `ALEXMap`), not as a read-only index.
///
/// Immutable after construction; any number of threads may query it at once.
final class ALEXArrayIndex {
    let map: ALEXMap
    /// Positions in the key array (duplicates included).
    let count: Int
    /// The largest distance between a key's slot and its data node's prediction.
    let maximumSearchDistance: Int

    /// Bulk-loads the distinct keys of `keys[0..<count]` (sorted, duplicates allowed).
    convenience init(keys: UnsafePointer<Int64>, count: Int) {
        let distinct = ALEXDistinctKeys(keys, count)
        defer { distinct.deallocate() }
        let map: ALEXMap
        do {
            map = try ALEXMap(sortedKeys: distinct.keys, payloads: distinct.positions)
        } catch {
            preconditionFailure("distinct keys are strictly increasing, yet: \(error.message)")
        }
        self.init(map: map, count: count)
    }

    /// An index over an already-built (or loaded and validated) map whose payloads are
    /// positions in `0..<count`.
    init(map: ALEXMap, count: Int) {
        self.map = map
        self.count = count
        self.maximumSearchDistance = ALEXArrayIndex.searchDistance(map)
        ALEXArrayIndex.fillGapPayloads(map, count: count)
    }

    /// The first position whose key is `>= key`, or `count`.
    @inline(__always)
    func lowerBound(_ key: Int64) -> Int {
        map.leafReference(for: ALEXKeySpace.unsigned(key))._withUnsafeGuaranteedRef { leaf in
            let start = leaf.predictedSlot(key)
            // The payload's line loads while the keys are searched (the answer is
            // usually within a few slots of the prediction).
            odb_prefetch(UnsafeRawPointer(leaf.payloads + start))
            return lowerBound(key, in: leaf, from: start)
        }
    }

    /// The answer for `key` in the data node it routes to, searching from `start`.
    @inline(__always)
    private func lowerBound(_ key: Int64, in leaf: ALEXDataNode, from start: Int) -> Int {
        let slot = leaf.lowerBound(key, from: start)
        if slot < leaf.capacity { return Int(truncatingIfNeeded: leaf.payloads[slot]) }
        // Every slot holds a real key < `key`: the answer starts the next data node.
        guard let next = leaf.next else { return count }
        return Int(truncatingIfNeeded: next.payloads[0])
    }

    /// The data window searched for `key` (test hook): ALEX answers exactly.
    func dataWindow(_ key: Int64) -> (lo: Int, hi: Int) {
        let position = lowerBound(key)
        return (position, position)
    }

    /// How many lookups ahead a batch routes and prefetches (the ring holds 16).
    static let batchDistance = 8

    /// Lower bounds of a batch, software-pipelined: lookup `i` is searched while
    /// lookup `i + batchDistance` has been routed and its predicted key and payload
    /// lines are loading, so that the cache misses of independent lookups overlap.
    func lowerBounds(_ queries: UnsafeBufferPointer<Int64>, _ out: UnsafeMutableBufferPointer<Int64>) {
        let n = queries.count
        guard n > 0, let q = queries.baseAddress, let o = out.baseAddress else { return }
        let d = ALEXArrayIndex.batchDistance
        withUnsafeTemporaryAllocation(of: Unmanaged<ALEXDataNode>.self, capacity: 16) { leafRing in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: 16) { startRing in
                let leaves = leafRing.baseAddress!, starts = startRing.baseAddress!
                for i in 0..<min(d, n) { route(q[i], into: leaves + i, starts + i) }
                for i in 0..<n {
                    let ahead = i &+ d
                    if ahead < n { route(q[ahead], into: leaves + (ahead & 15), starts + (ahead & 15)) }
                    let key = q[i], start = starts[i & 15]
                    o[i] = Int64(leaves[i & 15]._withUnsafeGuaranteedRef { lowerBound(key, in: $0, from: start) })
                }
            }
        }
    }

    /// Routes `key` to its data node and predicted slot and starts loading that slot's
    /// key and payload lines.
    @inline(__always)
    private func route(_ key: Int64, into leaf: UnsafeMutablePointer<Unmanaged<ALEXDataNode>>,
                       _ start: UnsafeMutablePointer<Int>) {
        let reference = map.leafReference(for: ALEXKeySpace.unsigned(key))
        leaf.initialize(to: reference)
        start.initialize(to: reference._withUnsafeGuaranteedRef { node in
            let slot = node.predictedSlot(key)
            odb_prefetch(UnsafeRawPointer(node.keys + slot))
            odb_prefetch(UnsafeRawPointer(node.payloads + slot))
            return slot
        })
    }

    /// Bytes of the ALEX structure (its copy of the keys included).
    var sizeInBytes: Int { map.sizeInBytes }

    /// Shape and cost, for `IndexStatistics`.
    func statistics(keyCount: Int) -> IndexStatistics {
        let shape = map.statistics
        return IndexStatistics(kind: .alex, keyCount: keyCount,
                               modelCount: shape.innerNodeCount + shape.dataNodeCount, levelCount: shape.maximumDepth,
                               maximumError: maximumSearchDistance, sizeInBytes: shape.sizeInBytes,
                               note: "alex: \(shape.dataNodeCount) data nodes, \(shape.innerNodeCount) inner nodes, depth \(shape.maximumDepth), \(shape.count) distinct keys copied into gapped arrays")
    }

    /// Writes into every gap's payload slot the answer for keys that land on it: the
    /// payload of the next real key, or past a node's last key the first position of
    /// the next node (`count` after the last one). One pass, right to left.
    private static func fillGapPayloads(_ map: ALEXMap, count: Int) {
        var following = UInt64(count)
        var leaf: ALEXDataNode? = map.rightmostLeaf()
        while let node = leaf {
            var slot = node.capacity - 1
            while slot >= 0 {
                if node.isOccupied(slot) { following = node.payloads[slot] } else { node.payloads[slot] = following }
                slot -= 1
            }
            leaf = node.previous
        }
    }

    /// The largest |slot - predicted slot| over every stored key (one pass over the leaves).
    private static func searchDistance(_ map: ALEXMap) -> Int {
        var worst = 0
        var leaf: ALEXDataNode? = map.leftmostLeaf()
        while let node = leaf {
            var slot = node.nextOccupied(from: 0)
            while slot < node.capacity {
                worst = max(worst, abs(slot - node.predictedSlot(node.keys[slot])))
                slot = node.nextOccupied(from: slot + 1)
            }
            leaf = node.next
        }
        return worst
    }
}

/// The distinct keys of a sorted array and the position of each one's first occurrence
/// (temporary buffers: the caller deallocates them).
struct ALEXDistinctKeys {
    let keys: UnsafeBufferPointer<Int64>
    let positions: UnsafeBufferPointer<UInt64>

    init(_ source: UnsafePointer<Int64>, _ count: Int) {
        let keyMemory = UnsafeMutablePointer<Int64>.allocate(capacity: max(count, 1))
        let positionMemory = UnsafeMutablePointer<UInt64>.allocate(capacity: max(count, 1))
        var distinct = 0
        for i in 0..<count where i == 0 || source[i] != source[i &- 1] {
            keyMemory[distinct] = source[i]
            positionMemory[distinct] = UInt64(i)
            distinct &+= 1
        }
        keys = UnsafeBufferPointer(start: keyMemory, count: distinct)
        positions = UnsafeBufferPointer(start: positionMemory, count: distinct)
    }

    var count: Int { keys.count }

    func deallocate() {
        keys.baseAddress.map { UnsafeMutablePointer(mutating: $0).deallocate() }
        positions.baseAddress.map { UnsafeMutablePointer(mutating: $0).deallocate() }
    }
}
