/// The read side of a data node: its arrays, capacity and slot model, by value.
///
/// Every lookup of a data node runs on one of these, so a reader that copied it from
/// a node (`ALEXDataNode.slots`) while a writer may be changing the node can validate
/// the copy once (`ALEXMap.optimisticFind`) and then search memory whose bounds
/// cannot move under it. Read-only; never mutates.
struct ALEXSlots {
    let keys: UnsafeMutablePointer<Int64>
    let payloads: UnsafeMutablePointer<UInt64>
    let bitmap: UnsafeMutablePointer<UInt64>
    let capacity: Int
    let modelBase: UInt64
    let slope: Double
    let intercept: Double
    let lastSlotAsDouble: Double

    @inline(__always)
    func isOccupied(_ slot: Int) -> Bool {
        bitmap[slot &>> 6] & (1 &<< UInt64(slot & 63)) != 0
    }

    /// The first occupied slot >= `slot`, or `capacity`.
    @inline(__always)
    func nextOccupied(from slot: Int) -> Int {
        if slot >= capacity { return capacity }
        var word = slot &>> 6
        var bits = bitmap[word] & (UInt64.max &<< UInt64(slot & 63))
        let wordCount = ALEXDataNode.words(capacity)
        while bits == 0 {
            word += 1
            if word >= wordCount { return capacity }
            bits = bitmap[word]
        }
        return word &<< 6 | bits.trailingZeroBitCount
    }

    /// The last occupied slot <= `slot`, or -1.
    @inline(__always)
    func previousOccupied(from slot: Int) -> Int {
        if slot < 0 { return -1 }
        var word = slot &>> 6
        var bits = bitmap[word] & (UInt64.max &>> UInt64(63 - (slot & 63)))
        while bits == 0 {
            word -= 1
            if word < 0 { return -1 }
            bits = bitmap[word]
        }
        return word &<< 6 | (63 - bits.leadingZeroBitCount)
    }

    /// The model's raw (unclamped) position for `key`.
    @inline(__always)
    func rawPrediction(_ key: Int64) -> Double {
        ALEXKeySpace.offset(ALEXKeySpace.unsigned(key), from: modelBase) * slope + intercept
    }

    /// The predicted slot of `key`, clamped to the array.
    @inline(__always)
    func predictedSlot(_ key: Int64) -> Int {
        let raw = rawPrediction(key)
        if !(raw > 0) { return 0 }  // also catches NaN
        if raw >= lastSlotAsDouble { return capacity - 1 }
        return Int(raw)
    }

    /// The first slot whose key is >= `key` (`capacity` if none), by exponential
    /// search outward from `start`.
    @inline(__always)
    func lowerBound(_ key: Int64, from start: Int) -> Int {
        var low: Int
        var high: Int
        if keys[start] >= key {
            // The answer is in [low, high]; keys[high] >= key.
            high = start
            low = 0
            var step = 1
            while true {
                let probe = high - step
                if probe < 0 { break }
                if keys[probe] < key { low = probe + 1; break }
                high = probe
                step &<<= 1
            }
        } else {
            // keys[start] < key: the answer is in [low, high] with high possibly capacity.
            low = start + 1
            high = capacity
            var step = 1
            while true {
                let probe = start + step
                if probe >= capacity { break }
                if keys[probe] >= key { high = probe; break }
                low = probe + 1
                step &<<= 1
            }
        }
        while low < high {
            let middle = (low + high) &>> 1
            if keys[middle] < key { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The slot holding `key`, or nil when it is absent.
    @inline(__always)
    func slot(of key: Int64) -> Int? {
        let bound = lowerBound(key, from: predictedSlot(key))
        if bound == capacity || keys[bound] != key { return nil }
        if isOccupied(bound) { return bound }
        let real = nextOccupied(from: bound)
        return real < capacity && keys[real] == key ? real : nil
    }

    /// The first occupied slot whose key is >= `key`, or `capacity`.
    @inline(__always)
    func firstSlot(atLeast key: Int64) -> Int {
        nextOccupied(from: lowerBound(key, from: predictedSlot(key)))
    }

    /// The last occupied slot whose key is <= `key`, or -1.
    @inline(__always)
    func lastSlot(atMost key: Int64) -> Int {
        let bound = lowerBound(key, from: predictedSlot(key))
        let real = nextOccupied(from: bound)
        if real < capacity && keys[real] == key { return real }
        return previousOccupied(from: bound - 1)
    }
}
