/// An ordered cursor over a snapshot: merges the hot tiers and runs, the newest
/// version of each key winning, deletions hidden; forward and reverse; optional
/// bounds `[lower, upper)`. Entries are borrowed from the snapshot (valid while the
/// iterator's snapshot lives). Not thread-safe: one thread at a time.
///
/// Moving forward through a stretch of keys that only one run holds (every scan of a
/// database whose data sits in one run, and most steps when a hot tier holds a few
/// keys of the range) walks that run's key column directly: no merge per entry.
///
/// Every move checks the value it lands on: a damaged run value throws `.corruption`
/// (naming file and offset) and leaves the iterator invalid until the next seek.
public final class StorageIterator {
    // Stored properties marked @exclusivity(unchecked) skip Swift's dynamic exclusivity
    // checks on this hot path (docs/performance.md, "Exclusivity checks").
    @exclusivity(unchecked) public private(set) var snapshot: Snapshot
    /// The table iterated, and its view in `snapshot` (an empty view when `failure`).
    private let table: Table?
    @exclusivity(unchecked) private var view: StorageView
    /// Why the table cannot be read (dropped, another database's): every seek throws it.
    @exclusivity(unchecked) private var failure: OmenError?
    /// The database `refresh` takes a new snapshot of (nil: a fixed snapshot).
    private let database: Database?
    /// Sources of the non-empty hot tiers, newest first.
    @exclusivity(unchecked) private var hotSources: [HotSource] = []
    /// Whether `hotSources` includes the view's active tier (left out while empty).
    @exclusivity(unchecked) private var readsActiveTier = false
    /// Runs' positions, in memory owned by the iterator (mutated in place on every step:
    /// no array uniqueness checks or retains on the scan path).
    @exclusivity(unchecked) private var runSources = UnsafeMutableBufferPointer<RunSource>(start: nil, count: 0)
    @exclusivity(unchecked) private var lower = Int64.min
    @exclusivity(unchecked) private var upper: Int64?
    @exclusivity(unchecked) private var movingForward = true
    @exclusivity(unchecked) public private(set) var isValid = false
    @exclusivity(unchecked) public private(set) var key: Int64 = 0
    @exclusivity(unchecked) public private(set) var value = UnsafeRawBufferPointer(start: nil, count: 0)

    // The single-run walk (see the type's comment): while `soloIndex >= 0`, the iterator
    // is valid, moving forward, at `soloColumns.keys[soloPosition]` of run source
    // `soloIndex` (whose own `position` is stale until the walk ends), and no other source
    // holds a key below `soloLimit` (nor does the upper bound allow one).
    @exclusivity(unchecked) private var soloIndex = -1
    @exclusivity(unchecked) private var soloPosition = 0
    @exclusivity(unchecked) private var soloLimit = Int64.min
    @exclusivity(unchecked) private var soloColumns: RunColumns?

    /// The view holds range tombstones: each entry is checked against them.
    @exclusivity(unchecked) private var underRangeTombstones = false
    /// The range tombstone (tier, range) that deleted the key `takeNewest` last refused.
    @exclusivity(unchecked) private var coveredBy: (tier: Int, range: ClosedRange<Int64>)?
    /// Keys only (`Snapshot.count`): values are neither read nor checked; `value` is empty.
    private let keysOnly: Bool

    init(snapshot: Snapshot, table: Table? = nil, database: Database? = nil, keysOnly: Bool = false) {
        self.snapshot = snapshot
        self.table = table
        self.database = database
        self.keysOnly = keysOnly
        (view, failure) = Self.view(of: table, in: snapshot)
        makeSources(view)
    }

    /// `table`'s view in `snapshot` (the default table's when nil), or an empty view and the reason.
    private static func view(of table: Table?, in snapshot: Snapshot) -> (StorageView, OmenError?) {
        guard let table else { return (snapshot.view, nil) }
        do throws(OmenError) {
            return (try snapshot.view(of: table), nil)
        } catch {
            return (StorageView(active: HotTier(), frozen: [], runs: []), error)
        }
    }

    deinit { releaseSources() }

    private func makeSources(_ view: StorageView) {
        underRangeTombstones = view.hasRangeTombstones
        readsActiveTier = !view.active.isEmpty
        if readsActiveTier { hotSources.append(HotSource(tier: view.active, index: 0)) }
        for (i, tier) in view.frozen.enumerated() where !tier.isEmpty { hotSources.append(HotSource(tier: tier, index: 1 + i)) }
        runSources = .allocate(capacity: view.runs.count)
        for (i, run) in view.runs.enumerated() { (runSources.baseAddress! + i).initialize(to: RunSource(run: run)) }
    }

    private func releaseSources() {
        for source in hotSources { source.release() }
        hotSources.removeAll()
        _ = runSources.deinitialize()
        runSources.deallocate()
    }

    /// Rebinds the iterator to the current state of the database it was made from
    /// (`Database.makeIterator`), like a fresh iterator but cheaper: the tiers' sources
    /// are kept when the tiers did not change, and the snapshot itself when nothing was
    /// committed since. Bounds are kept; the iterator is invalid until the next seek.
    /// Entries borrowed before the call may become invalid (the old snapshot is released).
    /// - Throws: `.misuse` for an iterator over a fixed snapshot, or when the database
    ///   is closed.
    public func refresh() throws(OmenError) {
        guard let database else {
            throw OmenError(.misuse, "the iterator reads a fixed snapshot; only an iterator over a database's current state can refresh")
        }
        let fresh = try database.snapshot(reusing: snapshot)
        isValid = false
        soloIndex = -1
        guard fresh !== snapshot else { return }
        let (freshView, freshFailure) = Self.view(of: table, in: fresh)
        if freshView !== view {
            releaseSources()
            makeSources(freshView)
        } else if !readsActiveTier && !freshView.active.isEmpty {
            // The same tiers, but the active one received its first writes.
            hotSources.insert(HotSource(tier: freshView.active, index: 0), at: 0)
            readsActiveTier = true
        }
        snapshot = fresh
        view = freshView
        failure = freshFailure
    }

    /// Restricts the iterator to keys in `[lower, upper)` (nil upper: no upper bound).
    /// The iterator becomes invalid until the next seek.
    public func setBounds(lower: Int64, upper: Int64?) {
        self.lower = lower
        self.upper = upper
        isValid = false
        soloIndex = -1
    }

    /// Positions at the first key >= `target` (within the bounds).
    public func seek(_ target: Int64) throws(OmenError) {
        soloIndex = -1
        if let failure { isValid = false; throw failure }
        let start = max(target, lower)
        if let upper, start >= upper { isValid = false; return }
        movingForward = true
        for i in hotSources.indices { hotSources[i].seek(start) }
        for i in runSources.indices { runSources[i].seek(start) }
        try pickForward()
    }

    /// Positions at the last key <= `target` (within the bounds).
    public func seekForPrevious(_ target: Int64) throws(OmenError) {
        soloIndex = -1
        if let failure { isValid = false; throw failure }
        var start = target
        if let upper {
            if upper == Int64.min { isValid = false; return }
            start = min(start, upper - 1)
        }
        if start < lower { isValid = false; return }
        movingForward = false
        for i in hotSources.indices { hotSources[i].seekForPrevious(start) }
        for i in runSources.indices { runSources[i].seekForPrevious(start) }
        try pickBackward()
    }

    public func seekFirst() throws(OmenError) { try seek(lower) }
    public func seekLast() throws(OmenError) { try seekForPrevious(upper == nil ? Int64.max : upper! &- 1) }

    @inline(__always)
    public func next() throws(OmenError) {
        if soloIndex >= 0 { try nextInSolo(); return }
        guard isValid else { return }
        if !movingForward {
            if key == Int64.max { isValid = false; return }
            try seek(key + 1)
            return
        }
        advanceSources(at: key)
        try pickForward()
    }

    /// `next` on the single-run walk: the run's next live entry below `soloLimit`, or,
    /// past it, back to the merge.
    @inline(__always)
    private func nextInSolo() throws(OmenError) {
        let run = soloColumns.unsafelyUnwrapped
        var position = soloPosition
        while true {
            position &+= 1
            guard position < run.count else { break }
            let candidate = run.keys[position]
            guard candidate < soloLimit else { break }
            if run.isTombstone(position) { continue }
            soloPosition = position
            key = candidate
            if keysOnly { return }
            let found = run.uncheckedValue(position)
            if !run.isVerified(found) { try checkBlocks(found, soloIndex) }
            value = found
            return
        }
        // Leave the walk: the run source resumes at `position` (its first key not taken).
        let index = soloIndex
        soloIndex = -1
        runSources[index].position = min(position, run.count)
        runSources[index].settle()
        try pickForward()
    }

    /// `OrderedCursor.borrowEntries` (StorageIteratorBatch.swift) with the single-run walk
    /// done in place: the entries of a stretch only one run holds are handed out straight
    /// from its columns, the iterator's position written once per stretch.
    public func borrowEntries(forward: Bool, maxEntries: Int, keys: UnsafeMutablePointer<Int64>?,
                              values: UnsafeMutablePointer<UnsafeRawPointer?>,
                              lengths: UnsafeMutablePointer<Int>) throws(OmenError) -> Int {
        var count = 0
        while count < maxEntries && isValid {
            keys?[count] = key
            values[count] = value.baseAddress ?? emptyBorrowedValue
            lengths[count] = value.count
            count += 1
            if forward && soloIndex >= 0 && count < maxEntries {
                let run = soloColumns.unsafelyUnwrapped
                let limit = soloLimit
                var position = soloPosition
                var last = position
                if !run.hasTombstones && run.fixedValueSize >= 0 {
                    // Every entry is live and a value's place follows from its position: hand
                    // out the whole stretch below `limit` once its heap span is verified.
                    let first = position &+ 1
                    var stop = min(run.count, first &+ (maxEntries &- count))
                    if stop > first && run.keys[stop &- 1] >= limit { stop = Self.lowerBound(run.keys, first, stop, limit) }
                    let size = run.fixedValueSize
                    let span = UnsafeRawBufferPointer(start: run.heap + first &* size, count: (stop &- first) &* size)
                    if stop > first && run.isVerified(span) {
                        for p in first..<stop {
                            keys?[count] = run.keys[p]
                            values[count] = run.heap + p &* size
                            lengths[count] = size
                            count &+= 1
                        }
                        position = stop &- 1
                        last = position
                    }
                }
                while count < maxEntries {
                    position &+= 1
                    guard position < run.count else { break }
                    let candidate = run.keys[position]
                    guard candidate < limit else { break }
                    if run.isTombstone(position) { continue }
                    let found = run.uncheckedValue(position)
                    if !run.isVerified(found) { try checkBlocks(found, soloIndex) }
                    keys?[count] = candidate
                    values[count] = found.baseAddress ?? emptyBorrowedValue
                    lengths[count] = found.count
                    count += 1
                    last = position
                }
                if last != soloPosition {
                    soloPosition = last
                    key = run.keys[last]
                    value = run.uncheckedValue(last)
                }
            }
            if forward { try next() } else { try previous() }
        }
        return count
    }

    /// The first index in `keys[low..<high]` whose key is >= `target` (sorted keys).
    private static func lowerBound(_ keys: UnsafePointer<Int64>, _ low: Int, _ high: Int, _ target: Int64) -> Int {
        var low = low, high = high
        while low < high {
            let middle = (low &+ high) >> 1
            if keys[middle] < target { low = middle &+ 1 } else { high = middle }
        }
        return low
    }

    /// Starts the single-run walk when exactly one source holds the current key and it
    /// is a run (called after the merge landed on a key, moving forward).
    private func enterSolo() {
        var limit = upper ?? Int64.max
        for source in hotSources where source.isValid {
            if source.key == key { return }
            limit = min(limit, source.key)
        }
        var holder = -1
        for i in runSources.indices where runSources[i].isValid {
            let k = runSources[i].key
            if k == key {
                if holder >= 0 { return }
                holder = i
            } else {
                limit = min(limit, k)
            }
        }
        // The walk hands out the run's entries unchecked: no newer tier may hold a range
        // tombstone (the run's own hide only older runs).
        guard holder >= 0, !underRangeTombstones || view.hotTierCount + holder <= view.newestTombstoneTier else { return }
        soloIndex = holder
        soloPosition = runSources[holder].position
        soloLimit = limit
        soloColumns = runSources[holder].columns
    }

    public func previous() throws(OmenError) {
        guard isValid else { return }
        soloIndex = -1
        if movingForward {
            if key == Int64.min { isValid = false; return }
            try seekForPrevious(key - 1)
            return
        }
        retreatSources(at: key)
        try pickBackward()
    }

    /// Run source `index`'s value at `position`, checked (first touch of its heap blocks);
    /// on damage the iterator becomes invalid and the error is thrown.
    @inline(__always)
    private func checkedValue(_ index: Int, _ position: Int) throws(OmenError) -> UnsafeRawBufferPointer {
        let columns = runSources[index].columns
        let value = columns.uncheckedValue(position)
        if !columns.isVerified(value) { try checkBlocks(value, index) }
        return value
    }

    @inline(never)
    private func checkBlocks(_ value: UnsafeRawBufferPointer, _ index: Int) throws(OmenError) {
        do throws(OmenError) {
            try runSources[index].run.blockChecks!.check(value)
        } catch {
            isValid = false
            soloIndex = -1
            throw error
        }
    }

    private func advanceSources(at current: Int64) {
        for i in hotSources.indices where hotSources[i].isValid && hotSources[i].key == current { hotSources[i].next() }
        for i in runSources.indices where runSources[i].isValid && runSources[i].key == current { runSources[i].next() }
    }

    private func retreatSources(at current: Int64) {
        for i in hotSources.indices where hotSources[i].isValid && hotSources[i].key == current { hotSources[i].previous() }
        for i in runSources.indices where runSources[i].isValid && runSources[i].key == current { runSources[i].previous() }
    }

    /// The smallest (forward) or largest key among the sources, or nil.
    private func extremeKey(smallest: Bool) -> Int64? {
        var best: Int64?
        for source in hotSources where source.isValid {
            if best == nil || (smallest ? source.key < best! : source.key > best!) { best = source.key }
        }
        for source in runSources where source.isValid {
            if best == nil || (smallest ? source.key < best! : source.key > best!) { best = source.key }
        }
        return best
    }

    /// Sets the current entry from the newest source holding `candidate`; false for a
    /// tombstone (point, or a range tombstone of a newer tier covering the version).
    private func takeNewest(_ candidate: Int64) throws(OmenError) -> Bool {
        for i in hotSources.indices where hotSources[i].isValid && hotSources[i].key == candidate {
            guard let record = hotSources[i].visibleRecord(at: snapshot.sequence) else {
                // Only versions newer than the snapshot: this tier does not hold the key.
                hotSources[i].skip()
                continue
            }
            if record.isTombstone { return false }
            if underRangeTombstones,
               let cover = view.covering(candidate, tier: hotSources[i].tierIndex, version: record.sequence, at: snapshot.sequence) {
                coveredBy = cover
                return false
            }
            key = candidate
            value = keysOnly ? UnsafeRawBufferPointer(start: nil, count: 0) : record.value
            return true
        }
        for i in runSources.indices where runSources[i].isValid && runSources[i].key == candidate {
            if runSources[i].columns.isTombstone(runSources[i].position) { return false }
            if underRangeTombstones,
               let cover = view.covering(candidate, tier: view.hotTierCount + i, version: 0, at: snapshot.sequence) {
                coveredBy = cover
                return false
            }
            key = candidate
            value = keysOnly ? UnsafeRawBufferPointer(start: nil, count: 0) : try checkedValue(i, runSources[i].position)
            return true
        }
        return false
    }

    private func pickForward() throws(OmenError) {
        while let candidate = extremeKey(smallest: true) {
            if let upper, candidate >= upper { break }
            if try takeNewest(candidate) {
                isValid = true
                enterSolo()
                return
            }
            advanceSources(at: candidate)
            if let cover = coveredBy { skipCovered(cover, forward: true) }
        }
        isValid = false
    }

    private func pickBackward() throws(OmenError) {
        while let candidate = extremeKey(smallest: false) {
            if candidate < lower { break }
            if try takeNewest(candidate) { isValid = true; return }
            retreatSources(at: candidate)
            if let cover = coveredBy { skipCovered(cover, forward: false) }
        }
        isValid = false
    }

    /// After a key found deleted by range tombstone `cover`: moves every source of a tier
    /// older than the tombstone's past the rest of its range (all their versions there
    /// are deleted), so a scan crosses a deleted range in one seek per source instead of
    /// one step per key. Sources of the tombstone's tier and newer ones step on as usual.
    private func skipCovered(_ cover: (tier: Int, range: ClosedRange<Int64>), forward: Bool) {
        coveredBy = nil
        let hotCount = view.hotTierCount
        for i in hotSources.indices where hotSources[i].isValid && hotSources[i].tierIndex > cover.tier {
            let key = hotSources[i].key
            if forward && key <= cover.range.upperBound {
                if cover.range.upperBound == Int64.max { hotSources[i].isValid = false } else { hotSources[i].seek(cover.range.upperBound + 1) }
            } else if !forward && key >= cover.range.lowerBound {
                if cover.range.lowerBound == Int64.min { hotSources[i].isValid = false } else { hotSources[i].seekForPrevious(cover.range.lowerBound - 1) }
            }
        }
        for i in runSources.indices where runSources[i].isValid && hotCount + i > cover.tier {
            let key = runSources[i].key
            if forward && key <= cover.range.upperBound {
                if cover.range.upperBound == Int64.max { runSources[i].isValid = false } else { runSources[i].seek(cover.range.upperBound + 1) }
            } else if !forward && key >= cover.range.lowerBound {
                if cover.range.lowerBound == Int64.min { runSources[i].isValid = false } else { runSources[i].seekForPrevious(cover.range.lowerBound - 1) }
            }
        }
    }
}

/// A position in one hot tier.
///
/// Reads the tier lock-free in batches: `HotTier.collect` copies up to `batchSize`
/// (after a seek `firstBatchSize`) consecutive keys with their newest records (a
/// consistent copy even while a writer inserts), and steps run over the copy. Records
/// never move, so a copied record stays valid; keys inserted after the copy was taken
/// carry newer sequence numbers than the snapshot, so the snapshot would not show them
/// anyway.
///
/// The source stands at every copied key, whether or not a version of it is visible at
/// the snapshot: the record (a cache miss in the tier's arena) is read only when the
/// merge reaches the key (`visibleRecord`), never for keys past the end of a scan.
private struct HotSource {
    static let batchSize = 64
    /// The tier's index in the view's search order.
    let tierIndex: Int
    /// A seek copies fewer keys: a short scan over mostly-run data needs a few hot keys
    /// at most, and a long one gets full batches from the second copy on.
    static let firstBatchSize = 8
    let tier: HotTier
    /// The current batch: `keys[0..<count]`, `records[0..<count]`, in the direction of travel.
    private let keys: UnsafeMutablePointer<Int64>
    private let records: UnsafeMutablePointer<UInt64>
    private var count = 0
    /// How many keys the last copy asked for (fewer came: the tier ended there).
    private var requested = 0
    private var index = 0
    private var forward = true
    var isValid = false
    var key: Int64 = 0

    init(tier: HotTier, index: Int) {
        self.tier = tier
        tierIndex = index
        let memory = UnsafeMutableRawPointer.allocate(byteCount: 16 * Self.batchSize, alignment: 8)
        keys = memory.bindMemory(to: Int64.self, capacity: Self.batchSize)
        records = (memory + 8 * Self.batchSize).bindMemory(to: UInt64.self, capacity: Self.batchSize)
    }

    /// Frees the batch buffers (the owning iterator's deinit).
    func release() {
        UnsafeMutableRawPointer(keys).deallocate()
    }

    /// The current key's newest version visible at `sequence`, or nil when every
    /// version of it is newer (the merge then `skip`s the key). Valid sources only.
    func visibleRecord(at sequence: UInt64) -> HotRecord? {
        HotRecord(payload: records[index])?.visible(at: sequence)
    }

    mutating func seek(_ target: Int64) { fill(from: target, forward: true) }
    mutating func seekForPrevious(_ target: Int64) { fill(from: target, forward: false) }

    mutating func next() {
        guard isValid else { return }
        if !forward { if key == Int64.max { isValid = false } else { seek(key + 1) }; return }
        skip()
    }

    mutating func previous() {
        guard isValid else { return }
        if forward { if key == Int64.min { isValid = false } else { seekForPrevious(key - 1) }; return }
        skip()
    }

    /// Moves to the following copied key in the direction of travel.
    mutating func skip() {
        index += 1
        let ahead = index + Self.prefetchDistance - 1
        if ahead < count { prefetchRecords(ahead..<ahead + 1) }
        settle()
    }

    private mutating func fill(from target: Int64, forward: Bool) {
        self.forward = forward
        requested = Self.firstBatchSize
        count = tier.collect(from: target, forward: forward, limit: requested, keys: keys, records: records)
        index = 0
        prefetchRecords(0..<count)
        settle()
    }

    /// How many copied keys ahead of the current one have their records prefetched.
    static let prefetchDistance = 8

    /// Starts loading the records of copied keys `range`: the merge reads the record of
    /// every key it reaches, each a miss somewhere in the tier's arena, and loaded ahead
    /// (while the other sources seek and the run entries between are handed out) the
    /// misses overlap instead of following one another.
    private func prefetchRecords(_ range: Range<Int>) {
        for i in range {
            if let record = UnsafeRawPointer(bitPattern: UInt(records[i])) { odb_prefetch(record) }
        }
    }

    /// Stands at the copied key `index`, copying the next batch when this one ran out.
    private mutating func settle() {
        if index == count {
            // A short batch was the end of the tier.
            let last = count > 0 ? keys[count - 1] : 0
            guard count == requested, count > 0, forward ? last != Int64.max : last != Int64.min else {
                isValid = false
                return
            }
            requested = Self.batchSize
            count = tier.collect(from: forward ? last + 1 : last - 1, forward: forward, limit: requested,
                                 keys: keys, records: records)
            index = 0
            guard count > 0 else { isValid = false; return }
            prefetchRecords(0..<min(count, Self.prefetchDistance))
        }
        isValid = true
        key = keys[index]
    }
}

/// A position in one run.
private struct RunSource {
    // While valid, `key == run.keys[position]` (except during `StorageIterator`'s
    // single-run walk, which updates the source when it leaves).
    let run: RunFile
    let columns: RunColumns
    var position = 0
    var isValid = false
    var key: Int64 = 0

    init(run: RunFile) {
        self.run = run
        columns = run.columns
    }

    mutating func settle() {
        isValid = position >= 0 && position < run.count
        if isValid { key = run.keys[position] }
    }

    mutating func seek(_ target: Int64) {
        position = run.lowerBound(target)
        settle()
        // The merge reads this entry's value next: start loading it while the other runs seek.
        if isValid && columns.fixedValueSize > 0 { odb_prefetch(columns.heap + position &* columns.fixedValueSize) }
    }

    mutating func seekForPrevious(_ target: Int64) {
        let p = run.lowerBound(target)
        position = p < run.count && run.keys[p] == target ? p : p - 1
        settle()
    }

    mutating func next() { position += 1; settle() }
    mutating func previous() { position -= 1; settle() }
}
