/// The tiers a reader searches, newest first: the active hot tier, frozen hot tiers
/// waiting for their flush, then the runs. Immutable; replaced as a whole (under the
/// database's view lock) when a tier is frozen, flushed or compacted.
final class StorageView {
    let active: HotTier
    /// Frozen hot tiers, newest first.
    let frozen: [HotTier]
    /// Runs, newest first.
    let runs: [RunFile]

    init(active: HotTier, frozen: [HotTier], runs: [RunFile]) {
        self.active = active
        self.frozen = frozen
        self.runs = runs
    }

    /// Where a key's visible version was found.
    enum Lookup {
        case absent
        case deleted
        case value(UnsafeRawBufferPointer)
    }

    /// The newest version of `key` visible at `sequence`; `searchActive` false skips
    /// the active tier (known to hold nothing visible at `sequence`).
    /// - Throws: `.corruption` when the value's run bytes fail their checksum.
    @inline(__always)
    func lookup(_ key: Int64, at sequence: UInt64, searchActive: Bool = true) throws(OmenError) -> Lookup {
        switch locate(key, at: sequence, searchActive: searchActive) {
        case .absent: return .absent
        case .deleted: return .deleted
        case .hot(let value): return .value(value)
        case .run(let run, let position): return .value(try run.value(position))
        }
    }

    /// Where `locate` found a key's visible version.
    private enum Location {
        case absent
        case deleted
        case hot(UnsafeRawBufferPointer)
        case run(RunFile, Int)
    }

    /// The search itself, without reading a run's value: no throwing inside the loops
    /// over the tiers keeps the run lookups inlined (the value check follows in `lookup`).
    @inline(__always)
    private func locate(_ key: Int64, at sequence: UInt64, searchActive: Bool) -> Location {
        if searchActive, let record = active.find(key, at: sequence) {
            return record.isTombstone ? .deleted : .hot(record.value)
        }
        for tier in frozen {
            if let record = tier.find(key, at: sequence) {
                return record.isTombstone ? .deleted : .hot(record.value)
            }
        }
        for run in runs {
            if let position = run.position(of: key) {
                return run.isTombstone(position) ? .deleted : .run(run, position)
            }
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
    /// False when the view's active tier held no version visible at `sequence` when the
    /// snapshot was taken (so it never will: later writes get larger sequence numbers).
    let searchActive: Bool

    init(view: StorageView, sequence: UInt64, searchActive: Bool = true) {
        self.view = view
        self.sequence = sequence
        self.searchActive = searchActive
    }

    /// The value of `key` at this snapshot, borrowed from engine memory (valid while
    /// the snapshot lives), or nil when absent or deleted.
    /// - Throws: `.corruption` (naming file and offset) when the value's bytes are damaged.
    @inline(__always)
    public func get(_ key: Int64) throws(OmenError) -> UnsafeRawBufferPointer? {
        switch try view.lookup(key, at: sequence, searchActive: searchActive) {
        case .value(let value): return value
        case .absent, .deleted: return nil
        }
    }

    /// An iterator over this snapshot.
    public func makeIterator() -> StorageIterator { StorageIterator(snapshot: self) }
}
