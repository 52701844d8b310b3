/// Growing the root for keys outside its model's range.
///
/// Invariant: the root never holds a key that its model clamps, except in a sliver
/// below `base` narrower than one slot that no expansion could cover. So widening the
/// root (keeping `base`'s phase and `shift`) never re-routes an existing key.
extension ALEXMap {
    /// Expands the (inner) root so that unsigned key `u` falls inside its model.
    func expandRootIfNeeded(for u: UInt64) {
        let root = unsafeDowncast(self.root, to: ALEXInnerNode.self)
        let width = UInt64(1) << UInt64(root.shift)
        if u < root.base {
            let available = Int(min(root.base >> UInt64(root.shift), UInt64(Int.max)))
            guard available > 0 else { return }  // the sliver below base: slot 0 takes it
            let distance = root.base - u
            let neededWide = (distance >> UInt64(root.shift)) + (distance & (width - 1) == 0 ? 0 : 1)
            let needed = Int(min(neededWide, UInt64(available)))
            if root.fanout + needed <= ALEXTuning.maximumFanout {
                let grow = min(available, max(needed, root.fanout), ALEXTuning.maximumFanout - root.fanout)
                let filler = ALEXDataNode()
                linkBefore(leftmostLeaf(), filler)
                root.prependSlots(grow, filler: filler)
                events.rootExpansionsInPlace += 1
            } else {
                addLevelOnLeft(above: root, for: u)
            }
        } else {
            let slot = (u - root.base) >> UInt64(root.shift)
            guard slot >= UInt64(root.fanout) else { return }
            let top = (UInt64.max - root.base) >> UInt64(root.shift)  // the largest slot any key can reach
            if slot < UInt64(ALEXTuning.maximumFanout) {
                let wanted = max(Int(slot) + 1, 2 * root.fanout)
                let grow = Int(min(UInt64(min(wanted, ALEXTuning.maximumFanout)), top == UInt64.max ? UInt64.max : top + 1))
                    - root.fanout
                let filler = ALEXDataNode()
                linkAfter(rightmostLeaf(), filler)
                root.appendSlots(grow, filler: filler)
                events.rootExpansionsInPlace += 1
            } else {
                addLevelOnRight(above: root, for: u)
            }
        }
    }

    /// A new root whose slot 0 is the old root and whose other slots reach `u`.
    private func addLevelOnRight(above old: ALEXInnerNode, for u: UInt64) {
        var shift = min(63, old.shift + ALEXKeySpace.ceilLog2(old.fanout))
        while shift < 63 && ((u - old.base) >> UInt64(shift)) >= UInt64(ALEXTuning.maximumFanout) { shift += 1 }
        let fanout = Int((u - old.base) >> UInt64(shift)) + 1
        guard fanout >= 2 else { return }
        let filler = ALEXDataNode()
        linkAfter(rightmostLeaf(), filler)
        let newRoot = ALEXInnerNode(base: old.base, shift: shift, fanout: fanout, filler: filler)
        newRoot.assign(filler, start: 1, span: fanout - 1)
        newRoot.assign(old, start: 0, span: 1)
        root = newRoot
        events.rootLevelsAdded += 1
    }

    /// A new root whose last slot is the old root and whose other slots reach down to `u`.
    private func addLevelOnLeft(above old: ALEXInnerNode, for u: UInt64) {
        var shift = min(63, old.shift + ALEXKeySpace.ceilLog2(old.fanout))
        func slotsBelow(_ shift: Int) -> UInt64 {
            let width = UInt64(1) << UInt64(shift)
            let distance = old.base - u
            let needed = (distance >> UInt64(shift)) + (distance & (width - 1) == 0 ? 0 : 1)
            return min(needed, old.base >> UInt64(shift))
        }
        while shift < 63 && slotsBelow(shift) + 1 > UInt64(ALEXTuning.maximumFanout) { shift += 1 }
        let below = Int(slotsBelow(shift))
        guard below >= 1 else { return }
        let filler = ALEXDataNode()
        linkBefore(leftmostLeaf(), filler)
        let base = old.base - (UInt64(below) << UInt64(shift))
        let newRoot = ALEXInnerNode(base: base, shift: shift, fanout: below + 1, filler: filler)
        newRoot.assign(filler, start: 0, span: below)
        newRoot.assign(old, start: below, span: 1)
        root = newRoot
        events.rootLevelsAdded += 1
    }

    func leftmostLeaf() -> ALEXDataNode { leaf(for: Int64.min) }
    func rightmostLeaf() -> ALEXDataNode { leaf(for: Int64.max) }

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
