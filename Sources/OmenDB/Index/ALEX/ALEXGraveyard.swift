import COmenDBShim

/// Memory a concurrent-read map (`ALEXMap(concurrentReads: true)`) stopped using but a
/// reader may still be looking at: replaced nodes and the old arrays of expanded ones.
///
/// Freed through the reader epochs (docs/transactions.md, "Readers and writers"):
/// what a structural change buried is sealed with the epoch it ended at, and freed
/// once every thread inside a read section entered after that (readers of a hot tier
/// are always inside one: `HotTier.find` and `collect` enter it). Until then it is
/// counted in `bytes`. Only the writer touches the graveyard.
final class ALEXGraveyard {
    private struct Plot {
        var nodes: [ALEXNode] = []
        var buffers: [UnsafeMutableRawPointer] = []
        var bytes = 0
    }

    // Stored properties marked @exclusivity(unchecked) skip Swift's dynamic exclusivity
    // checks on this hot path (docs/performance.md, "Exclusivity checks").
    @exclusivity(unchecked) private var open = Plot()
    @exclusivity(unchecked) private var sealed: [(epoch: UInt64, plot: Plot)] = []
    /// Bytes buried and not yet freed.
    @exclusivity(unchecked) private(set) var bytes = 0

    deinit {
        free(open)
        for entry in sealed { free(entry.plot) }
    }

    /// Keeps `node` alive (it is being unlinked from the tree).
    func bury(_ node: ALEXNode) { open.nodes.append(node) }

    /// Takes ownership of an array the tree stopped using (instead of deallocating it).
    func bury<T>(_ buffer: UnsafeMutablePointer<T>, count: Int) {
        open.buffers.append(UnsafeMutableRawPointer(buffer))
        open.bytes += count * MemoryLayout<T>.stride
        bytes += count * MemoryLayout<T>.stride
    }

    /// Ends a structural change: what it buried is unreachable for readers that start
    /// from now on.
    func seal() {
        guard !open.nodes.isEmpty || !open.buffers.isEmpty else { return }
        sealed.append((odb_shim_epoch_advance(), open))
        open = Plot()
    }

    /// Frees what no reader can still be using.
    func reclaim() {
        guard !sealed.isEmpty else { return }
        let oldest = odb_shim_reader_oldest_epoch()
        var kept = 0
        for entry in sealed {
            if entry.epoch < oldest { free(entry.plot) } else { sealed[kept] = entry; kept += 1 }
        }
        sealed.removeLast(sealed.count - kept)
    }

    private func free(_ plot: Plot) {
        for buffer in plot.buffers { buffer.deallocate() }
        bytes -= plot.bytes
    }
}
