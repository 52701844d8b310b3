/// The learned-index family. Raw values are part of the C ABI (`OMENDB_INDEX_*`).
public enum IndexKind: Int32, Sendable, CaseIterable {
    /// Pick a kind per data set from its measured cost on that data.
    case auto = 0
    /// One linear model over the whole array.
    case linear = 1
    /// Two-stage recursive model index.
    case rmi = 2
    /// Piecewise geometric model: optimal ε-bounded piecewise-linear segments, recursive levels.
    case pgm = 3
    /// Adaptive learned index: gapped arrays, in-place inserts, multi-level.
    case alex = 4

    public var name: StaticString {
        switch self {
        case .auto: return "auto"
        case .linear: return "linear"
        case .rmi: return "rmi"
        case .pgm: return "pgm"
        case .alex: return "alex"
        }
    }
}

/// How the last-mile search inside a model's error window is done.
public enum WindowSearch: Int32, Sendable, CaseIterable {
    /// Binary search with a data-dependent branch (lets the CPU speculate the next load).
    case branchy = 0
    /// Binary search with conditional moves (no mispredictions, serial loads).
    case branchless = 1
}

/// Build-time configuration of a learned index.
public struct IndexConfiguration: Sendable, Equatable {
    public var kind: IndexKind = .pgm
    /// Maximum prediction error of a PGM leaf segment (positions either side).
    public var epsilon: Int = 64
    /// Maximum prediction error of PGM routing (inner) levels.
    public var recursiveEpsilon: Int = 4
    /// Number of second-stage models of an RMI (0 = choose from the key count), at most
    /// 2^28; more than the key count builds one leaf per key.
    public var rmiLeafCount: Int = 0
    public var windowSearch: WindowSearch = .branchy

    public init() {}

    /// Largest ε accepted; error windows larger than this defeat the purpose of a model.
    public static let maximumEpsilon = 1 << 20

    public func validated() throws(OmenError) -> IndexConfiguration {
        guard epsilon >= 1 && epsilon <= Self.maximumEpsilon else {
            throw OmenError(.invalidArgument, "epsilon \(epsilon) is outside 1...\(Self.maximumEpsilon)")
        }
        guard recursiveEpsilon >= 1 && recursiveEpsilon <= Self.maximumEpsilon else {
            throw OmenError(.invalidArgument, "recursive epsilon \(recursiveEpsilon) is outside 1...\(Self.maximumEpsilon)")
        }
        guard rmiLeafCount >= 0 && rmiLeafCount <= 1 << 28 else {
            throw OmenError(.invalidArgument, "RMI leaf count \(rmiLeafCount) is outside 0...\(1 << 28)")
        }
        return self
    }
}
