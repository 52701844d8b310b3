/// The caller's progress callback for a long call (bulk load, compaction, verify,
/// checkpoint): given the work done so far and the total, in the call's unit (keys or
/// bytes, documented per call); returns false to cancel the call, which then throws
/// `.cancelled` and leaves the database as it was. Called on the calling thread, inside
/// the call, which may hold the database's locks: it must not call into the same database.
public typealias ProgressCallback = (_ done: UInt64, _ total: UInt64) -> Bool

/// Reports one call's progress to a `ProgressCallback` at a bounded rate and turns a
/// cancellation into an error. Used from the calling thread only.
///
/// The callback is called once at the start (done 0), then whenever `done` has grown by
/// at least 1/64 of the total since the last call, and once with done == total before
/// the call's last point of no return: at most 66 calls, `done` never decreasing and
/// never above `total`.
final class ProgressMeter {
    private let callback: ProgressCallback
    private let operation: String
    let total: UInt64
    private(set) var done: UInt64 = 0
    private var reported: UInt64?
    private let step: UInt64

    /// A meter for `total` units of `operation` (named in the cancellation message), or
    /// nil without a callback.
    init?(_ callback: ProgressCallback?, operation: String, total: UInt64) {
        guard let callback else { return nil }
        self.callback = callback
        self.operation = operation
        self.total = total
        step = max(1, total / 64 + (total % 64 == 0 ? 0 : 1))
    }

    /// Reports done 0 (the first call).
    func start() throws(OmenError) { try report() }

    /// Adds `units` of work done (clamped to the total); reports when a step is complete.
    @inline(__always)
    func advance(by units: UInt64) throws(OmenError) {
        try advance(to: done &+ units)
    }

    /// Sets the work done to `position` when that is more (clamped to the total).
    @inline(__always)
    func advance(to position: UInt64) throws(OmenError) {
        guard position > done else { return }
        done = min(position, total)
        if done - (reported ?? 0) >= step { try report() }
    }

    /// Reports done == total unless already reported: the last call, and the last point
    /// at which the callback can cancel.
    func finish() throws(OmenError) {
        done = total
        if reported != total { try report() }
    }

    private func report() throws(OmenError) {
        reported = done
        guard callback(done, total) else {
            throw OmenError(.cancelled, "\(operation) cancelled by the progress callback at \(done) of \(total)")
        }
    }
}
