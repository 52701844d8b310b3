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
        var pinned = SequenceMultiset()
        var validating = SequenceMultiset()
        var activeTransactions = 0
    }

    private let state = RankedMutex(rank: .pins, State())

    func pin(_ sequence: UInt64) {
        state.withLock { $0.pinned.insert(sequence) }
    }

    func unpin(_ sequence: UInt64) {
        state.withLock { $0.pinned.remove(sequence) }
    }

    /// Registers a transaction and returns its bound: `currentVisible()`, read under
    /// the lock, which its snapshot (taken afterwards) is never older than. The bound
    /// is pinned (a conservative stand-in for the snapshot's own sequence) and, for a
    /// transaction that validates at commit, holds back the commit log's trimming.
    func beginTransaction(validating: Bool, currentVisible: () -> UInt64) -> UInt64 {
        state.withLock { state -> UInt64 in
            state.activeTransactions += 1
            let bound = currentVisible()
            state.pinned.insert(bound)
            if validating { state.validating.insert(bound) }
            return bound
        }
    }

    func endTransaction(bound: UInt64, validating: Bool) {
        state.withLock { state in
            state.activeTransactions -= 1
            state.pinned.remove(bound)
            if validating { state.validating.remove(bound) }
        }
    }

    /// Commits at or below this sequence can never conflict with a transaction that is
    /// open now or begins later.
    func validationHorizon(currentVisible: () -> UInt64) -> UInt64 {
        state.withLock { state in
            let visible = currentVisible()
            return min(visible, state.validating.minimum ?? visible)
        }
    }

    /// The oldest sequence a live snapshot or transaction reads at, or nil.
    var oldestPinned: UInt64? { state.withLock { $0.pinned.minimum } }
    var activeTransactions: Int { state.withLock { $0.activeTransactions } }
}

/// A multiset of sequence numbers as a sorted array of (sequence, holders): no hashing,
/// and the usual case (pinning the newest sequence, unpinning the oldest) touches one
/// end. Holders at once are few (open snapshots and transactions).
struct SequenceMultiset {
    private var entries: [(sequence: UInt64, holders: Int)] = []

    var minimum: UInt64? { entries.first?.sequence }

    mutating func insert(_ sequence: UInt64) {
        let index = position(of: sequence)
        if index < entries.count && entries[index].sequence == sequence {
            entries[index].holders += 1
        } else {
            entries.insert((sequence, 1), at: index)
        }
    }

    mutating func remove(_ sequence: UInt64) {
        let index = position(of: sequence)
        precondition(index < entries.count && entries[index].sequence == sequence,
                     "unpinning sequence \(sequence), which is not pinned")
        if entries[index].holders == 1 { entries.remove(at: index) } else { entries[index].holders -= 1 }
    }

    /// The first index whose sequence is >= `sequence`.
    private func position(of sequence: UInt64) -> Int {
        if let last = entries.last, last.sequence < sequence { return entries.count }
        var low = 0, high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].sequence < sequence { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
