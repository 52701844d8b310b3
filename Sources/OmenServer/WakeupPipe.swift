import Glibc

/// A pipe another thread writes to end a poll(2) wait: `readEnd` goes in the poll set
/// and stays readable once `signal` ran (it is never drained, so every later wait ends
/// at once too). Both ends are non-blocking and close-on-exec.
final class WakeupPipe: @unchecked Sendable {
    let readEnd: Int32
    private let writeEnd: Int32

    init() throws(PGError) {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else {
            throw PGError(SQLState.systemError, "could not create a pipe: \(String(cString: strerror(errno)))")
        }
        for end in ends {
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        readEnd = ends[0]
        writeEnd = ends[1]
    }

    deinit {
        close(readEnd)
        close(writeEnd)
    }

    /// Any thread.
    func signal() {
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }
}
