/// The model behind a `LearnedIndex`: one case per built kind. Each case's index
/// offers the same concrete operations (`lowerBound`, `dataWindow`, batch lookups),
/// so adding a kind is one case here plus one line per `switch` in `LearnedIndex`.
enum IndexModel {
    case linear(LinearIndex)
    case rmi(RMIIndex)
    case pgm(PGMIndex)
    case alex(ALEXArrayIndex)

    /// Builds the model of one concrete kind (not `.auto`).
    static func build(_ kind: IndexKind, _ keys: UnsafePointer<Int64>, _ count: Int,
                      _ configuration: IndexConfiguration) throws(OmenError) -> IndexModel {
        switch kind {
        case .linear:
            return .linear(LinearIndex(keys: keys, count: count, windowSearch: configuration.windowSearch))
        case .rmi:
            return .rmi(RMIIndex(keys: keys, count: count, leafCount: configuration.rmiLeafCount,
                                 windowSearch: configuration.windowSearch))
        case .pgm:
            return .pgm(PGMIndex(keys: keys, count: count, epsilon: configuration.epsilon,
                                 recursiveEpsilon: configuration.recursiveEpsilon,
                                 windowSearch: configuration.windowSearch))
        case .alex:
            return .alex(ALEXArrayIndex(keys: keys, count: count))
        case .auto:
            throw OmenError(.unsupported, "index kind '\(kind.name)' cannot be built as a model over a key array")
        }
    }

    var kind: IndexKind {
        switch self {
        case .linear: return .linear
        case .rmi: return .rmi
        case .pgm: return .pgm
        case .alex: return .alex
        }
    }

    /// The first position whose key is `>= key`.
    @inline(__always)
    func lowerBound(_ key: Int64) -> Int {
        switch self {
        case .linear(let index): return index.lowerBound(key)
        case .rmi(let index): return index.lowerBound(key)
        case .pgm(let index): return index.lowerBound(key)
        case .alex(let index): return index.lowerBound(key)
        }
    }

    /// The data window the last-mile search covers for `key` (test hook).
    func dataWindow(_ key: Int64) -> (lo: Int, hi: Int) {
        switch self {
        case .linear(let index): return index.dataWindow(key)
        case .rmi(let index): return index.dataWindow(key)
        case .pgm(let index): return index.dataWindow(key)
        case .alex(let index): return index.dataWindow(key)
        }
    }

    /// Predicts `key`'s window and prefetches its key lines (a point read that also
    /// prefetches what it reads next, then searches with `lowerBound(_:in:)`). ALEX has
    /// no window before its search: it searches here and answers with an exact window.
    @inline(__always)
    func prefetchWindow(_ key: Int64) -> (lo: Int, hi: Int) {
        switch self {
        case .linear(let index): return index.prefetchWindow(key)
        case .rmi(let index): return index.prefetchWindow(key)
        case .pgm(let index): return index.prefetchWindow(key)
        case .alex(let index): return index.dataWindow(key)
        }
    }

    /// The first position whose key is `>= key`, inside a window from `prefetchWindow`.
    @inline(__always)
    func lowerBound(_ key: Int64, in window: (lo: Int, hi: Int)) -> Int {
        switch self {
        case .linear(let index): return index.lowerBound(key, in: window)
        case .rmi(let index): return index.lowerBound(key, in: window)
        case .pgm(let index): return index.lowerBound(key, in: window)
        case .alex: return window.lo
        }
    }

    func lowerBounds(_ queries: UnsafeBufferPointer<Int64>, _ out: UnsafeMutableBufferPointer<Int64>) {
        switch self {
        case .linear(let index): BatchLookup.lowerBounds(index, queries, out)
        case .rmi(let index): BatchLookup.lowerBounds(index, queries, out)
        case .pgm(let index): index.lowerBounds(queries, out)
        case .alex(let index): index.lowerBounds(queries, out)
        }
    }

    /// Shape and cost; `note` is filled in by the caller.
    func statistics(keyCount: Int) -> IndexStatistics {
        switch self {
        case .linear(let index):
            return IndexStatistics(kind: .linear, keyCount: keyCount, modelCount: 1, levelCount: 1,
                                   maximumError: index.model.maximumError, sizeInBytes: index.sizeInBytes,
                                   note: "linear: one model, error \(index.model.maximumError)")
        case .rmi(let index):
            return IndexStatistics(kind: .rmi, keyCount: keyCount, modelCount: index.leafCount + 1, levelCount: 2,
                                   maximumError: index.maximumLeafError, sizeInBytes: index.sizeInBytes,
                                   note: "rmi: \(index.root.isSpline ? "spline root (\(index.root.knotIntervals) intervals)" : "linear root"), \(index.leafCount) linear leaves")
        case .pgm(let index):
            return IndexStatistics(kind: .pgm, keyCount: keyCount, modelCount: index.segmentCount,
                                   levelCount: index.levelCount, maximumError: index.maximumLeafError,
                                   sizeInBytes: index.sizeInBytes,
                                   note: "pgm: epsilon \(index.epsilon)/\(index.recursiveEpsilon), \(index.leafSegmentCount) leaf segments")
        case .alex(let index):
            return index.statistics(keyCount: keyCount)
        }
    }
}
