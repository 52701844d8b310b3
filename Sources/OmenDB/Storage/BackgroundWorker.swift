import Glibc

/// The database's background thread: flushes frozen hot tiers, compacts, and (in
/// NORMAL sync mode) fsyncs the log about every 100 ms.
final class BackgroundWorker {
    private unowned let database: Database
    private let signal = StorageLock()
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

    /// Finishes the current pass and joins the thread.
    func stop() {
        signal.lock()
        stopping = true
        signal.broadcast()
        signal.unlock()
        pthread_join(thread, nil)
    }

    private func run() {
        signal.lock()
        while !stopping {
            if !pending { signal.wait(milliseconds: 100) }
            if stopping { break }
            pending = false
            signal.unlock()
            if database.options.sync == .normal { database.syncLogIfNeeded() }
            database.maintain()
            signal.lock()
        }
        signal.unlock()
    }
}
