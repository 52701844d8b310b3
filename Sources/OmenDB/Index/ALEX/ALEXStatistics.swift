/// A snapshot of an ALEX map's shape and memory.
public struct ALEXStatistics: Sendable, Equatable {
    /// Keys stored.
    public var count: Int
    /// Nodes on the longest root-to-data-node path (1 for a lone data node).
    public var maximumDepth: Int
    public var innerNodeCount: Int
    public var dataNodeCount: Int
    /// Bytes of structure: node objects, child arrays, key/payload arrays, bitmaps.
    public var sizeInBytes: Int
    /// `sizeInBytes / count` (0 when empty).
    public var bytesPerKey: Double {
        count == 0 ? 0 : Double(sizeInBytes) / Double(count)
    }
}

extension ALEXMap {
    /// Shape and memory, by a walk over every node (O(nodes)).
    public var statistics: ALEXStatistics {
        var statistics = ALEXStatistics(count: count, maximumDepth: 0, innerNodeCount: 0, dataNodeCount: 0, sizeInBytes: 64)
        func visit(_ node: ALEXNode, depth: Int) {
            statistics.maximumDepth = max(statistics.maximumDepth, depth)
            if node.isDataNode {
                statistics.dataNodeCount += 1
                statistics.sizeInBytes += unsafeDowncast(node, to: ALEXDataNode.self).sizeInBytes
            } else {
                let inner = unsafeDowncast(node, to: ALEXInnerNode.self)
                statistics.innerNodeCount += 1
                statistics.sizeInBytes += inner.sizeInBytes
                inner.forEachChild { visit($0, depth: depth + 1) }
            }
        }
        visit(root, depth: 1)
        return statistics
    }

    /// Bytes of structure (models, arrays, bitmaps): see `statistics`.
    public var sizeInBytes: Int { statistics.sizeInBytes }

    /// Nodes on the longest root-to-data-node path.
    public var maximumDepth: Int { statistics.maximumDepth }
}

/// Counts of the structural changes an ALEX map went through.
public struct ALEXEvents: Sendable, Equatable {
    public var expansions = 0
    public var shrinks = 0
    /// Pairs of underfull sibling data nodes merged into one.
    public var merges = 0
    public var sidewaysSplits = 0
    public var downwardSplits = 0
    public var parentDoublings = 0
    public var rootSplits = 0
    /// Inner nodes widened in place for keys outside their models.
    public var expansionsInPlace = 0
    /// Inner nodes added above a node that could not widen further.
    public var levelsAdded = 0
    public init() {}
}
