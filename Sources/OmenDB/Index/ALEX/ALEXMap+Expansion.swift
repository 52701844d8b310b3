/// Growing inner nodes for keys outside their models' ranges.
///
/// Every inner node's model is fitted to the keys it was built from. A key that
/// falls outside it (but inside the range the node's parent routes to it) makes the
/// node expand first, so that no stored key is ever clamped by a model — the one
/// exception is a sliver below `base`, narrower than one slot, that no expansion can
/// cover; once a key lands there the node is marked `frozenBelowBase` and never
/// grows left again. Hence widening a node (keeping the phase of `base` and `shift`)
/// never re-routes a stored key.
///
/// Expansion is in place (more slots, growing geometrically, new slots pointing to
/// one new empty data node) up to the fanout limit; past it a new inner node is put
/// above the node, whose slots are each as wide as the node's whole range.
extension ALEXMap {
    /// The data node for `u`, or nil when an inner node on its path must expand first.
    @inline(__always)
    func leafIfCovered(_ u: UInt64) -> Unmanaged<ALEXDataNode>? {
        var node = Unmanaged.passUnretained(root)
        while true {
            let step: (child: Unmanaged<ALEXNode>?, covered: Bool) = node._withUnsafeGuaranteedRef { current in
                if current.isDataNode { return (nil, true) }
                if unsafeDowncast(current, to: ALEXInnerNode.self).needsExpansion(for: u) { return (nil, false) }
                return (ALEXInnerNode.childReference(current, u), true)
            }
            guard step.covered else { return nil }
            guard let child = step.child else { break }
            node = child
        }
        return unsafeBitCast(node, to: Unmanaged<ALEXDataNode>.self)
    }

    /// Expands the topmost inner node on `u`'s path that needs it (or marks it frozen
    /// when it cannot grow); returns after one change.
    func expandPath(for u: UInt64) {
        var node = root
        var parent: ALEXInnerNode?
        var reachLow: UInt64 = 0
        var reachHigh = UInt64.max
        while !node.isDataNode {
            let inner = unsafeDowncast(node, to: ALEXInnerNode.self)
            if inner.needsExpansion(for: u) {
                if u < inner.base {
                    expandLeft(inner, parent: parent, reachLow: reachLow, for: u)
                } else {
                    expandRight(inner, parent: parent, reachHigh: reachHigh, for: u)
                }
                return
            }
            let child = inner.child(for: u)
            let low = inner.lowerEdge(ofSlot: child.slotStart, reachLow: reachLow)
            reachHigh = max(low, inner.upperEdge(beforeSlot: child.slotStart + child.slotSpan, reachHigh: reachHigh))
            reachLow = low
            parent = inner
            node = child
        }
    }

    private func expandLeft(_ inner: ALEXInnerNode, parent: ALEXInnerNode?, reachLow: UInt64, for u: UInt64) {
        let shift = UInt64(inner.shift)
        let available = Int(min((inner.base - reachLow) >> shift, UInt64(ALEXTuning.maximumFanout)))
        guard available > 0 else {
            inner.frozenBelowBase = true  // the sliver below base: slot 0 takes such keys
            return
        }
        let distance = inner.base - u
        let neededWide = (distance >> shift) + (distance & ((1 << shift) - 1) == 0 ? 0 : 1)
        let needed = Int(min(neededWide, UInt64(available)))
        if inner.fanout + needed <= ALEXTuning.maximumFanout {
            let grow = min(available, max(needed, inner.fanout), ALEXTuning.maximumFanout - inner.fanout)
            let filler = ALEXDataNode()
            linkBefore(leaf(in: inner, for: 0), filler)
            inner.prependSlots(grow, filler: filler, retiringInto: graveyard)
            events.expansionsInPlace += 1
        } else if !addLevelOnLeft(above: inner, parent: parent, reachLow: reachLow, for: u) {
            inner.frozenBelowBase = true
        }
    }

    private func expandRight(_ inner: ALEXInnerNode, parent: ALEXInnerNode?, reachHigh: UInt64, for u: UInt64) {
        let shift = UInt64(inner.shift)
        let slot = (u - inner.base) >> shift
        let top = (reachHigh - inner.base) >> shift  // the last slot a routed key can reach
        if slot < UInt64(ALEXTuning.maximumFanout) {
            let wanted = UInt64(min(max(Int(slot) + 1, 2 * inner.fanout), ALEXTuning.maximumFanout))
            let fanout = Int(min(wanted, top == UInt64.max ? UInt64.max : top + 1))
            let filler = ALEXDataNode()
            linkAfter(leaf(in: inner, for: UInt64.max), filler)
            inner.appendSlots(fanout - inner.fanout, filler: filler, retiringInto: graveyard)
            events.expansionsInPlace += 1
        } else {
            addLevelOnRight(above: inner, parent: parent, for: u)
        }
    }

    /// Puts a new inner node above `old` (in its place) whose slot 0 is `old` and
    /// whose other slots reach `u`.
    private func addLevelOnRight(above old: ALEXInnerNode, parent: ALEXInnerNode?, for u: UInt64) {
        var shift = min(63, old.shift + ALEXKeySpace.ceilLog2(old.fanout))
        while shift < 63 && ((u - old.base) >> UInt64(shift)) >= UInt64(ALEXTuning.maximumFanout) { shift += 1 }
        let fanout = Int((u - old.base) >> UInt64(shift)) + 1
        precondition(fanout >= 2)
        let filler = ALEXDataNode()
        linkAfter(leaf(in: old, for: UInt64.max), filler)
        let level = ALEXInnerNode(base: old.base, shift: shift, fanout: fanout, filler: filler)
        level.frozenBelowBase = old.frozenBelowBase
        replace(old, by: level, parent: parent)
        level.assign(filler, start: 1, span: fanout - 1)
        level.assign(old, start: 0, span: 1)
        events.levelsAdded += 1
    }

    /// Puts a new inner node above `old` (in its place) whose last slot is `old` and
    /// whose other slots reach down towards `u`. False when no whole slot fits.
    private func addLevelOnLeft(above old: ALEXInnerNode, parent: ALEXInnerNode?, reachLow: UInt64, for u: UInt64) -> Bool {
        var shift = min(63, old.shift + ALEXKeySpace.ceilLog2(old.fanout))
        func slotsBelow(_ shift: Int) -> UInt64 {
            let distance = old.base - u
            let needed = (distance >> UInt64(shift)) + (distance & ((1 << UInt64(shift)) - 1) == 0 ? 0 : 1)
            return min(needed, (old.base - reachLow) >> UInt64(shift))
        }
        while shift < 63 && slotsBelow(shift) + 1 > UInt64(ALEXTuning.maximumFanout) { shift += 1 }
        let below = Int(slotsBelow(shift))
        guard below >= 1 else { return false }
        let filler = ALEXDataNode()
        linkBefore(leaf(in: old, for: 0), filler)
        let base = old.base - (UInt64(below) << UInt64(shift))
        let level = ALEXInnerNode(base: base, shift: shift, fanout: below + 1, filler: filler)
        replace(old, by: level, parent: parent)
        level.assign(filler, start: 0, span: below)
        level.assign(old, start: below, span: 1)
        events.levelsAdded += 1
        return true
    }

    /// Puts `replacement` where `old` is (the root, or `old`'s slot group in `parent`).
    private func replace(_ old: ALEXNode, by replacement: ALEXNode, parent: ALEXInnerNode?) {
        graveyard?.bury(old)
        if let parent {
            parent.assign(replacement, start: old.slotStart, span: old.slotSpan)
        } else {
            root = replacement
        }
    }

    /// The data node of `node`'s subtree that `u` routes to.
    func leaf(in node: ALEXNode, for u: UInt64) -> ALEXDataNode {
        var node = node
        while !node.isDataNode { node = unsafeDowncast(node, to: ALEXInnerNode.self).child(for: u) }
        return unsafeDowncast(node, to: ALEXDataNode.self)
    }

    func leftmostLeaf() -> ALEXDataNode { leaf(in: root, for: 0) }
    func rightmostLeaf() -> ALEXDataNode { leaf(in: root, for: UInt64.max) }

    private func linkAfter(_ anchor: ALEXDataNode, _ node: ALEXDataNode) {
        node.previous = anchor
        node.next = anchor.next
        anchor.next?.previous = node
        anchor.next = node
    }

    private func linkBefore(_ anchor: ALEXDataNode, _ node: ALEXDataNode) {
        node.next = anchor
        node.previous = anchor.previous
        anchor.previous?.next = node
        anchor.previous = node
    }
}
