/// Builds ALEX subtrees from sorted, distinct keys: for bulk loading, for the
/// first split of a root data node, and for downward splits.
///
/// An inner node's slot width is chosen from the data (about a quarter of a target
/// data node's keys per slot on average), its fanout from the range it must cover,
/// and consecutive slots are grouped into data nodes of about `leafTarget` keys; a
/// single slot holding too many keys becomes a child inner node of its own.
struct ALEXBuilder {
    let keys: UnsafePointer<Int64>
    let payloads: UnsafePointer<UInt64>
    /// Data nodes in key order: the new leaf chain (linked as they are built).
    private(set) var firstLeaf: ALEXDataNode?
    private(set) var lastLeaf: ALEXDataNode?

    init(keys: UnsafePointer<Int64>, payloads: UnsafePointer<UInt64>) {
        self.keys = keys
        self.payloads = payloads
    }

    /// A whole tree's root over keys[0..<count]: a data node when small, else an
    /// inner node (its edge children also take every key beyond the keys' range).
    mutating func buildRoot(count: Int) -> ALEXNode {
        if count <= ALEXTuning.maximumBulkLeafKeys { return leaf(0..<count) }
        return inner(0..<count, reachLow: 0, reachHigh: UInt64.max, leafTarget: ALEXTuning.targetLeafKeys)
    }

    /// The replacement of a data node that must split downward: an inner node over its
    /// keys, whose edge children also take the rest of `reachLow...reachHigh` (the
    /// range the parent routes to the node).
    mutating func buildDownwardSplit(count: Int, reachLow: UInt64, reachHigh: UInt64) -> ALEXNode {
        let leafTarget = max(16, min(ALEXTuning.targetLeafKeys, count / 4))
        return inner(0..<count, reachLow: reachLow, reachHigh: reachHigh, leafTarget: leafTarget)
    }

    /// A data node over keys[range], appended to the leaf chain.
    mutating func leaf(_ range: Range<Int>, layout: ALEXDataNode.Layout = .spread) -> ALEXDataNode {
        let node = ALEXDataNode(keys: keys + range.lowerBound, payloads: payloads + range.lowerBound,
                                count: range.count, layout: layout)
        if let lastLeaf {
            lastLeaf.next = node
            node.previous = lastLeaf
        } else {
            firstLeaf = node
        }
        lastLeaf = node
        return node
    }

    /// The shift and fanout of an inner node over keys spanning `keyLow...keyHigh`,
    /// for `count` keys and data nodes of about `leafTarget` keys.
    static func layout(count: Int, keyLow: UInt64, keyHigh: UInt64, leafTarget: Int) -> (shift: Int, fanout: Int) {
        let desiredSlots = UInt64(max(2, min(ALEXTuning.maximumFanout, 4 * count / max(1, leafTarget))))
        let width = max(1, (keyHigh - keyLow) / desiredSlots)
        var shift = 63 - width.leadingZeroBitCount
        let domainSpan = keyHigh - keyLow
        while shift < 63 && (domainSpan >> UInt64(shift)) >= UInt64(ALEXTuning.maximumFanout) { shift += 1 }
        while shift > 0 && (domainSpan >> UInt64(shift)) < 1 { shift -= 1 }
        return (shift, Int(domainSpan >> UInt64(shift)) + 1)
    }

    /// The layout for keys[range]: starting from `layout`'s, up to three finer ones
    /// (4x slots each) are tried when skewed data would leave many keys in slots too
    /// full for one data node (each such slot costs another level). The fanout stays
    /// below half the key count (at most 4 bytes of pointers per key).
    private func refinedLayout(_ range: Range<Int>, keyLow: UInt64, keyHigh: UInt64,
                               leafTarget: Int) -> (shift: Int, fanout: Int) {
        var best = ALEXBuilder.layout(count: range.count, keyLow: keyLow, keyHigh: keyHigh, leafTarget: leafTarget)
        let maximumLeaf = max(2 * leafTarget, 2)
        var bestOverflow = overflow(range, keyLow: keyLow, shift: best.shift, maximumLeaf: maximumLeaf)
        let fanoutLimit = min(ALEXTuning.maximumFanout, max(64, range.count / 2))
        var shift = best.shift
        for _ in 0..<3 where bestOverflow > range.count / 8 && shift >= 2 {
            shift -= 2
            let fanout = Int((keyHigh - keyLow) >> UInt64(shift)) + 1
            if fanout > fanoutLimit { break }
            let candidate = overflow(range, keyLow: keyLow, shift: shift, maximumLeaf: maximumLeaf)
            if candidate < bestOverflow * 3 / 4 {
                best = (shift, fanout)
                bestOverflow = candidate
            }
        }
        return best
    }

    /// How many keys of keys[range] fall in slots (of width 2^shift from keyLow) that
    /// hold more than `maximumLeaf` keys.
    private func overflow(_ range: Range<Int>, keyLow: UInt64, shift: Int, maximumLeaf: Int) -> Int {
        var total = 0
        var runStart = range.lowerBound
        var runSlot = UInt64(0)
        for i in range {
            let slot = (ALEXKeySpace.unsigned(keys[i]) - keyLow) >> UInt64(shift)
            if slot != runSlot {
                if i - runStart > maximumLeaf { total += i - runStart }
                runStart = i
                runSlot = slot
            }
        }
        if range.upperBound - runStart > maximumLeaf { total += range.upperBound - runStart }
        return total
    }

    /// One group of consecutive slots and the keys routed to them.
    private struct SlotGroup {
        var start: Int
        var end: Int
        var keys: Range<Int>
        var needsInnerNode: Bool
    }

    /// An inner node whose model covers exactly the keys of keys[range] (at least two)
    /// and whose edge children also take the rest of `reachLow...reachHigh`.
    private mutating func inner(_ range: Range<Int>, reachLow: UInt64, reachHigh: UInt64, leafTarget: Int) -> ALEXNode {
        let keyLow = ALEXKeySpace.unsigned(keys[range.lowerBound])
        let keyHigh = ALEXKeySpace.unsigned(keys[range.upperBound - 1])
        let (shift, fanout) = refinedLayout(range, keyLow: keyLow, keyHigh: keyHigh, leafTarget: leafTarget)
        let placeholder = ALEXDataNode()
        let node = ALEXInnerNode(base: keyLow, shift: shift, fanout: fanout, filler: placeholder)
        let groups = group(range, in: node, leafTarget: leafTarget)
        for group in groups {
            let child: ALEXNode
            if group.needsInnerNode {
                let low = node.lowerEdge(ofSlot: group.start, reachLow: reachLow)
                let high = node.upperEdge(beforeSlot: group.end, reachHigh: reachHigh)
                child = inner(group.keys, reachLow: low, reachHigh: high, leafTarget: leafTarget)
            } else {
                child = leaf(group.keys)
            }
            node.assign(child, start: group.start, span: group.end - group.start)
        }
        return node
    }

    /// Splits keys[range] into slot groups of about `leafTarget` keys.
    private func group(_ range: Range<Int>, in node: ALEXInnerNode, leafTarget: Int) -> [SlotGroup] {
        let maximumLeaf = max(2 * leafTarget, 2)
        var groups: [SlotGroup] = []
        var groupStart = 0
        var groupKeys = range.lowerBound
        var i = range.lowerBound
        while i < range.upperBound {
            let slot = node.slot(for: ALEXKeySpace.unsigned(keys[i]))
            var j = i + 1
            while j < range.upperBound && node.slot(for: ALEXKeySpace.unsigned(keys[j])) == slot { j += 1 }
            let run = j - i
            if run > maximumLeaf {
                // Too many keys for one data node: this slot alone gets a child inner
                // node (over a strictly narrower range, so the recursion ends).
                if groupStart < slot {
                    groups.append(SlotGroup(start: groupStart, end: slot, keys: groupKeys..<i, needsInnerNode: false))
                }
                groups.append(SlotGroup(start: slot, end: slot + 1, keys: i..<j, needsInnerNode: true))
                groupStart = slot + 1
                groupKeys = j
            } else if groupKeys < i && (i - groupKeys) + run > leafTarget {
                groups.append(SlotGroup(start: groupStart, end: slot, keys: groupKeys..<i, needsInnerNode: false))
                groupStart = slot
                groupKeys = i
            }
            i = j
        }
        if groupStart < node.fanout {
            if groupKeys == range.upperBound, let last = groups.last, !last.needsInnerNode {
                groups[groups.count - 1].end = node.fanout  // trailing empty slots join the last data node
            } else {
                groups.append(SlotGroup(start: groupStart, end: node.fanout, keys: groupKeys..<range.upperBound,
                                        needsInnerNode: false))
            }
        }
        return groups
    }
}
