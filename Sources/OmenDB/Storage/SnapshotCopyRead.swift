/// Batched reads at a snapshot: many values borrowed, or copied into one caller buffer,
/// per call, so that bindings with a high per-call cost need no call per value.
extension Snapshot {
    /// Looks up `keys[0..<count]` in order: `values[i]` receives the value of `keys[i]`,
    /// borrowed for the snapshot's lifetime (`empty` for an empty value), or nil when it
    /// is absent, and `lengths[i]` its length (0 when absent). Returns how many were found.
    /// - Throws: `.corruption` at the first damaged value (earlier results are then void);
    ///   with a `table`, also `.notFound` for a table not in the snapshot and `.misuse`
    ///   for another database's.
    public func borrowValues(keys: UnsafePointer<Int64>, count: Int, values: UnsafeMutablePointer<UnsafeRawPointer?>,
                             lengths: UnsafeMutablePointer<Int>, empty: UnsafeRawPointer,
                             table: Table? = nil) throws(OmenError) -> Int {
        let view: StorageView
        if let table { view = try self.view(of: table) } else { view = self.view }
        var found = 0
        for i in 0..<count {
            switch try view.lookup(keys[i], at: sequence) {
            case .value(let value):
                values[i] = value.baseAddress ?? empty
                lengths[i] = value.count
                found += 1
            case .absent, .deleted:
                values[i] = nil
                lengths[i] = 0
            }
        }
        return found
    }

    /// The outcome of `copyValues`.
    public enum CopyOutcome: Equatable {
        /// The first `done` keys were processed (all of them when `done` is the count).
        case processed(done: Int)
        /// The first key's value alone is larger than the buffer; nothing was copied.
        case valueTooLarge(length: Int)
    }

    /// Looks up `keys[0..<count]` in order: `lengths[i]` receives the value length of
    /// `keys[i]`, or -1 (SIZE_MAX in C) when it is absent, and found values are copied back
    /// to back into `buffer[0..<capacity]`. Stops before the first value that does not fit.
    /// - Throws: `.corruption` at the first damaged value (earlier results are then void).
    public func copyValues(keys: UnsafePointer<Int64>, count: Int, lengths: UnsafeMutablePointer<Int>,
                           buffer: UnsafeMutableRawPointer?, capacity: Int) throws(OmenError) -> CopyOutcome {
        try copyValues(keys: keys, count: count, lengths: lengths, buffer: buffer, capacity: capacity, view: view)
    }

    /// `copyValues` in `table`.
    /// - Throws: also `.notFound` for a table not in the snapshot, `.misuse` for another database's.
    public func copyValues(keys: UnsafePointer<Int64>, count: Int, lengths: UnsafeMutablePointer<Int>,
                           buffer: UnsafeMutableRawPointer?, capacity: Int, table: Table) throws(OmenError) -> CopyOutcome {
        try copyValues(keys: keys, count: count, lengths: lengths, buffer: buffer, capacity: capacity, view: try view(of: table))
    }

    private func copyValues(keys: UnsafePointer<Int64>, count: Int, lengths: UnsafeMutablePointer<Int>,
                            buffer: UnsafeMutableRawPointer?, capacity: Int, view: StorageView) throws(OmenError) -> CopyOutcome {
        var used = 0
        for i in 0..<count {
            let found: UnsafeRawBufferPointer?
            switch try view.lookup(keys[i], at: sequence) {
            case .value(let value): found = value
            case .absent, .deleted: found = nil
            }
            guard let value = found else {
                lengths[i] = -1  // SIZE_MAX as a C size_t
                continue
            }
            if value.count > capacity - used {
                return i == 0 ? .valueTooLarge(length: value.count) : .processed(done: i)
            }
            if value.count > 0, let buffer, let source = value.baseAddress {
                (buffer + used).copyMemory(from: source, byteCount: value.count)
            }
            lengths[i] = value.count
            used += value.count
        }
        return .processed(done: count)
    }
}
