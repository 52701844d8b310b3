/// A learned index over a sorted array of `Int64` keys: the standalone capability
/// behind `omendb_index_*`.
///
/// Duplicates are allowed; every query answers with the position of the *first*
/// key that matches (lower-bound semantics), and `range` counts every duplicate.
///
/// Thread safety: immutable after construction; any number of threads may query
/// one index at once.
public final class LearnedIndex {
    let model: IndexModel
    public let configuration: IndexConfiguration
    /// The indexed keys (borrowed unless the index was built from an array).
    public let keys: UnsafeBufferPointer<Int64>
    private let keyOwner: AnyObject?
    /// Why this kind was chosen (`.auto`) or how the index came to be.
    let note: String

    /// Builds an index that reads `keys` in place.
    ///
    /// - Important: `keys` must stay valid and unchanged for the life of the index.
    /// - Throws: `.invalidArgument` when the keys are not sorted (naming the first
    ///   out-of-order position) or the configuration is out of range.
    public convenience init(unsafelyBorrowing keys: UnsafeBufferPointer<Int64>,
                configuration: IndexConfiguration = IndexConfiguration()) throws(OmenError) {
        try self.init(keys: keys, owner: nil, configuration: configuration)
    }

    /// Builds an index over a copy of `keys`.
    public convenience init(keys: [Int64], configuration: IndexConfiguration = IndexConfiguration()) throws(OmenError) {
        let storage = KeyStorage(keys)
        try self.init(keys: storage.buffer, owner: storage, configuration: configuration)
    }

    private init(keys: UnsafeBufferPointer<Int64>, owner: AnyObject?,
                 configuration: IndexConfiguration) throws(OmenError) {
        let configuration = try configuration.validated()
        try KeyValidation.requireSorted(keys)
        let base = keys.baseAddress ?? UnsafePointer(KeyStorage.empty)
        if configuration.kind == .auto {
            let choice = try AutoSelection.choose(base, keys.count, configuration)
            model = choice.model
            note = choice.note
        } else {
            model = try IndexModel.build(configuration.kind, base, keys.count, configuration)
            note = ""
        }
        self.keys = keys
        self.keyOwner = owner
        self.configuration = configuration
    }

    /// An index from a loaded model (see `LearnedIndex.load`).
    init(loaded model: IndexModel, keys: UnsafeBufferPointer<Int64>, owner: AnyObject?,
         configuration: IndexConfiguration, note: String) {
        self.model = model
        self.keys = keys
        self.keyOwner = owner
        self.configuration = configuration
        self.note = note
    }

    public var count: Int { keys.count }

    /// The first position whose key is `>= key`, or `count`.
    @inline(__always)
    public func lowerBound(_ key: Int64) -> Int { model.lowerBound(key) }

    /// The position of the first occurrence of `key`, or nil.
    public func find(_ key: Int64) -> Int? {
        let position = model.lowerBound(key)
        return position < keys.count && keys[position] == key ? position : nil
    }

    /// The positions of the keys in `[lower, upper)`: the first one and how many.
    public func range(from lower: Int64, to upper: Int64) -> (first: Int, count: Int) {
        let first = model.lowerBound(lower)
        guard upper > lower else { return (first, 0) }
        let end = model.lowerBound(upper)
        return (first, end - first)
    }

    /// Lower bounds of many keys at once, into `positions` (same length as `queries`).
    public func lowerBounds(_ queries: UnsafeBufferPointer<Int64>, into positions: UnsafeMutableBufferPointer<Int64>) {
        precondition(positions.count >= queries.count)
        model.lowerBounds(queries, positions)
    }

    /// Looks up many keys at once: `positions[i]` is the first position of `queries[i]`,
    /// or -1 when it is absent. Returns how many were found.
    public func find(_ queries: UnsafeBufferPointer<Int64>, into positions: UnsafeMutableBufferPointer<Int64>) -> Int {
        lowerBounds(queries, into: positions)
        var found = 0
        let n = keys.count
        for i in 0..<queries.count {
            let p = Int(positions[i])
            if p < n && keys[p] == queries[i] { found &+= 1 } else { positions[i] = -1 }
        }
        return found
    }

    /// The data window that the last-mile search covers for `key` (test hook: the
    /// key's lower bound must lie in `lo...hi`).
    func dataWindow(_ key: Int64) -> (lo: Int, hi: Int) { model.dataWindow(key) }

    public var statistics: IndexStatistics {
        var statistics = model.statistics(keyCount: keys.count)
        if !note.isEmpty { statistics.note = note }
        return statistics
    }
}

/// Owns a copy of a key array for indexes built from Swift arrays.
final class KeyStorage {
    static let empty: UnsafeMutablePointer<Int64> = .allocate(capacity: 1)
    let buffer: UnsafeBufferPointer<Int64>

    init(_ keys: [Int64]) {
        let memory = UnsafeMutableBufferPointer<Int64>.allocate(capacity: max(keys.count, 1))
        _ = memory.initialize(from: keys)
        buffer = UnsafeBufferPointer(start: memory.baseAddress, count: keys.count)
    }

    deinit { UnsafeMutablePointer(mutating: buffer.baseAddress!).deallocate() }
}

// MARK: - Serialization

extension LearnedIndex {
    /// The models in the versioned, checksummed `IndexFormat` (the keys are not included).
    public func serialized() -> [UInt8] { IndexSerializer.serialize(self) }

    /// The exact byte count of `serialized()`.
    public var serializedSize: Int { IndexSerializer.serializedSize(self) }

    /// Loads models written by `serialized()` over the same keys, without refitting.
    ///
    /// - Important: `keys` must stay valid and unchanged for the life of the index.
    /// - Throws: `.corruption` for a damaged or truncated buffer, `.unsupported` for an
    ///   unknown format version or model kind, `.invalidArgument` when `keys` differ
    ///   from the keys the models were built over (count, first and last key, a
    ///   fingerprint of 64 evenly spaced keys) or are not sorted.
    public static func load(unsafelyBorrowing keys: UnsafeBufferPointer<Int64>,
                            from bytes: UnsafeRawBufferPointer) throws(OmenError) -> LearnedIndex {
        let loaded = try IndexLoader.load(bytes, keys: keys)
        return LearnedIndex(loaded: loaded.model, keys: keys, owner: nil,
                            configuration: loaded.configuration, note: loaded.note)
    }

    /// Loads models over a copy of `keys` (see `load(unsafelyBorrowing:from:)`).
    public static func load(keys: [Int64], from bytes: [UInt8]) throws(OmenError) -> LearnedIndex {
        let storage = KeyStorage(keys)
        let loaded = try bytes.withUnsafeBytes { raw in
            Result { () throws(OmenError) in try IndexLoader.load(raw, keys: storage.buffer) }
        }.get()
        return LearnedIndex(loaded: loaded.model, keys: storage.buffer, owner: storage,
                            configuration: loaded.configuration, note: loaded.note)
    }
}
