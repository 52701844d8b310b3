import Glibc

/// Starts `body` on a new detached thread: each session runs on its own thread, as a
/// PostgreSQL backend runs in its own process, because SQLite's calls block.
func startSessionThread(_ body: @escaping () -> Void) throws(PGError) {
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
        throw PGError(SQLState.programLimitExceeded, "could not start a session thread (error \(status))")
    }
}
