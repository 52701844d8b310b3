/// Every table's tiers at one moment: the `StorageView` of each live table (indexed by
/// table id; nil for ids of dropped tables), the hot tiers frozen together waiting for
/// their flush, and the logs holding the active tiers' records. Immutable; replaced as a
/// whole (published through `PublishedView`) when a table's view changes, a table is
/// created or dropped, or the tiers are frozen or flushed.
final class CatalogView {
    /// Views by table id (0: the default table, always present).
    let views: [StorageView?]
    /// Table names by id ("" for the default table and dropped ids).
    let names: [String]
    /// The views again, unretained (`views` owns them), for lock-free reads by id
    /// without reference counting.
    private let slots: UnsafeMutableBufferPointer<Unmanaged<StorageView>?>
    /// Frozen generations, newest first: the active tiers frozen at one time (those that
    /// held something) and the logs that held their records. A table's view lists its
    /// tiers of these generations as its `frozen` tiers, in the same order.
    let generations: [FrozenGeneration]
    /// The logs holding the active tiers' records (oldest first).
    let activeLogs: [UInt64]
    /// The largest `floor` of the views: a snapshot of all tables reads at it or later.
    let floor: UInt64

    init(views: [StorageView?], names: [String], generations: [FrozenGeneration], activeLogs: [UInt64]) {
        self.views = views
        self.names = names
        self.generations = generations
        self.activeLogs = activeLogs
        slots = .allocate(capacity: views.count)
        _ = slots.initialize(from: views.map { $0.map { Unmanaged.passUnretained($0) } })
        floor = views.reduce(0) { max($0, $1?.floor ?? 0) }
    }

    deinit { slots.deallocate() }

    /// The default table's view.
    var defaultView: StorageView { views[0]! }

    /// The view of table `id` borrowed for the call (nil: no such table).
    @inline(__always)
    func withView<T, E: Error>(_ id: UInt32, _ body: (StorageView?) throws(E) -> T) throws(E) -> T {
        let index = Int(id)
        guard index < slots.count, let slot = slots[index] else { return try body(nil) }
        return try slot.withBorrowed { (view) throws(E) -> T in try body(view) }
    }

    /// The view of table `id` (retained), or nil.
    func view(_ id: UInt32) -> StorageView? {
        Int(id) < views.count ? views[Int(id)] : nil
    }

    /// The ids of the live tables, ascending.
    var tableIDs: [UInt32] { views.indices.filter { views[$0] != nil }.map { UInt32($0) } }

    /// A copy with table `id`'s view replaced (`nil`: the table dropped).
    func replacing(_ id: UInt32, with view: StorageView?) -> CatalogView {
        replacing(id, with: view, name: names[Int(id)])
    }

    /// A copy with table `id`'s view and name replaced (a table created or dropped).
    func replacing(_ id: UInt32, with view: StorageView?, name: String) -> CatalogView {
        var views = self.views
        var names = self.names
        if Int(id) >= views.count {
            views += [StorageView?](repeating: nil, count: Int(id) + 1 - views.count)
            names += [String](repeating: "", count: Int(id) + 1 - names.count)
        }
        views[Int(id)] = view
        names[Int(id)] = name
        return CatalogView(views: views, names: names, generations: generations, activeLogs: activeLogs)
    }

    /// A copy with the views, generations and active logs replaced (names kept).
    func replacing(views: [StorageView?], generations: [FrozenGeneration], activeLogs: [UInt64]) -> CatalogView {
        CatalogView(views: views, names: names, generations: generations, activeLogs: activeLogs)
    }

    /// Every log a reader of this catalog may need: the frozen generations', oldest first, then the active ones.
    var liveLogs: [UInt64] { generations.reversed().flatMap(\.logs) + activeLogs }
}

/// Active hot tiers frozen together (`Database.freezeActiveTiers`): flushed together,
/// after which their logs are retired.
struct FrozenGeneration {
    /// The logs that held the tiers' records.
    let logs: [UInt64]
    /// The last sequence number given out when it was frozen: the logs hold no later
    /// record (they may hold records of tables dropped since, which no tier holds).
    let lastSequence: UInt64
    /// The tiers that held something, with their table ids.
    let tiers: [(table: UInt32, tier: HotTier)]
}
