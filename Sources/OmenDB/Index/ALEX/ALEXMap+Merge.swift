/// Merging underfull data nodes after removals.
///
/// A data node that removals left with fewer than `ALEXTuning.mergeThresholdKeys`
/// keys merges with an adjacent sibling (same parent, neighbouring slot group) when
/// the two together stay small. An inner node left with a single child spanning all
/// its slots is replaced by that child, so deletions also give depth back.
extension ALEXMap {
    /// Merges `node` (which owns `key`) with a small sibling, if it has one.
    func mergeIfUnderfull(_ node: ALEXDataNode, key: Int64) {
        let limit = ALEXTuning.targetLeafKeys
        guard node.count < ALEXTuning.mergeThresholdKeys else { return }
        // Cheap pre-check on the leaf chain before finding the parent.
        let previousFits = node.previous.map { $0.count + node.count <= limit } ?? false
        let nextFits = node.next.map { $0.count + node.count <= limit } ?? false
        guard previousFits || nextFits else { return }
        let path = path(to: key)
        guard let parent = path.parent else { return }
        var left: ALEXDataNode?
        var right: ALEXDataNode?
        if previousFits, node.slotStart > 0, parent.children[node.slotStart - 1] === node.previous {
            (left, right) = (node.previous, node)
        } else if nextFits, node.slotStart + node.slotSpan < parent.fanout,
                  parent.children[node.slotStart + node.slotSpan] === node.next {
            (left, right) = (node, node.next)
        }
        guard let left, let right else { return }
        merge(left, right, parent: parent, grandparent: path.inners.dropLast().last)
    }

    private func merge(_ left: ALEXDataNode, _ right: ALEXDataNode, parent: ALEXInnerNode, grandparent: ALEXInnerNode?) {
        let n = left.count + right.count
        let keys = UnsafeMutablePointer<Int64>.allocate(capacity: max(1, n))
        let payloads = UnsafeMutablePointer<UInt64>.allocate(capacity: max(1, n))
        defer {
            keys.deallocate()
            payloads.deallocate()
        }
        left.copyEntries(keys: keys, payloads: payloads)
        right.copyEntries(keys: keys + left.count, payloads: payloads + left.count)
        let merged = ALEXDataNode(keys: keys, payloads: payloads, count: n)
        merged.previous = left.previous
        merged.next = right.next
        left.previous?.next = merged
        right.next?.previous = merged
        let start = left.slotStart
        let span = left.slotSpan + right.slotSpan
        parent.assign(merged, start: start, span: span)
        events.merges += 1
        guard span == parent.fanout else { return }
        // The parent now routes everything to one data node: put the node in its place.
        if let grandparent {
            grandparent.assign(merged, start: parent.slotStart, span: parent.slotSpan)
        } else if parent === root {
            root = merged
        }
    }
}
