import COmenDBShim

/// The view and visible sequence number that readers start from, published for
/// lock-free reads (docs/transactions.md, "Readers and writers").
///
/// Readers (`read`) enter a reader-epoch section (one store to the thread's own slot),
/// load the view pointer and the sequence with acquire loads and use the view
/// through `Unmanaged`: no lock, no reference count, no store to a shared line. The
/// view is loaded again after the sequence; if it changed meanwhile, the pair is read
/// again, so every reader gets a sequence and the view that was current when that
/// sequence was visible (a flushed run never shows a reader versions newer than its
/// sequence). A view published together with a new sequence (a bulk load) carries
/// it as its `floor`.
///
/// Writers (`publish`) hold the database's view lock. A replaced view keeps the
/// reference the cell held until every reader that might have loaded it has left its
/// section (`retired`, `reclaim`).
final class PublishedView {
    /// Word 0: the view (`Unmanaged` retained by the cell); word 1: visible sequence.
    /// A cache line of its own.
    private let cell: UnsafeMutablePointer<UInt64>
    /// Replaced views with the epoch they were unpublished at.
    private let retired = RankedMutex(rank: .retiredViews, [(view: Unmanaged<StorageView>, epoch: UInt64)]())

    init(view: StorageView, sequence: UInt64) {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: 128, alignment: 128)
        cell = raw.bindMemory(to: UInt64.self, capacity: 16)
        cell.initialize(repeating: 0, count: 16)
        cell[0] = UInt64(UInt(bitPattern: Unmanaged.passRetained(view).toOpaque()))
        cell[1] = sequence
    }

    deinit {
        // No reader can be inside: each holds a reference to the database that owns this.
        Unmanaged<StorageView>.fromOpaque(UnsafeRawPointer(bitPattern: UInt(cell[0]))!).release()
        retired.withLock { list in
            for entry in list { entry.view.release() }
            list.removeAll()
        }
        cell.deallocate()
    }

    /// Calls `body` with the current view and visible sequence, lock-free. The view is
    /// borrowed for the call: `body` must retain it (e.g. in a `Snapshot`) to keep it.
    @inline(__always)
    func read<T, E: Error>(_ body: (StorageView, UInt64) throws(E) -> T) throws(E) -> T {
        let slot = odb_shim_reader_enter()
        defer { odb_shim_reader_exit(slot) }
        var bits = odb_shim_load_acquire_u64(cell)
        var sequence: UInt64
        while true {
            sequence = odb_shim_load_acquire_u64(cell + 1)
            let again = odb_shim_load_acquire_u64(cell)
            if again == bits { break }
            bits = again
        }
        let view = Unmanaged<StorageView>.fromOpaque(UnsafeRawPointer(bitPattern: UInt(bits)).unsafelyUnwrapped)
        return try view.withBorrowed { (view) throws(E) -> T in try body(view, max(sequence, view.floor)) }
    }

    /// Makes `sequence` visible (the caller holds the view lock: sequences only grow).
    @inline(__always)
    func publish(sequence: UInt64) {
        odb_shim_store_release_u64(cell + 1, sequence)
    }

    /// Publishes `view` (the caller holds the view lock); the old one is retired.
    func publish(view: StorageView) {
        let old = Unmanaged<StorageView>.fromOpaque(UnsafeRawPointer(bitPattern: UInt(cell[0]))!)
        odb_shim_store_release_u64(cell, UInt64(UInt(bitPattern: Unmanaged.passRetained(view).toOpaque())))
        let epoch = odb_shim_epoch_advance()
        retired.withLock { $0.append((old, epoch)) }
        reclaim()
    }

    /// Releases the retired views no reader can still be using.
    func reclaim() {
        let reclaimable = retired.withLock { list -> [Unmanaged<StorageView>] in
            guard !list.isEmpty else { return [] }
            let oldest = odb_shim_reader_oldest_epoch()
            let done = list.filter { $0.epoch < oldest }.map(\.view)
            list.removeAll { $0.epoch < oldest }
            return done
        }
        // Outside the lock: a view's last release may close and unlink run files.
        for view in reclaimable { view.release() }
    }
}
