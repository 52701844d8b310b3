import Glibc

/// The database's background thread: flushes frozen hot tiers, compacts, and (in
/// NORMAL sync mode) fsyncs the log about every 100 ms.
///
/// It holds the database weakly, and strongly only during a pass: when a user drops the
/// last reference meanwhile, the database's `deinit` (and `close`, and `stop`) runs
/// on this thread at the end of the pass, so `stop` must not join its own thread.
final class BackgroundWorker {
    private weak var database: Database?
    private let signal = StorageLock(rank: .workerSignal)
    private var stopping = false
    private var pending = false
    private var thread = pthread_t()

    init(database: Database) {
        self.database = database
        let context = Unmanaged.passRetained(self).toOpaque()
        pthread_create(&thread, nil, { raw in
            let worker = Unmanaged<BackgroundWorker>.fromOpaque(raw!).takeRetainedValue()
            worker.run()
            return nil
        }, context)
    }

    /// Asks for a maintenance pass soon.
    func wake() {
        signal.lock()
        pending = true
        signal.broadcast()
        signal.unlock()
    }

    /// Finishes the current pass and joins the thread (detaches it when called on the
    /// worker thread itself, which then ends as soon as the call returns).
    func stop() {
        signal.lock()
        stopping = true
        signal.broadcast()
        signal.unlock()
        let status = pthread_equal(thread, pthread_self()) != 0 ? pthread_detach(thread) : pthread_join(thread, nil)
        precondition(status == 0, "stopping the background thread failed (error \(status))")
    }

    private func run() {
        signal.lock()
        while !stopping {
            if !pending { signal.wait(milliseconds: 100) }
            if stopping { break }
            pending = false
            signal.unlock()
            if let database {
                if database.options.sync == .normal { database.syncLogIfNeeded() }
                database.maintain()
            }
            signal.lock()
        }
        signal.unlock()
    }
}
