extension ALEXMap {
    /// Checks every structural invariant; returns a description of the first
    /// violation, or nil. O(n). For tests and debugging.
    ///
    /// Checked: child slot groups match the child arrays; each data node's bitmap
    /// count, sorted raw key array and gap fill policy; every key routes to the data
    /// node holding it; the leaf chain visits the data nodes in tree order; keys
    /// strictly increase across the whole map; `count` matches.
    public func verifyStructure() -> String? {
        var leaves: [ALEXDataNode] = []
        var problem: String?
        func visit(_ node: ALEXNode) {
            guard problem == nil else { return }
            if node.isDataNode {
                leaves.append(unsafeDowncast(node, to: ALEXDataNode.self))
                return
            }
            let inner = unsafeDowncast(node, to: ALEXInnerNode.self)
            var slot = 0
            while slot < inner.fanout {
                let child = inner.children[slot]
                if child.slotStart != slot || child.slotSpan < 1 || slot + child.slotSpan > inner.fanout {
                    problem = "child at slot \(slot) records group \(child.slotStart)+\(child.slotSpan)"
                    return
                }
                for s in slot..<(slot + child.slotSpan) where inner.children[s] !== child {
                    problem = "slot \(s) does not point to the child of group \(slot)+\(child.slotSpan)"
                    return
                }
                visit(child)
                slot += child.slotSpan
            }
        }
        visit(root)
        if let problem { return problem }
        var total = 0
        var previousKey: Int64?
        for (index, leaf) in leaves.enumerated() {
            if index > 0 && leaf.previous !== leaves[index - 1] { return "leaf \(index): broken previous link" }
            if index + 1 < leaves.count && leaf.next !== leaves[index + 1] { return "leaf \(index): broken next link" }
            if let problem = verify(leaf, previousKey: &previousKey) { return "leaf \(index): \(problem)" }
            total += leaf.count
        }
        if leaves.first?.previous != nil || leaves.last?.next != nil { return "leaf chain has dangling ends" }
        if total != count { return "count is \(count) but the data nodes hold \(total)" }
        return nil
    }

    private func verify(_ leaf: ALEXDataNode, previousKey: inout Int64?) -> String? {
        var occupied = 0
        var fill = Int64.max
        var slot = leaf.capacity - 1
        let firstReal = leaf.nextOccupied(from: 0)
        while slot >= 0 {
            if leaf.isOccupied(slot) {
                occupied += 1
                fill = leaf.keys[slot]
            } else if leaf.keys[slot] != fill && !(slot < firstReal && leaf.keys[slot] == Int64.min) {
                return "gap \(slot) holds \(leaf.keys[slot]), expected \(fill)"
            }
            if slot > 0 && leaf.keys[slot - 1] > leaf.keys[slot] { return "raw keys not sorted at \(slot)" }
            slot -= 1
        }
        if occupied != leaf.count { return "bitmap has \(occupied) entries, count is \(leaf.count)" }
        if leaf.count >= leaf.capacity { return "no free slot" }
        slot = leaf.nextOccupied(from: 0)
        while slot < leaf.capacity {
            let key = leaf.keys[slot]
            if let previousKey, key <= previousKey { return "key \(key) after \(previousKey)" }
            previousKey = key
            if self.leaf(for: key) !== leaf { return "key \(key) does not route to its data node" }
            if leaf.slot(of: key) != slot { return "key \(key) at slot \(slot) is not found there" }
            slot = leaf.nextOccupied(from: slot + 1)
        }
        return nil
    }
}
