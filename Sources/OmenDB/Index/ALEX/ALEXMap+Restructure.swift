/// Structural changes: making room in a full data node (expand, sideways split,
/// downward split) and growing the root for keys outside its model's range.
extension ALEXMap {
    /// The inner nodes from the root down to `node`'s parent, and the range of
    /// unsigned keys the parent routes to `node`.
    struct PathToLeaf {
        var inners: [ALEXInnerNode] = []
        var reachLow: UInt64 = 0
        var reachHigh: UInt64 = UInt64.max
        var parent: ALEXInnerNode? { inners.last }
    }

    func path(to key: Int64) -> PathToLeaf {
        let u = ALEXKeySpace.unsigned(key)
        var path = PathToLeaf()
        var node = root
        while !node.isDataNode {
            let inner = unsafeDowncast(node, to: ALEXInnerNode.self)
            path.inners.append(inner)
            let child = inner.child(for: u)
            let low = inner.lowerEdge(ofSlot: child.slotStart, reachLow: path.reachLow)
            let high = inner.upperEdge(beforeSlot: child.slotStart + child.slotSpan, reachHigh: path.reachHigh)
            path.reachLow = low
            path.reachHigh = max(low, high)
            node = child
        }
        return path
    }

    /// Makes room for one more key in the full data node `node` (which owns `key`).
    func makeRoom(in node: ALEXDataNode, for key: Int64) {
        let mustSplit = node.count >= ALEXTuning.maximumDataNodeKeys || node.costHasDrifted
        guard mustSplit else {
            guard node.isFull else { return }  // a cost check that found nothing wrong
            node.expand(retiringInto: graveyard)
            events.expansions += 1
            return
        }
        let path = path(to: key)
        guard let parent = path.parent else {
            splitRootDataNode(node)
            events.rootSplits += 1
            return
        }
        if node.slotSpan < 2 && parent.shift > 0 && parent.fanout * 2 <= ALEXTuning.maximumFanout {
            parent.doubleFanout(retiringInto: graveyard)
            events.parentDoublings += 1
        }
        if node.slotSpan >= 2 {
            splitSideways(node, parent: parent)
            events.sidewaysSplits += 1
        } else {
            splitDownward(node, parent: parent, reachLow: path.reachLow, reachHigh: path.reachHigh)
            events.downwardSplits += 1
        }
    }

    /// The entries of `node`, compacted, handed to `body` (temporary buffers).
    private func withEntries<Result>(of node: ALEXDataNode,
                                     _ body: (UnsafeMutablePointer<Int64>, UnsafeMutablePointer<UInt64>) -> Result) -> Result {
        let keys = UnsafeMutablePointer<Int64>.allocate(capacity: max(1, node.count))
        let payloads = UnsafeMutablePointer<UInt64>.allocate(capacity: max(1, node.count))
        defer {
            keys.deallocate()
            payloads.deallocate()
        }
        node.copyEntries(keys: keys, payloads: payloads)
        return body(keys, payloads)
    }

    /// Replaces `old` in the leaf chain by the chain `first ... last`.
    private func splice(replacing old: ALEXDataNode, first: ALEXDataNode, last: ALEXDataNode) {
        first.previous = old.previous
        last.next = old.next
        old.previous?.next = first
        old.next?.previous = last
        old.previous = nil
        old.next = nil
    }

    /// The root is a full data node: it becomes an inner node over its keys.
    private func splitRootDataNode(_ node: ALEXDataNode) {
        graveyard?.bury(node)
        withEntries(of: node) { keys, payloads in
            var builder = ALEXBuilder(keys: keys, payloads: payloads)
            root = builder.buildDownwardSplit(count: node.count, reachLow: 0, reachHigh: UInt64.max)
        }
    }

    /// Splits `node` (owning two or more slots) into two data nodes at the slot
    /// boundary that best balances their keys.
    private func splitSideways(_ node: ALEXDataNode, parent: ALEXInnerNode) {
        let start = node.slotStart
        let end = node.slotStart + node.slotSpan
        let n = node.count
        graveyard?.bury(node)
        withEntries(of: node) { keys, payloads in
            // Keys routed to slots before `boundary` go left.
            func leftCount(_ boundary: Int) -> Int {
                var low = 0, high = n
                while low < high {
                    let middle = (low + high) / 2
                    if parent.slot(for: ALEXKeySpace.unsigned(keys[middle])) < boundary { low = middle + 1 } else { high = middle }
                }
                return low
            }
            let medianSlot = parent.slot(for: ALEXKeySpace.unsigned(keys[n / 2]))
            var best = -1
            var bestImbalance = Int.max
            for candidate in [medianSlot, medianSlot + 1] {
                let boundary = min(max(candidate, start + 1), end - 1)
                let imbalance = abs(2 * leftCount(boundary) - n)
                if imbalance < bestImbalance { best = boundary; bestImbalance = imbalance }
            }
            let split = leftCount(best)
            // The side that receives appends (prepends) keeps room for more.
            let preferred = node.preferredLayout
            let leftLayout: ALEXDataNode.Layout = preferred == .roomOnLeft ? .roomOnLeft : .spread
            let rightLayout: ALEXDataNode.Layout = preferred == .roomOnRight ? .roomOnRight : .spread
            var builder = ALEXBuilder(keys: keys, payloads: payloads)
            let left = builder.leaf(0..<split, layout: leftLayout)
            let right = builder.leaf(split..<n, layout: rightLayout)
            splice(replacing: node, first: left, last: right)
            parent.assign(left, start: start, span: best - start)
            parent.assign(right, start: best, span: end - best)
        }
    }

    /// Replaces `node` (owning one slot of a parent that cannot grow) by an inner
    /// node over the key range the parent routes to it.
    private func splitDownward(_ node: ALEXDataNode, parent: ALEXInnerNode, reachLow: UInt64, reachHigh: UInt64) {
        let start = node.slotStart
        let span = node.slotSpan
        graveyard?.bury(node)
        withEntries(of: node) { keys, payloads in
            var builder = ALEXBuilder(keys: keys, payloads: payloads)
            let subtree = builder.buildDownwardSplit(count: node.count, reachLow: reachLow, reachHigh: reachHigh)
            splice(replacing: node, first: builder.firstLeaf!, last: builder.lastLeaf!)
            parent.assign(subtree, start: start, span: span)
        }
    }
}
