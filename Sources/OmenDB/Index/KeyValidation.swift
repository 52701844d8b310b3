/// Checks on caller-supplied key arrays.
enum KeyValidation {
    /// The first position `i` with `keys[i] < keys[i - 1]`, or nil when the keys are
    /// non-decreasing (duplicates are allowed).
    static func firstOutOfOrderPosition(_ keys: UnsafeBufferPointer<Int64>) -> Int? {
        guard keys.count > 1, let base = keys.baseAddress else { return nil }
        var previous = base[0]
        for i in 1..<keys.count {
            let key = base[i]
            if key < previous { return i }
            previous = key
        }
        return nil
    }

    static func requireSorted(_ keys: UnsafeBufferPointer<Int64>) throws(OmenError) {
        if let i = firstOutOfOrderPosition(keys) {
            throw OmenError(.invalidArgument,
                "keys are not sorted: keys[\(i)] = \(keys[i]) is less than keys[\(i - 1)] = \(keys[i - 1])")
        }
    }
}
