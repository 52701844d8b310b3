import Glibc

/// Starts `body` on a new detached thread.
/// The listener and each session run on threads of their own, as PostgreSQL's
/// postmaster and backends run in processes of their own, because SQLite's calls block.
func startThread(_ body: @escaping () -> Void) throws(PGError) {
    final class Box { let body: () -> Void; init(_ body: @escaping () -> Void) { self.body = body } }
    let box = Unmanaged.passRetained(Box(body)).toOpaque()
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    defer { pthread_attr_destroy(&attributes) }
    pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
    pthread_attr_setstacksize(&attributes, 8 << 20)   // SQLite's parser recurses on deep expressions
    var thread = pthread_t()
    let status = pthread_create(&thread, &attributes, { context in
        let box = Unmanaged<Box>.fromOpaque(context!).takeRetainedValue()
        box.body()
        return nil
    }, box)
    if status != 0 {
        Unmanaged<Box>.fromOpaque(box).release()
        throw PGError(SQLState.programLimitExceeded, "could not start a thread (error \(status))")
    }
}
