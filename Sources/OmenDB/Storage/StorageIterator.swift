/// An ordered cursor over a snapshot: merges the hot tiers and runs, the newest
/// version of each key winning, deletions hidden; forward and reverse; optional
/// bounds `[lower, upper)`. Entries are borrowed from the snapshot (valid while the
/// iterator's snapshot lives). Not thread-safe: one thread at a time.
///
/// Every move checks the value it lands on: a damaged run value throws `.corruption`
/// (naming file and offset) and leaves the iterator invalid until the next seek.
public final class StorageIterator {
    public let snapshot: Snapshot
    private var hotSources: [HotSource]
    /// Runs' positions, in memory owned by the iterator (mutated in place on every step:
    /// no array uniqueness checks or retains on the scan path).
    private let runSources: UnsafeMutableBufferPointer<RunSource>
    private var lower = Int64.min
    private var upper: Int64?
    private var movingForward = true
    public private(set) var isValid = false
    public private(set) var key: Int64 = 0
    public private(set) var value = UnsafeRawBufferPointer(start: nil, count: 0)

    init(snapshot: Snapshot) {
        self.snapshot = snapshot
        let view = snapshot.view
        hotSources = []
        if !view.active.isEmpty { hotSources.append(HotSource(tier: view.active)) }
        for tier in view.frozen where !tier.isEmpty { hotSources.append(HotSource(tier: tier)) }
        runSources = .allocate(capacity: view.runs.count)
        _ = runSources.initialize(from: view.runs.map { RunSource(run: $0) })
    }

    deinit {
        for source in hotSources { source.release() }
        _ = runSources.deinitialize()
        runSources.deallocate()
    }

    /// Restricts the iterator to keys in `[lower, upper)` (nil upper: no upper bound).
    /// The iterator becomes invalid until the next seek.
    public func setBounds(lower: Int64, upper: Int64?) {
        self.lower = lower
        self.upper = upper
        isValid = false
    }

    /// Positions at the first key >= `target` (within the bounds).
    public func seek(_ target: Int64) throws(OmenError) {
        let start = max(target, lower)
        if let upper, start >= upper { isValid = false; return }
        movingForward = true
        let sequence = snapshot.sequence
        for i in hotSources.indices { hotSources[i].seek(start, sequence) }
        for i in runSources.indices { runSources[i].seek(start) }
        try pickForward()
    }

    /// Positions at the last key <= `target` (within the bounds).
    public func seekForPrevious(_ target: Int64) throws(OmenError) {
        var start = target
        if let upper {
            if upper == Int64.min { isValid = false; return }
            start = min(start, upper - 1)
        }
        if start < lower { isValid = false; return }
        movingForward = false
        let sequence = snapshot.sequence
        for i in hotSources.indices { hotSources[i].seekForPrevious(start, sequence) }
        for i in runSources.indices { runSources[i].seekForPrevious(start) }
        try pickBackward()
    }

    public func seekFirst() throws(OmenError) { try seek(lower) }
    public func seekLast() throws(OmenError) { try seekForPrevious(upper == nil ? Int64.max : upper! &- 1) }

    public func next() throws(OmenError) {
        guard isValid else { return }
        if !movingForward {
            if key == Int64.max { isValid = false; return }
            try seek(key + 1)
            return
        }
        if hotSources.isEmpty && runSources.count == 1 { try nextInOnlyRun(); return }
        advanceSources(at: key)
        try pickForward()
    }

    /// `next` when a single run is the only source (e.g. after a flush or bulk load):
    /// no merge, just the run's next live entry.
    private func nextInOnlyRun() throws(OmenError) {
        let run = runSources[0].columns  // the source keeps the run alive
        var position = runSources[0].position
        while true {
            position &+= 1
            guard position < run.count else { break }
            let candidate = run.keys[position]
            if let upper, candidate >= upper { break }
            if run.isTombstone(position) { continue }
            runSources[0].position = position
            runSources[0].key = candidate
            key = candidate
            value = try checkedValue(0, position)
            return
        }
        runSources[0].position = min(position, run.count)
        runSources[0].isValid = false
        isValid = false
    }

    public func previous() throws(OmenError) {
        guard isValid else { return }
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
            throw error
        }
    }

    private func advanceSources(at current: Int64) {
        let sequence = snapshot.sequence
        for i in hotSources.indices where hotSources[i].isValid && hotSources[i].key == current { hotSources[i].next(sequence) }
        for i in runSources.indices where runSources[i].isValid && runSources[i].key == current { runSources[i].next() }
    }

    private func retreatSources(at current: Int64) {
        let sequence = snapshot.sequence
        for i in hotSources.indices where hotSources[i].isValid && hotSources[i].key == current { hotSources[i].previous(sequence) }
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

    /// Sets the current entry from the newest source holding `candidate`; false for a tombstone.
    private func takeNewest(_ candidate: Int64) throws(OmenError) -> Bool {
        for source in hotSources where source.isValid && source.key == candidate {
            let record = source.record!
            if record.isTombstone { return false }
            key = candidate
            value = record.value
            return true
        }
        for i in runSources.indices where runSources[i].isValid && runSources[i].key == candidate {
            if runSources[i].columns.isTombstone(runSources[i].position) { return false }
            key = candidate
            value = try checkedValue(i, runSources[i].position)
            return true
        }
        return false
    }

    private func pickForward() throws(OmenError) {
        while let candidate = extremeKey(smallest: true) {
            if let upper, candidate >= upper { break }
            if try takeNewest(candidate) { isValid = true; return }
            advanceSources(at: candidate)
        }
        isValid = false
    }

    private func pickBackward() throws(OmenError) {
        while let candidate = extremeKey(smallest: false) {
            if candidate < lower { break }
            if try takeNewest(candidate) { isValid = true; return }
            retreatSources(at: candidate)
        }
        isValid = false
    }
}

/// A position in one hot tier, at keys that have a version visible at the snapshot.
///
/// Reads the tier lock-free in batches: `HotTier.collect` copies up to `batchSize`
/// consecutive keys with their newest records (a consistent copy even while a writer
/// inserts), and steps run over the copy. Records never move, so a copied record stays
/// valid; keys inserted after the copy was taken carry newer sequence numbers than the
/// snapshot, so the snapshot would not show them anyway.
private struct HotSource {
    static let batchSize = 64
    let tier: HotTier
    /// The current batch: `keys[0..<count]`, `records[0..<count]`, in the direction of travel.
    private let keys: UnsafeMutablePointer<Int64>
    private let records: UnsafeMutablePointer<UInt64>
    private var count = 0
    private var index = 0
    private var forward = true
    var isValid = false
    var key: Int64 = 0
    var record: HotRecord?

    init(tier: HotTier) {
        self.tier = tier
        let memory = UnsafeMutableRawPointer.allocate(byteCount: 16 * Self.batchSize, alignment: 8)
        keys = memory.bindMemory(to: Int64.self, capacity: Self.batchSize)
        records = (memory + 8 * Self.batchSize).bindMemory(to: UInt64.self, capacity: Self.batchSize)
    }

    /// Frees the batch buffers (the owning iterator's deinit).
    func release() {
        UnsafeMutableRawPointer(keys).deallocate()
    }

    mutating func seek(_ target: Int64, _ sequence: UInt64) { fill(from: target, forward: true, sequence) }
    mutating func seekForPrevious(_ target: Int64, _ sequence: UInt64) { fill(from: target, forward: false, sequence) }

    mutating func next(_ sequence: UInt64) {
        guard isValid else { return }
        if !forward { if key == Int64.max { isValid = false } else { seek(key + 1, sequence) }; return }
        index += 1
        settle(sequence)
    }

    mutating func previous(_ sequence: UInt64) {
        guard isValid else { return }
        if forward { if key == Int64.min { isValid = false } else { seekForPrevious(key - 1, sequence) }; return }
        index += 1
        settle(sequence)
    }

    private mutating func fill(from target: Int64, forward: Bool, _ sequence: UInt64) {
        self.forward = forward
        count = tier.collect(from: target, forward: forward, limit: Self.batchSize, keys: keys, records: records)
        index = 0
        settle(sequence)
    }

    /// Moves to the first copied key with a version visible at `sequence`, copying the
    /// next batch when this one runs out.
    private mutating func settle(_ sequence: UInt64) {
        while true {
            while index < count {
                if let visible = HotRecord(payload: records[index])?.visible(at: sequence) {
                    isValid = true
                    key = keys[index]
                    record = visible
                    return
                }
                index += 1
            }
            // A short batch was the end of the tier.
            guard count == Self.batchSize else { break }
            let last = keys[count - 1]
            if forward ? last == Int64.max : last == Int64.min { break }
            count = tier.collect(from: forward ? last + 1 : last - 1, forward: forward, limit: Self.batchSize,
                                 keys: keys, records: records)
            index = 0
        }
        isValid = false
        record = nil
    }
}

/// A position in one run.
private struct RunSource {
    // While valid, `key == run.keys[position]` (`StorageIterator.nextInOnlyRun` keeps it).
    let run: RunFile
    let columns: RunColumns
    var position = 0
    var isValid = false
    var key: Int64 = 0

    init(run: RunFile) {
        self.run = run
        columns = run.columns
    }

    private mutating func settle() {
        isValid = position >= 0 && position < run.count
        if isValid { key = run.keys[position] }
    }

    mutating func seek(_ target: Int64) {
        position = run.lowerBound(target)
        settle()
    }

    mutating func seekForPrevious(_ target: Int64) {
        let p = run.lowerBound(target)
        position = p < run.count && run.keys[p] == target ? p : p - 1
        settle()
    }

    mutating func next() { position += 1; settle() }
    mutating func previous() { position -= 1; settle() }
}
