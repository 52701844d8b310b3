/// The sequences that live snapshots and transactions read at, and the snapshot bounds
/// of read-write transactions that will validate at commit.
///
/// - `oldestPinned` is what version garbage collection must keep (reported in stats).
/// - `validationHorizon` is how far the commit log may be trimmed: a validating
///   transaction registers a bound *before* taking its snapshot, so its snapshot is
///   never older than its bound, and a transaction that registers later gets a bound
///   no older than the visible sequence read here.
///
/// Thread safety: all state lives in one `RankedMutex` (lock rank `.pins`).
final class SequencePins {
    private struct State {
        /// Multisets: sequence -> how many holders.
        var pinned: [UInt64: Int] = [:]
        var validating: [UInt64: Int] = [:]
        var activeTransactions = 0
    }

    private let state = RankedMutex(rank: .pins, State())

    func pin(_ sequence: UInt64) {
        state.withLock { $0.pinned[sequence, default: 0] += 1 }
    }

    func unpin(_ sequence: UInt64) {
        state.withLock { Self.remove(sequence, from: &$0.pinned) }
    }

    /// Registers a transaction and returns its bound: `currentVisible()`, read under
    /// the lock, which its snapshot (taken afterwards) is never older than. The bound
    /// is pinned (a conservative stand-in for the snapshot's own sequence) and, for a
    /// transaction that validates at commit, holds back the commit log's trimming.
    func beginTransaction(validating: Bool, currentVisible: () -> UInt64) -> UInt64 {
        state.withLock { state -> UInt64 in
            state.activeTransactions += 1
            let bound = currentVisible()
            state.pinned[bound, default: 0] += 1
            if validating { state.validating[bound, default: 0] += 1 }
            return bound
        }
    }

    func endTransaction(bound: UInt64, validating: Bool) {
        state.withLock { state in
            state.activeTransactions -= 1
            Self.remove(bound, from: &state.pinned)
            if validating { Self.remove(bound, from: &state.validating) }
        }
    }

    /// Commits at or below this sequence can never conflict with a transaction that is
    /// open now or begins later.
    func validationHorizon(currentVisible: () -> UInt64) -> UInt64 {
        state.withLock { state in
            let visible = currentVisible()
            return state.validating.keys.reduce(visible) { min($0, $1) }
        }
    }

    /// The oldest sequence a live snapshot or transaction reads at, or nil.
    var oldestPinned: UInt64? { state.withLock { $0.pinned.keys.min() } }
    var pinnedCount: Int { state.withLock { $0.pinned.values.reduce(0, +) } }
    var activeTransactions: Int { state.withLock { $0.activeTransactions } }

    private static func remove(_ sequence: UInt64, from multiset: inout [UInt64: Int]) {
        guard let count = multiset[sequence] else { preconditionFailure("unpinning sequence \(sequence), which is not pinned") }
        multiset[sequence] = count == 1 ? nil : count - 1
    }
}
