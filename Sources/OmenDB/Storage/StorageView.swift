/// The tiers a reader searches, newest first: the active hot tier, frozen hot tiers
/// waiting for their flush, then the runs. Immutable; replaced as a whole (published
/// through `PublishedView`) when a tier is frozen, flushed or compacted.
final class StorageView {
    let active: HotTier
    /// Frozen hot tiers, newest first.
    let frozen: [HotTier]
    /// Runs, newest first.
    let runs: [RunFile]
    /// The oldest sequence this view can be read at: a bulk load's run holds the
    /// commit `floor`, which runs (having no per-read sequence filter) show to every
    /// reader of the view, so readers of it read at `floor` or later.
    let floor: UInt64

    /// The tiers again, newest first and unretained (the arrays above own them), so that
    /// a lookup walks them without reference counting: a retain per tier per read would
    /// be a store to a line every reader shares.
    private let searchOrder: UnsafeMutableBufferPointer<Unmanaged<HotTier>>
    private let runOrder: UnsafeMutableBufferPointer<Unmanaged<RunFile>>

    /// Whether any tier holds a range tombstone: point reads check this one flag and take
    /// the plain path when it is false (docs/storage.md, "Range tombstones").
    let hasRangeTombstones: Bool
    /// The hot tiers' range tombstones as they were when the view was built (a range
    /// delete publishes a new view), parallel to `searchOrder`; the runs' parallel to
    /// `runOrder`. Unretained; `tombstoneOwners` owns them.
    private let hotTombstones: UnsafeMutableBufferPointer<Unmanaged<RangeTombstoneList>?>
    private let runTombstones: UnsafeMutableBufferPointer<Unmanaged<RangeTombstoneList>?>
    private let tombstoneOwners: [RangeTombstoneList]
    /// The newest tier (index in search order: hot tiers, then runs) holding a range tombstone.
    let newestTombstoneTier: Int

    init(active: HotTier, frozen: [HotTier], runs: [RunFile], floor: UInt64 = 0) {
        self.active = active
        self.frozen = frozen
        self.runs = runs
        self.floor = floor
        searchOrder = .allocate(capacity: 1 + frozen.count)
        _ = searchOrder.initialize(from: ([active] + frozen).map { Unmanaged.passUnretained($0) })
        runOrder = .allocate(capacity: runs.count)
        _ = runOrder.initialize(from: runs.map { Unmanaged.passUnretained($0) })
        let hot = ([active] + frozen).map(\.rangeTombstoneList)
        let run = runs.map(\.rangeTombstones)
        hotTombstones = .allocate(capacity: hot.count)
        _ = hotTombstones.initialize(from: hot.map { $0.map { Unmanaged.passUnretained($0) } })
        runTombstones = .allocate(capacity: run.count)
        _ = runTombstones.initialize(from: run.map { $0.map { Unmanaged.passUnretained($0) } })
        tombstoneOwners = (hot + run).compactMap { $0 }
        hasRangeTombstones = !tombstoneOwners.isEmpty
        newestTombstoneTier = (hot + run).firstIndex { $0 != nil } ?? Int.max
    }

    deinit {
        searchOrder.deallocate()
        runOrder.deallocate()
        hotTombstones.deallocate()
        runTombstones.deallocate()
    }

    /// Number of hot tiers (the first tiers of the search order).
    var hotTierCount: Int { searchOrder.count }

    /// A range tombstone that deletes the version of `key` found in `tier` (search order),
    /// `version` being its sequence (0 for a run's), for a reader at `sequence`: one of a
    /// newer tier visible at `sequence`, or of hot tier `tier` itself newer than the
    /// version. Returns the tombstone's tier and range (every version of its keys in
    /// older tiers is deleted too: iterators skip them), or nil.
    func covering(_ key: Int64, tier: Int, version: UInt64, at sequence: UInt64) -> (tier: Int, range: ClosedRange<Int64>)? {
        guard tier >= newestTombstoneTier else { return nil }
        for i in newestTombstoneTier...tier {
            if i < hotTombstones.count {
                guard let list = hotTombstones[i] else { continue }
                let above = i == tier ? version : 0
                if let range = list._withUnsafeGuaranteedRef({ $0.covering(key, above: above, atOrBelow: sequence) }) {
                    return (i, range)
                }
            } else if i < tier, let list = runTombstones[i - hotTombstones.count] {
                if let range = list._withUnsafeGuaranteedRef({ $0.covering(key, above: 0, atOrBelow: .max) }) { return (i, range) }
            }
        }
        return nil
    }

    /// Where a key's visible version was found.
    enum Lookup {
        case absent
        case deleted
        case value(UnsafeRawBufferPointer)
    }

    /// The newest version of `key` visible at `sequence`.
    /// - Throws: `.corruption` when the value's run bytes fail their checksum.
    @inline(__always)
    func lookup(_ key: Int64, at sequence: UInt64) throws(OmenError) -> Lookup {
        switch try locate(key, at: sequence) {
        case .absent: return .absent
        case .deleted: return .deleted
        case .hot(let value): return .value(value)
        case .run(let run, let position): return .value(try run.withBorrowed { (run) throws(OmenError) in try run.value(position) })
        }
    }

    /// Where `locate` found a key's visible version.
    private enum Location {
        case absent
        case deleted
        case hot(UnsafeRawBufferPointer)
        case run(Unmanaged<RunFile>, Int)
    }

    /// The search itself, without reading a run's value (the value check follows in
    /// `lookup`). Throws only when a run's key column block fails its checksum on first touch.
    @inline(__always)
    private func locate(_ key: Int64, at sequence: UInt64) throws(OmenError) -> Location {
        if hasRangeTombstones { return try locateUnderTombstones(key, at: sequence) }
        for tier in searchOrder {
            // A tier that never held a version (the usual active tier after a flush or a
            // bulk load) is skipped with one load: its versions, if any appear now, are
            // newer than `sequence` (applied before they are published).
            let found = tier._withUnsafeGuaranteedRef { tier -> HotRecord? in
                tier.isEmpty ? nil : tier.find(key, at: sequence)
            }
            if let record = found { return record.isTombstone ? .deleted : .hot(record.value) }
        }
        // Every run but the oldest is asked first through its key filter, once built
        // (`RunFilter`): most keys a newer run is asked for are not in it.
        let newer = runOrder.count &- 1
        for (i, run) in runOrder.enumerated() {
            let found: Location? = try run._withUnsafeGuaranteedRef { file -> Result<Location?, OmenError> in
                do throws(OmenError) {
                    if i < newer, let filter = file.filterCell.filter, !filter.mayContain(key) { return .success(nil) }
                    guard let position = try file.position(of: key) else { return .success(nil) }
                    return .success(file.isTombstone(position) ? .deleted : .run(run, position))
                } catch {
                    return .failure(error)
                }
            }.get()
            if let found { return found }
        }
        return .absent
    }

    /// `locate` when some tier holds range tombstones. A hot tier's tombstone visible at
    /// `sequence` hides the tier's older versions of the keys it covers and every version
    /// in older tiers; a run's tombstones hide versions in older runs only (a flush drops
    /// the entries of its tier that the tier's own tombstones cover, and compaction keeps
    /// it so). Everything in a run is visible to every reader of a view holding it.
    @inline(never)
    private func locateUnderTombstones(_ key: Int64, at sequence: UInt64) throws(OmenError) -> Location {
        for (i, tier) in searchOrder.enumerated() {
            let hidden = hotTombstones[i]?._withUnsafeGuaranteedRef { $0.newestCovering(key, atOrBelow: sequence) } ?? 0
            let found = tier._withUnsafeGuaranteedRef { tier -> HotRecord? in
                tier.isEmpty ? nil : tier.find(key, at: sequence)
            }
            if let record = found, record.sequence >= hidden { return record.isTombstone ? .deleted : .hot(record.value) }
            if hidden > 0 { return .deleted }
        }
        let newer = runOrder.count &- 1
        for (i, run) in runOrder.enumerated() {
            let position: Int? = try run._withUnsafeGuaranteedRef { file -> Result<Int?, OmenError> in
                do throws(OmenError) {
                    if i < newer, let filter = file.filterCell.filter, !filter.mayContain(key) { return .success(nil) }
                    return .success(try file.position(of: key))
                } catch {
                    return .failure(error)
                }
            }.get()
            if let position {
                return run._withUnsafeGuaranteedRef { $0.isTombstone(position) } ? .deleted : .run(run, position)
            }
            if let list = runTombstones[i], list._withUnsafeGuaranteedRef({ $0.covers(key) }) { return .deleted }
        }
        return .absent
    }
}

/// A consistent read view of every table: a sequence number and the tiers that hold
/// every version up to it. Holding it keeps those tiers' memory and mappings alive, so
/// values returned from it (zero-copy) stay valid until it is released.
public final class Snapshot {
    /// Every table's view at the snapshot (a table created later is not in it).
    let catalog: CatalogView
    /// The default table's view.
    let view: StorageView
    public let sequence: UInt64
    /// Where this snapshot's sequence is registered while it lives (version GC, stats).
    private let pins: SequencePins
    /// The database the snapshot was taken of (`Database.instance`), to check tables against.
    private let owner: UInt64
    private let directory: String

    init(catalog: CatalogView, sequence: UInt64, pins: SequencePins, owner: UInt64, directory: String) {
        self.catalog = catalog
        self.view = catalog.defaultView
        self.sequence = sequence
        self.pins = pins
        self.owner = owner
        self.directory = directory
        pins.pin(sequence)
    }

    deinit { pins.unpin(sequence) }

    /// The value of `key` at this snapshot, borrowed from engine memory (valid while
    /// the snapshot lives), or nil when absent or deleted.
    /// - Throws: `.corruption` (naming file and offset) when the value's bytes are damaged.
    @inline(__always)
    public func get(_ key: Int64) throws(OmenError) -> UnsafeRawBufferPointer? {
        switch try view.lookup(key, at: sequence) {
        case .value(let value): return value
        case .absent, .deleted: return nil
        }
    }

    /// An iterator over this snapshot.
    public func makeIterator() -> StorageIterator { StorageIterator(snapshot: self) }

    // MARK: Tables

    /// `table`'s view at this snapshot.
    /// - Throws: `.misuse` for a table of another database, `.notFound` for a table
    ///   dropped before the snapshot was taken (one created after it reads as empty).
    func view(of table: Table) throws(OmenError) -> StorageView {
        guard table.owner == owner else {
            throw OmenError(.misuse, "\(table.described) belongs to another database than '\(directory)'")
        }
        if table.id == 0 { return view }
        return try Self.view(of: table, in: catalog, directory: directory)
    }

    /// `table`'s view in `catalog`: an empty view for a table created after it (it
    /// held nothing then).
    /// - Throws: `.notFound` for a table dropped before it.
    static func view(of table: Table, in catalog: CatalogView, directory: String) throws(OmenError) -> StorageView {
        // Ids are given in increasing order: one past the catalog's slots is a later table's.
        guard Int(table.id) < catalog.views.count else { return StorageView(active: HotTier(), frozen: [], runs: []) }
        guard let found = catalog.views[Int(table.id)] else {
            throw OmenError(.notFound, "\(table.described) of database '\(directory)' was dropped")
        }
        return found
    }

    /// The value of `key` in `table` at this snapshot (borrowed, as `get(_:)`), or nil.
    public func get(_ key: Int64, table: Table) throws(OmenError) -> UnsafeRawBufferPointer? {
        switch try view(of: table).lookup(key, at: sequence) {
        case .value(let value): return value
        case .absent, .deleted: return nil
        }
    }

    /// An iterator over `table` at this snapshot. For a table not in it (or of another
    /// database), its first seek throws (`.notFound`, `.misuse`).
    public func makeIterator(table: Table) -> StorageIterator { StorageIterator(snapshot: self, table: table) }
}
