/// Memory a concurrent-read map (`ALEXMap(concurrentReads: true)`) no longer uses but
/// a reader may still be looking at: replaced nodes and their old arrays. Kept until
/// the map itself is freed, which happens only after every reader left (the hot tier
/// that owns the map is released through the reader-epoch scheme).
///
/// Cost: the old arrays of expanded nodes (a geometric series: at most about the live
/// size of the map) and the node objects split away. Only the writer touches it.
final class ALEXGraveyard {
    private var nodes: [ALEXNode] = []
    private var buffers: [UnsafeMutableRawPointer] = []
    private(set) var bytes = 0

    deinit {
        for buffer in buffers { buffer.deallocate() }
    }

    /// Keeps `node` alive (it is being unlinked from the tree).
    func bury(_ node: ALEXNode) { nodes.append(node) }

    /// Takes ownership of an array the tree stopped using (instead of deallocating it).
    func bury<T>(_ buffer: UnsafeMutablePointer<T>, count: Int) {
        buffers.append(UnsafeMutableRawPointer(buffer))
        bytes += count * MemoryLayout<T>.stride
    }
}
