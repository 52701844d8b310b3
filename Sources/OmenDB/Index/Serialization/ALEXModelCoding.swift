/// The `.alex` payload of `IndexFormat` (docs/format.md, "ALEX payload"): the tree's
/// structure and every node's model, but no keys. Loading places the caller's keys
/// with the stored models exactly as bulk loading placed them (no fitting), so the
/// loaded index answers every lookup as the saved one did.
///
/// ```
/// payload  distinct key count u64 | node count u64 | nodes in pre-order
///          (an inner node is followed by its children's subtrees, left to right)
/// inner    tag u32 = 1 | flags u32 (bit 0: frozen below base) | base u64 | shift u64
///          fanout u64 | child count u64 | slot span u64 per child
/// data     tag u32 = 2 | flags u32 = 0 | capacity u64 | model base u64 | slope f64
///          intercept f64 | first u64 | end u64   (distinct-key positions first..<end)
/// ```
enum ALEXModelCoding {
    static let innerNodeSize = 40
    static let dataNodeSize = 56
    static let innerTag: UInt32 = 1
    static let dataTag: UInt32 = 2
    /// Deeper trees are rejected as corrupt (bulk loading halves the key range per level).
    static let maximumDepth = 128
    /// A live map's inner nodes may have max(this, 64 × keys) slots in all.
    static let minimumSlotBudget = 1 << 22

    // MARK: - Writing

    static func payloadSize(_ index: ALEXArrayIndex) -> Int { 8 + treeSize(index.map.root) }

    static func write(_ index: ALEXArrayIndex, _ writer: inout ByteWriter) {
        writer.int(index.map.count)
        writeTree(index.map.root, &writer)
    }

    /// Bytes of `writeTree`'s output: the node count and every node.
    static func treeSize(_ root: ALEXNode) -> Int {
        var size = 8
        forEachNode(root) { node in
            if node.isDataNode {
                size += dataNodeSize
            } else {
                size += innerNodeSize + 8 * childCount(unsafeDowncast(node, to: ALEXInnerNode.self))
            }
        }
        return size
    }

    /// The node count, then every node in pre-order; data nodes name their keys by
    /// position in key order.
    static func writeTree(_ root: ALEXNode, _ writer: inout ByteWriter) {
        var nodeCount = 0
        forEachNode(root) { _ in nodeCount += 1 }
        writer.int(nodeCount)
        var firstKey = 0
        forEachNode(root) { node in
            if node.isDataNode {
                let data = unsafeDowncast(node, to: ALEXDataNode.self)
                let model = data.model
                writer.u32(dataTag)
                writer.u32(0)
                writer.int(data.capacity)
                writer.u64(model.base)
                writer.f64(model.slope)
                writer.f64(model.intercept)
                writer.int(firstKey)
                firstKey += data.count
                writer.int(firstKey)
            } else {
                let inner = unsafeDowncast(node, to: ALEXInnerNode.self)
                writer.u32(innerTag)
                writer.u32(inner.frozenBelowBase ? 1 : 0)
                writer.u64(inner.base)
                writer.int(inner.shift)
                writer.int(inner.fanout)
                writer.int(childCount(inner))
                inner.forEachChild { writer.int($0.slotSpan) }
            }
        }
    }

    /// Visits every node in pre-order (each inner node before its children, left to right).
    private static func forEachNode(_ node: ALEXNode, _ body: (ALEXNode) -> Void) {
        body(node)
        guard !node.isDataNode else { return }
        unsafeDowncast(node, to: ALEXInnerNode.self).forEachChild { forEachNode($0, body) }
    }

    private static func childCount(_ inner: ALEXInnerNode) -> Int {
        var count = 0
        inner.forEachChild { _ in count += 1 }
        return count
    }

    // MARK: - Reading

    /// Rebuilds the index over `keys[0..<count]` (already checked against the header).
    static func read(_ reader: inout ByteReader, keys: UnsafePointer<Int64>, count: Int) throws(OmenError) -> ALEXArrayIndex {
        let distinct = ALEXDistinctKeys(keys, count)
        defer { distinct.deallocate() }
        let storedDistinct = try reader.count(atMost: count, "ALEX distinct key count")
        guard storedDistinct == distinct.count else {
            throw OmenError(.invalidArgument, "the serialized index was built over different keys: \(storedDistinct) distinct keys, but the given keys have \(distinct.count)")
        }
        let map = try readTree(&reader, keys: distinct.keys, payloads: distinct.positions, bulkLoaded: true)
        return ALEXArrayIndex(map: map, count: count)
    }

    /// Reads `writeTree`'s output and places `keys` (strictly increasing) with their
    /// payloads in the data nodes. `bulkLoaded`: the tree came straight from a bulk
    /// load (exact capacities and bounded fanouts; a routing mismatch means the caller
    /// passed other keys); otherwise it is a live map's tree (capacities and fanouts
    /// within what updates produce; the keys came with the tree, so any mismatch is
    /// corruption).
    static func readTree(_ reader: inout ByteReader, keys: UnsafeBufferPointer<Int64>,
                         payloads: UnsafeBufferPointer<UInt64>, bulkLoaded: Bool) throws(OmenError) -> ALEXMap {
        let nodeCount = try reader.count(atMost: reader.remaining / innerNodeSize, "ALEX node count")
        var tree = TreeReader(keys: keys, payloads: payloads, bulkLoaded: bulkLoaded, nodesLeft: nodeCount)
        let root = try tree.node(&reader, depth: 1).node
        guard tree.nodesLeft == 0 else { throw corrupt("\(tree.nodesLeft) of \(nodeCount) nodes not reached from the root") }
        guard tree.nextKey == keys.count else {
            throw corrupt("data nodes cover \(tree.nextKey) of \(keys.count) keys")
        }
        let map = ALEXMap(root: root, count: keys.count)
        try tree.checkRouting(map)
        return map
    }

    static func corrupt(_ what: String) -> OmenError {
        OmenError(.corruption, "serialized index: ALEX \(what)")
    }

    /// Reads nodes in pre-order, validating each before anything is allocated for it.
    private struct TreeReader {
        let keys: UnsafeBufferPointer<Int64>
        let payloads: UnsafeBufferPointer<UInt64>
        let bulkLoaded: Bool
        var nodesLeft: Int
        /// Inner-node slots a live map's tree may still allocate (bounds a crafted buffer).
        var slotBudget: Int
        /// The distinct-key position where the next data node must start.
        var nextKey = 0
        /// Data nodes in key order with their distinct-key ranges.
        var leaves: [(node: ALEXDataNode, keys: Range<Int>)] = []

        init(keys: UnsafeBufferPointer<Int64>, payloads: UnsafeBufferPointer<UInt64>, bulkLoaded: Bool, nodesLeft: Int) {
            self.keys = keys
            self.payloads = payloads
            self.bulkLoaded = bulkLoaded
            self.nodesLeft = nodesLeft
            slotBudget = max(ALEXModelCoding.minimumSlotBudget, 64 * keys.count)
        }

        /// One subtree: the node and how many distinct keys it holds.
        mutating func node(_ reader: inout ByteReader, depth: Int) throws(OmenError) -> (node: ALEXNode, keys: Int) {
            guard nodesLeft > 0 else { throw corrupt("has more nodes than its node count") }
            guard depth <= ALEXModelCoding.maximumDepth else { throw corrupt("tree is deeper than \(ALEXModelCoding.maximumDepth)") }
            nodesLeft -= 1
            let tag = try reader.u32()
            let flags = try reader.u32()
            switch tag {
            case ALEXModelCoding.dataTag:
                guard flags == 0 else { throw corrupt("data node flags \(flags)") }
                return try dataNode(&reader)
            case ALEXModelCoding.innerTag:
                guard flags <= 1 else { throw corrupt("inner node flags \(flags)") }
                return try innerNode(&reader, frozenBelowBase: flags == 1, depth: depth)
            default:
                throw corrupt("node tag \(tag)")
            }
        }

        private mutating func dataNode(_ reader: inout ByteReader) throws(OmenError) -> (node: ALEXNode, keys: Int) {
            let capacity = try reader.count(atMost: Int.max, "data node capacity")
            let model = ALEXDataNode.Model(base: try reader.u64(), slope: try reader.f64(), intercept: try reader.f64())
            let first = try reader.count(atMost: keys.count, "data node first key")
            let end = try reader.count(atMost: keys.count, "data node end key")
            guard first == nextKey, end >= first else {
                throw corrupt("data node keys \(first)..<\(end), expected to start at \(nextKey)")
            }
            // Bulk loading gives every data node exactly this capacity; updates keep a
            // node at least a quarter full once it is past 4 × the minimum (either bound
            // also bounds the allocation).
            let n = end - first
            let sane = bulkLoaded ? capacity == ALEXDataNode.capacity(for: n)
                : capacity > n && capacity >= ALEXTuning.minimumCapacity && capacity <= max(256, 8 * n + 64)
            guard sane else { throw corrupt("data node capacity \(capacity) for \(n) keys") }
            guard model.slope.isFinite, model.intercept.isFinite else {
                throw corrupt("data node model (slope \(model.slope), intercept \(model.intercept))")
            }
            let node = ALEXDataNode(keys: keys.baseAddress! + first, payloads: payloads.baseAddress! + first,
                                    count: n, capacity: capacity, model: model)
            if let previous = leaves.last?.node {
                previous.next = node
                node.previous = previous
            }
            leaves.append((node, first..<end))
            nextKey = end
            return (node, n)
        }

        private mutating func innerNode(_ reader: inout ByteReader, frozenBelowBase: Bool,
                                        depth: Int) throws(OmenError) -> (node: ALEXNode, keys: Int) {
            let base = try reader.u64()
            let shift = try reader.count(atMost: 63, "inner node shift")
            let fanout = try reader.count(atMost: ALEXTuning.maximumFanout, "inner node fanout")
            let childCount = try reader.count(atMost: min(fanout, reader.remaining / 8), "inner node child count")
            guard childCount >= 1 else { throw corrupt("inner node without children") }
            var spans: [Int] = []
            spans.reserveCapacity(childCount)
            var slots = 0
            for _ in 0..<childCount {
                let span = try reader.count(atMost: fanout - slots, "child slot span")
                guard span >= 1 else { throw corrupt("child with an empty slot span") }
                spans.append(span)
                slots += span
            }
            guard slots == fanout else { throw corrupt("children span \(slots) of \(fanout) slots") }
            var children: [ALEXNode] = []
            children.reserveCapacity(childCount)
            var keyCount = 0
            for _ in 0..<childCount {
                let child = try node(&reader, depth: depth + 1)
                children.append(child.node)
                keyCount += child.keys
            }
            // Bulk loading never gives a node more slots than this; a live map's tree is
            // held to a total (either bounds the allocation).
            if bulkLoaded {
                guard fanout <= max(64, 2 * keyCount + 2) else { throw corrupt("inner node fanout \(fanout) over \(keyCount) keys") }
            } else {
                guard fanout <= slotBudget else { throw corrupt("inner nodes have more than \(max(ALEXModelCoding.minimumSlotBudget, 64 * keys.count)) slots in all") }
                slotBudget -= fanout
            }
            let inner = ALEXInnerNode(base: base, shift: shift, fanout: fanout, filler: children[0])
            inner.frozenBelowBase = frozenBelowBase
            var start = 0
            for (child, span) in zip(children, spans) {
                inner.assign(child, start: start, span: span)
                start += span
            }
            return (inner, keyCount)
        }

        /// Every data node's first and last key must route to that node. Routing is
        /// monotone in the key, so then every key between them does too, and every
        /// lookup lands in the right node or the one before the answer.
        func checkRouting(_ map: ALEXMap) throws(OmenError) {
            for (node, range) in leaves where !range.isEmpty {
                for key in [keys[range.lowerBound], keys[range.upperBound - 1]] where map.leaf(for: key) !== node {
                    throw bulkLoaded
                        ? OmenError(.invalidArgument, "the serialized index was built over different keys: key \(key) does not route to the data node holding it")
                        : corrupt("key \(key) does not route to the data node holding it")
                }
            }
        }
    }
}
