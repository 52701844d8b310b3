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
    /// The learned index of run files. Kind `.auto` (the default) gives each run the kind
    /// `AutoSelection` picks for its own keys at flush, compaction and bulk load; `.linear`,
    /// `.rmi` or `.pgm` gives every run that kind. `.alex` is refused: it keeps its own
    /// copy of every key in gapped arrays (about 23 bytes per key), where a run's keys are
    /// an immutable sorted column that the array kinds search in place.
    public var indexConfiguration: IndexConfiguration = {
        var configuration = IndexConfiguration()
        configuration.kind = .auto
        return configuration
    }()
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
        guard indexConfiguration.kind != .alex else {
            throw OmenError(.unsupported, "index kind 'alex' is not available for runs (it keeps its own copy of every key; runs use linear, rmi, pgm or auto)")
        }
        _ = try indexConfiguration.validated()
        return self
    }
}
