import COmenDBShim

/// The catalog of table views and the visible sequence number that readers start from,
/// published for lock-free reads (docs/transactions.md, "Readers and writers"). The
/// default table's view has a word of its own, so that its reads take the same path
/// as before tables existed (no lookup by table id).
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
    /// Word 0: the default table's view (unretained: the catalog owns it); word 1:
    /// visible sequence; word 2: the catalog (`Unmanaged` retained by the cell). A
    /// cache line of its own.
    private let cell: UnsafeMutablePointer<UInt64>
    /// Replaced catalogs with the epoch they were unpublished at.
    private let retired = RankedMutex(rank: .retiredViews, [(catalog: Unmanaged<CatalogView>, epoch: UInt64)]())

    init(catalog: CatalogView, sequence: UInt64) {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: 128, alignment: 128)
        cell = raw.bindMemory(to: UInt64.self, capacity: 16)
        cell.initialize(repeating: 0, count: 16)
        cell[0] = UInt64(UInt(bitPattern: Unmanaged.passUnretained(catalog.defaultView).toOpaque()))
        cell[1] = sequence
        cell[2] = UInt64(UInt(bitPattern: Unmanaged.passRetained(catalog).toOpaque()))
    }

    deinit {
        // No reader can be inside: each holds a reference to the database that owns this.
        Unmanaged<CatalogView>.fromOpaque(UnsafeRawPointer(bitPattern: UInt(cell[2]))!).release()
        retired.withLock { list in
            for entry in list { entry.catalog.release() }
            list.removeAll()
        }
        cell.deallocate()
    }

    /// Calls `body` with the default table's current view and the visible sequence,
    /// lock-free. The view is borrowed for the call: `body` must retain it to keep it.
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

    /// Calls `body` with the current catalog and the visible sequence (at least the
    /// catalog's floor), lock-free; the catalog is borrowed for the call.
    @inline(__always)
    func readCatalog<T, E: Error>(_ body: (CatalogView, UInt64) throws(E) -> T) throws(E) -> T {
        let slot = odb_shim_reader_enter()
        defer { odb_shim_reader_exit(slot) }
        var bits = odb_shim_load_acquire_u64(cell + 2)
        var sequence: UInt64
        while true {
            sequence = odb_shim_load_acquire_u64(cell + 1)
            let again = odb_shim_load_acquire_u64(cell + 2)
            if again == bits { break }
            bits = again
        }
        let catalog = Unmanaged<CatalogView>.fromOpaque(UnsafeRawPointer(bitPattern: UInt(bits)).unsafelyUnwrapped)
        return try catalog.withBorrowed { (catalog) throws(E) -> T in try body(catalog, max(sequence, catalog.floor)) }
    }

    /// Calls `body` with table `id`'s current view (nil: no such table) and the
    /// visible sequence (at least the catalog's floor), lock-free; the view is borrowed.
    @inline(__always)
    func read<T, E: Error>(table id: UInt32, _ body: (StorageView?, UInt64) throws(E) -> T) throws(E) -> T {
        try readCatalog { (catalog, sequence) throws(E) -> T in
            try catalog.withView(id) { (view) throws(E) -> T in try body(view, sequence) }
        }
    }

    /// Makes `sequence` visible (the caller holds the view lock: sequences only grow).
    @inline(__always)
    func publish(sequence: UInt64) {
        odb_shim_store_release_u64(cell + 1, sequence)
    }

    /// Publishes `catalog` (the caller holds the view lock); the old one is retired.
    func publish(catalog: CatalogView) {
        let old = Unmanaged<CatalogView>.fromOpaque(UnsafeRawPointer(bitPattern: UInt(cell[2]))!)
        odb_shim_store_release_u64(cell + 2, UInt64(UInt(bitPattern: Unmanaged.passRetained(catalog).toOpaque())))
        odb_shim_store_release_u64(cell, UInt64(UInt(bitPattern: Unmanaged.passUnretained(catalog.defaultView).toOpaque())))
        let epoch = odb_shim_epoch_advance()
        retired.withLock { $0.append((old, epoch)) }
        reclaim()
    }

    /// Releases the retired catalogs no reader can still be using.
    func reclaim() {
        let reclaimable = retired.withLock { list -> [Unmanaged<CatalogView>] in
            guard !list.isEmpty else { return [] }
            let oldest = odb_shim_reader_oldest_epoch()
            let done = list.filter { $0.epoch < oldest }.map(\.catalog)
            list.removeAll { $0.epoch < oldest }
            return done
        }
        // Outside the lock: a view's last release may close and unlink run files.
        for catalog in reclaimable { catalog.release() }
    }
}
