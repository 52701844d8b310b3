import Synchronization

/// A data node: a gapped array of keys and payloads with a presence bitmap and a
/// linear model that predicts each key's slot.
///
/// Gap fill policy (as in ALEX, plus one variation): a gap holds a copy of the nearest
/// real key to its right; trailing gaps (no real key to the right) hold `Int64.max`;
/// leading gaps (no real key to the left) hold `Int64.min` or a copy of the first real
/// key. So `keys[0 ..< capacity]` is sorted (non-decreasing) and searches run over the
/// raw key array without the bitmap. Lookups take the lower bound in the key array,
/// then the next occupied slot, and compare its key. The `Int64.min` variation makes
/// a new smallest key cost O(1) fills instead of rewriting every leading gap.
final class ALEXDataNode: ALEXNode {
    /// Odd while the writer changes this node in place (concurrent-read maps only; see
    /// `ALEXMap.optimisticFind`).
    let version = Atomic<UInt64>(0)
    // Stored properties marked @exclusivity(unchecked) skip Swift's dynamic exclusivity
    // checks on this hot path (docs/performance.md, "Exclusivity checks").
    @exclusivity(unchecked) private(set) var keys: UnsafeMutablePointer<Int64>
    @exclusivity(unchecked) private(set) var payloads: UnsafeMutablePointer<UInt64>
    @exclusivity(unchecked) private(set) var bitmap: UnsafeMutablePointer<UInt64>
    @exclusivity(unchecked) private(set) var capacity: Int
    /// Real keys stored.
    @exclusivity(unchecked) private(set) var count: Int = 0
    /// `count` at which the node is full and must expand or split.
    @exclusivity(unchecked) private(set) var growthLimit: Int

    // The model: slot = slope * (u - modelBase) + intercept, clamped.
    @exclusivity(unchecked) private var modelBase: UInt64 = 0
    @exclusivity(unchecked) private var slope: Double = 0
    @exclusivity(unchecked) private var intercept: Double = 0

    /// A data node's slot model: `slot = slope * (unsigned(key) - base) + intercept`, clamped.
    struct Model: Equatable {
        var base: UInt64
        var slope: Double
        var intercept: Double
    }

    /// The current slot model (for serialization).
    var model: Model { Model(base: modelBase, slope: slope, intercept: intercept) }
    @exclusivity(unchecked) private var lastSlotAsDouble: Double

    /// Neighbours in key order (the leaf chain used by cursors). Maintained by the map.
    @exclusivity(unchecked) unowned(unsafe) var next: ALEXDataNode?
    @exclusivity(unchecked) unowned(unsafe) var previous: ALEXDataNode?

    // Cost counters since the last rebuild (inserts only, so lookups stay read-only).
    @exclusivity(unchecked) private(set) var insertsSinceBuild = 0
    @exclusivity(unchecked) private(set) var searchStepsSinceBuild = 0
    @exclusivity(unchecked) private(set) var shiftsSinceBuild = 0
    @exclusivity(unchecked) private(set) var appendsSinceBuild = 0
    @exclusivity(unchecked) private(set) var prependsSinceBuild = 0
    /// Mean search steps the model promised when the node was built.
    @exclusivity(unchecked) private(set) var expectedSearchSteps = 0.0

    /// How keys are spread over the slots when (re)building.
    enum Layout {
        /// Over all slots.
        case spread
        /// Packed at the left at maximum density, leaving room for appends.
        case roomOnRight
        /// Packed at the right, leaving room for prepends.
        case roomOnLeft
    }

    /// An empty node with the minimum capacity.
    init() {
        capacity = ALEXTuning.minimumCapacity
        keys = .allocate(capacity: capacity)
        payloads = .allocate(capacity: capacity)
        bitmap = .allocate(capacity: ALEXDataNode.words(capacity))
        growthLimit = ALEXDataNode.limit(capacity)
        lastSlotAsDouble = Double(capacity - 1)
        super.init(isDataNode: true)
        keys.initialize(repeating: Int64.max, count: capacity)
        bitmap.initialize(repeating: 0, count: ALEXDataNode.words(capacity))
    }

    /// A node holding `count` sorted, distinct keys at the initial density.
    convenience init(keys source: UnsafePointer<Int64>, payloads sourcePayloads: UnsafePointer<UInt64>,
                     count: Int, layout: Layout = .spread) {
        self.init()
        load(keys: source, payloads: sourcePayloads, count: count,
             capacity: ALEXDataNode.capacity(for: count), layout: layout)
    }

    /// A node holding `count` sorted, distinct keys placed by `model` in `capacity`
    /// slots, with no fitting: exactly the layout bulk loading produced with that model
    /// (how a serialized node is rebuilt). Requires `capacity > count` and
    /// `capacity >= ALEXTuning.minimumCapacity`; any finite model is safe (placement clamps).
    convenience init(keys source: UnsafePointer<Int64>, payloads sourcePayloads: UnsafePointer<UInt64>,
                     count: Int, capacity: Int, model: Model) {
        self.init()
        load(keys: source, payloads: sourcePayloads, count: count, capacity: capacity, layout: .spread, model: model)
    }

    deinit {
        keys.deallocate()
        payloads.deallocate()
        bitmap.deallocate()
    }

    static func words(_ capacity: Int) -> Int { (capacity + 63) >> 6 }
    static func limit(_ capacity: Int) -> Int {
        min(capacity - 1, max(1, Int(Double(capacity) * ALEXTuning.maximumDensity)))
    }
    /// The capacity that holds `count` keys at the initial density.
    static func capacity(for count: Int) -> Int {
        max(ALEXTuning.minimumCapacity, Int(Double(count) / ALEXTuning.initialDensity) + 1)
    }

    var isFull: Bool { count >= growthLimit }

    // MARK: - Bitmap

    /// The node's arrays and model by value: every search runs on this (`ALEXSlots`).
    @inline(__always)
    var slots: ALEXSlots {
        ALEXSlots(keys: keys, payloads: payloads, bitmap: bitmap, capacity: capacity, modelBase: modelBase,
                  slope: slope, intercept: intercept, lastSlotAsDouble: lastSlotAsDouble)
    }

    @inline(__always)
    func isOccupied(_ slot: Int) -> Bool { slots.isOccupied(slot) }

    @inline(__always)
    private func setOccupied(_ slot: Int) {
        bitmap[slot &>> 6] |= 1 &<< UInt64(slot & 63)
    }

    @inline(__always)
    private func clearOccupied(_ slot: Int) {
        bitmap[slot &>> 6] &= ~(1 &<< UInt64(slot & 63))
    }

    /// The first occupied slot >= `slot`, or `capacity`.
    @inline(__always)
    func nextOccupied(from slot: Int) -> Int { slots.nextOccupied(from: slot) }

    /// The last occupied slot <= `slot`, or -1.
    @inline(__always)
    func previousOccupied(from slot: Int) -> Int { slots.previousOccupied(from: slot) }

    /// The first free slot >= `slot`, or `capacity`.
    private func nextGap(from slot: Int) -> Int {
        if slot >= capacity { return capacity }
        var word = slot &>> 6
        var bits = ~bitmap[word] & (UInt64.max &<< UInt64(slot & 63))
        let wordCount = ALEXDataNode.words(capacity)
        while bits == 0 {
            word += 1
            if word >= wordCount { return capacity }
            bits = ~bitmap[word]
        }
        return min(capacity, word &<< 6 | bits.trailingZeroBitCount)
    }

    /// The last free slot <= `slot`, or -1.
    private func previousGap(from slot: Int) -> Int {
        if slot < 0 { return -1 }
        var word = slot &>> 6
        var bits = ~bitmap[word] & (UInt64.max &>> UInt64(63 - (slot & 63)))
        while bits == 0 {
            word -= 1
            if word < 0 { return -1 }
            bits = ~bitmap[word]
        }
        return word &<< 6 | (63 - bits.leadingZeroBitCount)
    }

    // MARK: - Model and search

    @inline(__always)
    private func rawPrediction(_ key: Int64) -> Double { slots.rawPrediction(key) }

    /// The predicted slot of `key`, clamped to the array.
    @inline(__always)
    func predictedSlot(_ key: Int64) -> Int { slots.predictedSlot(key) }

    /// The first slot whose key is >= `key` (`capacity` if none), by exponential
    /// search outward from `start`.
    @inline(__always)
    func lowerBound(_ key: Int64, from start: Int) -> Int { slots.lowerBound(key, from: start) }

    /// The slot holding `key`, or nil when it is absent.
    @inline(__always)
    func slot(of key: Int64) -> Int? { slots.slot(of: key) }

    /// The first occupied slot whose key is >= `key`, or `capacity`.
    func firstSlot(atLeast key: Int64) -> Int {
        count == 0 ? capacity : slots.firstSlot(atLeast: key)
    }

    /// The last occupied slot whose key is <= `key`, or -1.
    func lastSlot(atMost key: Int64) -> Int {
        count == 0 ? -1 : slots.lastSlot(atMost: key)
    }

    // MARK: - Updates

    /// Replaces the payload at an occupied slot and returns the old one.
    @inline(__always)
    func replacePayload(at slot: Int, with payload: UInt64) -> UInt64 {
        let old = payloads[slot]
        payloads[slot] = payload
        return old
    }

    /// Inserts `key` (absent, node not full) near its predicted slot.
    /// - Parameter bound: `lowerBound(key, ...)`, already computed by the caller.
    func insert(_ key: Int64, _ payload: UInt64, lowerBound bound: Int, predicted: Int) {
        let raw = rawPrediction(key)
        // The first real key > key. When the prediction lies further into the same run
        // of gap copies as `bound` (e.g. a long run of leading gaps before a prepend),
        // scan the bitmap from there. (Not through trailing Int64.max copies, which may
        // follow a real Int64.max.)
        let sameRun = predicted > bound && keys[predicted] == keys[bound] && keys[bound] != Int64.max
        let right = nextOccupied(from: sameRun ? predicted : bound)
        let left = previousOccupied(from: bound - 1)  // last real key < key
        insertsSinceBuild += 1
        if right == capacity { appendsSinceBuild += 1 }
        if left == -1 { prependsSinceBuild += 1 }
        if right - left > 1 {
            // Free slots between the neighbours: take the one nearest the prediction.
            let target: Int
            if right == capacity && raw >= lastSlotAsDouble {
                target = left + 1        // beyond the model's range: pack, keep room for more
            } else if left == -1 && !(raw > 0) {
                target = right - 1
            } else {
                target = min(max(predicted, left + 1), right - 1)
            }
            keys[target] = key
            payloads[target] = payload
            setOccupied(target)
            var gap = target - 1
            if left >= 0 {
                while gap > left { keys[gap] = key; gap -= 1 }
            } else {
                // Leading gaps: only those above the new key (a node that was empty) change.
                while gap >= 0 && keys[gap] > key { keys[gap] = Int64.min; gap -= 1 }
                // Gaps between the new first key and the old one copy the old one.
                let fill = right < capacity ? keys[right] : Int64.max
                gap = target + 1
                while gap < right { keys[gap] = fill; gap += 1 }
            }
            countSearchSteps(from: predicted, to: target)
        } else {
            countSearchSteps(from: predicted, to: shiftToNearestGap(key, payload, left: left, right: right))
        }
        count += 1
    }

    /// Records the search an exact lookup of a key at `slot` costs from `predicted`
    /// (about log2 of the distance: the exponential search's probes).
    @inline(__always)
    private func countSearchSteps(from predicted: Int, to slot: Int) {
        searchStepsSinceBuild += Int.bitWidth - abs(slot - predicted).leadingZeroBitCount
    }

    /// Inserts between adjacent real slots `left` and `right` by shifting the run
    /// of real keys on the side with the nearer free slot.
    /// Returns the slot where `key` landed.
    private func shiftToNearestGap(_ key: Int64, _ payload: UInt64, left: Int, right: Int) -> Int {
        let gapRight = nextGap(from: right)
        let gapLeft = previousGap(from: left)
        if gapRight < capacity && (gapLeft < 0 || gapRight - right <= left - gapLeft) {
            let moved = gapRight - right
            (keys + right + 1).update(from: keys + right, count: moved)
            (payloads + right + 1).update(from: payloads + right, count: moved)
            setOccupied(gapRight)
            keys[right] = key
            payloads[right] = payload
            shiftsSinceBuild += moved
            return right
        } else {
            precondition(gapLeft >= 0, "ALEX data node has no free slot")
            let moved = left - gapLeft
            (keys + gapLeft).update(from: keys + gapLeft + 1, count: moved)
            (payloads + gapLeft).update(from: payloads + gapLeft + 1, count: moved)
            setOccupied(gapLeft)
            keys[left] = key
            payloads[left] = payload
            shiftsSinceBuild += moved
            return left
        }
    }

    /// Removes the key at an occupied slot and returns its payload.
    func remove(at slot: Int) -> UInt64 {
        let payload = payloads[slot]
        let removedKey = keys[slot]
        clearOccupied(slot)
        count -= 1
        let fill = slot + 1 < capacity ? keys[slot + 1] : Int64.max
        keys[slot] = fill
        var gap = slot - 1
        while gap >= 0 && !isOccupied(gap) && keys[gap] == removedKey {
            keys[gap] = fill
            gap -= 1
        }
        return payload
    }

    // MARK: - Cost model

    /// Mean cost per insert observed since the last rebuild: search steps + shifts.
    var empiricalCost: Double {
        insertsSinceBuild == 0 ? 0 : Double(searchStepsSinceBuild + shiftsSinceBuild) / Double(insertsSinceBuild)
    }

    /// The cost the model promised: its mean search steps plus about one shift.
    var expectedCost: Double { expectedSearchSteps + 1 }

    /// True when the node's inserts cost much more than its model promised, so
    /// retraining in place is unlikely to help and the node should split.
    var costHasDrifted: Bool {
        insertsSinceBuild >= ALEXTuning.minimumCostSamples && count >= ALEXTuning.minimumCostSplitKeys
            && empiricalCost > expectedCost * ALEXTuning.costDriftFactor + ALEXTuning.costDriftSlack
    }

    /// True every `minimumCostSamples` inserts once the node's cost drifted: then the
    /// node splits before it is full (a badly fitting model shifts many keys per insert).
    @inline(__always)
    var isDueForCostCheck: Bool {
        insertsSinceBuild & (ALEXTuning.minimumCostSamples - 1) == ALEXTuning.minimumCostSamples - 1 && costHasDrifted
    }

    /// The layout that suits the inserts seen since the last rebuild.
    var preferredLayout: Layout {
        if insertsSinceBuild >= 16 {
            if appendsSinceBuild * 4 >= insertsSinceBuild * 3 { return .roomOnRight }
            if prependsSinceBuild * 4 >= insertsSinceBuild * 3 { return .roomOnLeft }
        }
        return .spread
    }

    // MARK: - Rebuilding

    /// Copies the real entries, in order, into the given buffers (capacity >= count).
    func copyEntries(keys destinationKeys: UnsafeMutablePointer<Int64>, payloads destinationPayloads: UnsafeMutablePointer<UInt64>) {
        var written = 0
        var slot = nextOccupied(from: 0)
        while slot < capacity {
            destinationKeys[written] = keys[slot]
            destinationPayloads[written] = payloads[slot]
            written += 1
            slot = nextOccupied(from: slot + 1)
        }
        precondition(written == count)
    }

    /// Rebuilds the node with `newCapacity` slots (retrains the model).
    /// Old arrays go to `graveyard` when given (a reader may still be in them).
    func rebuild(capacity newCapacity: Int, layout: Layout, retiringInto graveyard: ALEXGraveyard? = nil) {
        let n = count
        let tempKeys = UnsafeMutablePointer<Int64>.allocate(capacity: max(n, 1))
        let tempPayloads = UnsafeMutablePointer<UInt64>.allocate(capacity: max(n, 1))
        copyEntries(keys: tempKeys, payloads: tempPayloads)
        load(keys: tempKeys, payloads: tempPayloads, count: n, capacity: newCapacity, layout: layout, retiringInto: graveyard)
        tempKeys.deallocate()
        tempPayloads.deallocate()
    }

    /// Grows the node so that it holds its keys at the initial density.
    func expand(retiringInto graveyard: ALEXGraveyard? = nil) {
        rebuild(capacity: ALEXDataNode.capacity(for: count + 1), layout: preferredLayout, retiringInto: graveyard)
    }

    /// Shrinks the node when removals left it sparse; returns true if it did.
    @discardableResult
    func shrinkIfSparse() -> Bool {
        guard capacity > 4 * ALEXTuning.minimumCapacity,
              Double(count) < Double(capacity) * ALEXTuning.minimumDensity else { return false }
        rebuild(capacity: ALEXDataNode.capacity(for: count), layout: .spread)
        return true
    }

    /// Replaces the contents with `n` sorted distinct keys placed by a freshly trained
    /// model (or by `model` when given).
    private func load(keys source: UnsafePointer<Int64>, payloads sourcePayloads: UnsafePointer<UInt64>,
                      count n: Int, capacity newCapacity: Int, layout: Layout, model: Model? = nil,
                      retiringInto graveyard: ALEXGraveyard? = nil) {
        precondition(newCapacity > n && newCapacity >= ALEXTuning.minimumCapacity)
        if let graveyard {
            graveyard.bury(keys, count: capacity)
            graveyard.bury(payloads, count: capacity)
            graveyard.bury(bitmap, count: ALEXDataNode.words(capacity))
        } else {
            keys.deallocate()
            payloads.deallocate()
            bitmap.deallocate()
        }
        capacity = newCapacity
        keys = .allocate(capacity: newCapacity)
        payloads = .allocate(capacity: newCapacity)
        let wordCount = ALEXDataNode.words(newCapacity)
        bitmap = .allocate(capacity: wordCount)
        bitmap.initialize(repeating: 0, count: wordCount)
        growthLimit = ALEXDataNode.limit(newCapacity)
        lastSlotAsDouble = Double(newCapacity - 1)
        count = n
        if let model {
            modelBase = model.base
            slope = model.slope
            intercept = model.intercept
        } else {
            train(keys: source, count: n, layout: layout)
        }
        place(keys: source, payloads: sourcePayloads, count: n)
        insertsSinceBuild = 0
        searchStepsSinceBuild = 0
        shiftsSinceBuild = 0
        appendsSinceBuild = 0
        prependsSinceBuild = 0
    }

    /// Least-squares fit of slot targets against key offsets (centred for precision).
    private func train(keys source: UnsafePointer<Int64>, count n: Int, layout: Layout) {
        let c = Double(capacity)
        let packedSpan = min(c, Double(n) / ALEXTuning.maximumDensity)
        let (start, span): (Double, Double)
        switch layout {
        case .spread: (start, span) = (0, c)
        case .roomOnRight: (start, span) = (0, packedSpan)
        case .roomOnLeft: (start, span) = (c - packedSpan, packedSpan)
        }
        modelBase = n > 0 ? ALEXKeySpace.unsigned(source[0]) : 0
        guard n > 1 else {
            slope = 0
            intercept = n == 1 ? start + span / 2 : 0
            return
        }
        let step = span / Double(n)
        var meanX = 0.0
        for i in 0..<n { meanX += ALEXKeySpace.offset(ALEXKeySpace.unsigned(source[i]), from: modelBase) }
        meanX /= Double(n)
        let meanY = start + step * Double(n - 1) / 2
        var covariance = 0.0
        var variance = 0.0
        for i in 0..<n {
            let dx = ALEXKeySpace.offset(ALEXKeySpace.unsigned(source[i]), from: modelBase) - meanX
            let dy = start + step * Double(i) - meanY
            covariance += dx * dy
            variance += dx * dx
        }
        slope = variance > 0 ? covariance / variance : 0
        if !slope.isFinite { slope = 0 }
        intercept = meanY - slope * meanX
        if !intercept.isFinite { intercept = 0 }
    }

    /// Places keys at their predicted slots (pushed right past collisions, pulled left
    /// so the rest still fit), then fills the gaps per the fill policy.
    private func place(keys source: UnsafePointer<Int64>, payloads sourcePayloads: UnsafePointer<UInt64>, count n: Int) {
        var previous = -1
        var steps = 0
        for i in 0..<n {
            let predicted = predictedSlot(source[i])
            var slot = max(predicted, previous + 1)
            slot = min(slot, capacity - (n - i))
            keys[slot] = source[i]
            payloads[slot] = sourcePayloads[i]
            setOccupied(slot)
            steps += Int.bitWidth - abs(slot - predicted).leadingZeroBitCount
            previous = slot
        }
        expectedSearchSteps = n == 0 ? 0 : Double(steps) / Double(n)
        var fill = Int64.max
        var slot = capacity - 1
        while slot >= 0 {
            if isOccupied(slot) { fill = keys[slot] } else { keys[slot] = fill }
            slot -= 1
        }
        if n > 0 {
            slot = nextOccupied(from: 0) - 1
            while slot >= 0 { keys[slot] = Int64.min; slot -= 1 }
        }
    }

    /// Bytes of this node: the object, keys, payloads and bitmap.
    var sizeInBytes: Int { 128 + capacity * 16 + ALEXDataNode.words(capacity) * 8 }

    /// The smallest and largest real keys (nil when empty).
    var minimumKey: Int64? { count == 0 ? nil : keys[nextOccupied(from: 0)] }
    var maximumKey: Int64? { count == 0 ? nil : keys[previousOccupied(from: capacity - 1)] }
}
