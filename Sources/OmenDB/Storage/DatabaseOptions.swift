/// When the write-ahead log reaches stable storage.
public enum SyncMode: Int32, Sendable, CaseIterable {
    /// The OS decides when to write back; a crash may lose recent acknowledged writes.
    case off = 0
    /// fsync by a background thread every ~100 ms and after every ~8 MiB of log;
    /// a crash may lose the last fraction of a second of acknowledged writes.
    case normal = 1
    /// fsync before acknowledging each commit; concurrent commits share one fsync.
    case full = 2
}

/// Options for opening a `Database`.
public struct DatabaseOptions: Sendable {
    public var createIfMissing = true
    public var errorIfExists = false
    public var readOnly = false
    /// Create a database in a directory that already holds files of another kind
    /// (they are left alone); otherwise such a directory is refused (`.invalidArgument`).
    public var createInNonEmptyDirectory = false
    public var sync: SyncMode = .normal
    /// The learned index of run files (only PGM is available for runs in this build).
    public var indexConfiguration = IndexConfiguration()
    /// Memory of the hot tier before it is frozen and flushed to a run.
    public var hotTierBytes = 64 << 20
    /// Largest value accepted by a write.
    public var maximumValueSize = 64 << 20
    /// Compaction merges the runs when there are more than this many.
    public var compactionTrigger = 8
    /// Flush and compact on a background thread (otherwise on the writing thread).
    public var backgroundWork = true

    public init() {}

    public static let minimumHotTierBytes = 64 << 10
    public static let maximumValueSizeLimit = 1 << 30

    func validated() throws(OmenError) -> DatabaseOptions {
        guard hotTierBytes >= Self.minimumHotTierBytes && hotTierBytes <= 1 << 40 else {
            throw OmenError(.invalidArgument, "hot tier size \(hotTierBytes) is outside \(Self.minimumHotTierBytes)...2^40 bytes")
        }
        guard maximumValueSize >= 0 && maximumValueSize <= Self.maximumValueSizeLimit else {
            throw OmenError(.invalidArgument, "maximum value size \(maximumValueSize) is outside 0...\(Self.maximumValueSizeLimit)")
        }
        guard compactionTrigger >= 1 else { throw OmenError(.invalidArgument, "compaction trigger must be at least 1") }
        guard indexConfiguration.kind == .pgm || indexConfiguration.kind == .auto else {
            throw OmenError(.unsupported, "runs use the PGM index in this build; index kind '\(indexConfiguration.kind.name)' is not available for runs")
        }
        _ = try indexConfiguration.validated()
        return self
    }
}
