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

    init(active: HotTier, frozen: [HotTier], runs: [RunFile], floor: UInt64 = 0) {
        self.active = active
        self.frozen = frozen
        self.runs = runs
        self.floor = floor
        searchOrder = .allocate(capacity: 1 + frozen.count)
        _ = searchOrder.initialize(from: ([active] + frozen).map { Unmanaged.passUnretained($0) })
        runOrder = .allocate(capacity: runs.count)
        _ = runOrder.initialize(from: runs.map { Unmanaged.passUnretained($0) })
    }

    deinit {
        searchOrder.deallocate()
        runOrder.deallocate()
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
}

/// A consistent read view: a sequence number and the tiers that hold every version up
/// to it. Holding it keeps those tiers' memory and mappings alive, so values returned
/// from it (zero-copy) stay valid until it is released.
public final class Snapshot {
    let view: StorageView
    public let sequence: UInt64
    /// Where this snapshot's sequence is registered while it lives (version GC, stats).
    private let pins: SequencePins

    init(view: StorageView, sequence: UInt64, pins: SequencePins) {
        self.view = view
        self.sequence = sequence
        self.pins = pins
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
}
