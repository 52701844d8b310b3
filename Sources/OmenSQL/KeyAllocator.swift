import OmenDB
import Synchronization

/// The keys of rows inserted without one (docs/sql.md, "Keys"): like a PostgreSQL
/// sequence, one counter per table shared by every connection of the process, so
/// concurrent transactions inserting without keys take different keys without reading
/// the table's last key (which would make them conflict). The counter starts at the
/// largest committed key + 1 and stays above every key written in the process since
/// (`observe`), so it never hands out a key that exists or that a transaction wrote;
/// keys of rolled-back inserts are not reused (gaps, as with a sequence).
final class KeyAllocator: Sendable {
    private struct State {
        var started = false
        /// The next key to hand out; nil once Int64.max was written (none left).
        var next: Int64? = 1
    }
    private let state = Mutex<State>(State())
    /// A lower bound of `next` once started (Int64.min before): a written key below it
    /// needs no lock (most explicit keys of an insert-heavy workload).
    private let floor = Atomic<Int64>(Int64.min)
    private let table: String

    init(table: String) {
        self.table = table
    }

    /// The next key. `largestCommitted` (the table's largest committed key, nil when
    /// empty) is asked once, at the first use in the process.
    func allocate(largestCommitted: () throws(OmenError) -> Int64?) throws(OmenError) -> Int64 {
        try state.withLock { (state) throws(OmenError) -> Int64 in
            try Self.start(&state, largestCommitted)
            guard let key = state.next else {
                throw OmenError(.tooLarge, "table \(table): the key \(Int64.max) was used: give the key explicitly")
            }
            state.next = key == Int64.max ? nil : key + 1
            floor.store(state.next ?? Int64.max, ordering: .relaxed)
            return key
        }
    }

    /// Notes that `key` was written: later allocations are above it.
    func observe(_ key: Int64, largestCommitted: () throws(OmenError) -> Int64?) throws(OmenError) {
        guard key >= floor.load(ordering: .relaxed) else { return }
        try state.withLock { (state) throws(OmenError) in
            try Self.start(&state, largestCommitted)
            if let next = state.next, key >= next { state.next = key == Int64.max ? nil : key + 1 }
            floor.store(state.next ?? Int64.max, ordering: .relaxed)
        }
    }

    private static func start(_ state: inout State, _ largestCommitted: () throws(OmenError) -> Int64?) throws(OmenError) {
        guard !state.started else { return }
        if let largest = try largestCommitted() { state.next = largest == Int64.max ? nil : max(1, largest + 1) }
        state.started = true
    }
}
