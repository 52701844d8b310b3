import COmenDBShim
import Glibc

/// The one order in which a thread may take the engine's locks: while holding a lock
/// it takes only locks of a higher rank. Debug builds check every acquisition
/// (`StorageLock.lock`) and stop the process on a violation, naming both locks;
/// release builds check nothing.
enum LockRank: UInt32, CaseIterable {
    /// `Database.writerLock`: the log, sequence numbers, the active tier's writes.
    case writer = 0
    /// `Database.maintenanceLock`: flush, compaction, bulk load, verify.
    case maintenance = 1
    /// `Database.manifestLock`: storing the manifest.
    case manifest = 2
    /// `SequencePins`: pinned snapshot sequences, validating transactions.
    case pins = 3
    /// `Database.viewLock`: the published view, visible sequence, file numbers.
    case view = 4
    /// `PublishedView`'s list of replaced views awaiting their readers' exit.
    case retiredViews = 5
    /// `BackgroundWorker`'s wake-up signal.
    case workerSignal = 6
    /// `HotTier.writerLock`: a tier's writer against its size statistics.
    case hotTier = 7
}

/// A pthread mutex with a condition variable (heap-allocated so they never move),
/// ranked in the engine's lock order (`LockRank`).
final class StorageLock {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    let rank: LockRank

    init(rank: LockRank) {
        self.rank = rank
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    @inline(__always) func lock() {
        #if DEBUG
        Self.checkOrder(taking: rank)
        #endif
        pthread_mutex_lock(mutex)
    }

    @inline(__always) func unlock() {
        pthread_mutex_unlock(mutex)
        #if DEBUG
        odb_shim_thread_lock_ranks()!.pointee &= ~(1 << rank.rawValue)
        #endif
    }

    @inline(__always)
    func withLock<T>(_ body: () throws(OmenError) -> T) throws(OmenError) -> T {
        lock()
        defer { unlock() }
        return try body()
    }

    @inline(__always)
    func withLock<T>(_ body: () -> T) -> T {
        lock()
        defer { unlock() }
        return body()
    }

    #if DEBUG
    /// Stops the process when the calling thread holds a lock of rank `rank` or higher.
    private static func checkOrder(taking rank: LockRank) {
        let held = odb_shim_thread_lock_ranks()!
        let conflicting = held.pointee >> rank.rawValue
        if conflicting != 0 {
            let names = LockRank.allCases.filter { held.pointee & (1 << $0.rawValue) != 0 }.map { "\($0)" }
            fatalError("lock order violated: taking the \(rank) lock while holding \(names.joined(separator: ", ")) (see LockRank)")
        }
        held.pointee |= 1 << rank.rawValue
    }
    #endif

    /// Waits for a broadcast (the mutex must be held; it is released while waiting).
    func wait() { pthread_cond_wait(condition, mutex) }

    /// Waits for a broadcast or until `milliseconds` have passed.
    func wait(milliseconds: Int) {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        var deadline = now
        let nanoseconds = Int(now.tv_nsec) + milliseconds * 1_000_000
        deadline.tv_sec += nanoseconds / 1_000_000_000
        deadline.tv_nsec = nanoseconds % 1_000_000_000
        pthread_cond_timedwait(condition, mutex, &deadline)
    }

    func broadcast() { pthread_cond_broadcast(condition) }
}

/// State that only a ranked lock's holder may touch: the lock and what it guards in one
/// object, reachable only through `withLock`.
final class RankedMutex<State> {
    private let lock: StorageLock
    private var state: State

    init(rank: LockRank, _ state: State) {
        lock = StorageLock(rank: rank)
        self.state = state
    }

    @inline(__always)
    func withLock<T>(_ body: (inout State) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&state)
    }
}
