/// How much of other transactions' work a transaction may observe (docs/transactions.md).
///
/// The raw values are part of the ABI (`OMENDB_ISOLATION_*` in `omendb.h`): never renumber.
public enum IsolationLevel: Int32, Sendable, CaseIterable {
    /// Exactly `readCommitted`. A transaction's writes stay private until its commit,
    /// so there is no uncommitted data to read: dirty reads cannot happen at any level
    /// (PostgreSQL makes the same choice).
    case readUncommitted = 0
    /// Every read sees the newest committed state; commits are not validated (a write
    /// overwrites whatever committed meanwhile: lost updates and skews are possible).
    case readCommitted = 1
    /// Snapshot isolation: every read sees the state at `begin`; a commit fails with
    /// `.conflict` when another commit after that snapshot wrote one of its keys
    /// (first committer wins). Write skew is possible.
    case repeatableRead = 2
    /// Snapshot reads, and a commit fails with `.conflict` when a commit after the
    /// snapshot wrote a key it read, a key in a range it scanned, or a key it writes:
    /// committed transactions are equivalent to running one at a time in commit order.
    case serializable = 3

    /// Whether reads come from the snapshot taken at `begin` (not the newest state).
    var readsSnapshot: Bool { self == .repeatableRead || self == .serializable }
}

/// Options for `Database.beginTransaction`.
public struct TransactionOptions: Sendable {
    public var isolation: IsolationLevel
    /// A read-only transaction refuses writes (`.readOnly`) and never conflicts.
    public var readOnly: Bool

    public init(isolation: IsolationLevel = .serializable, readOnly: Bool = false) {
        self.isolation = isolation
        self.readOnly = readOnly
    }
}
