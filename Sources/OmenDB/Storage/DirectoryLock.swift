import Glibc

/// An advisory lock on `<dir>/LOCK` (flock): exclusive for a writer, shared for
/// read-only openers. The holder's PID is written into the file for error messages.
/// Released when the object goes away (the descriptor closes).
final class DirectoryLock {
    private let file: PosixFile

    init(directory: String, exclusive: Bool) throws(OmenError) {
        let path = directory + "/LOCK"
        file = try PosixFile.open(path, exclusive ? (O_RDWR | O_CREAT) : O_RDONLY)
        if flock(file.descriptor, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0 {
            let code = errno
            if code == EWOULDBLOCK {
                let holder = (try? FileSystem.readAll(path)).map { String(decoding: $0, as: UTF8.self) } ?? "?"
                let pid = holder.isEmpty ? "unknown" : holder
                throw OmenError(.busy, "database '\(directory)' is locked by another opener (process \(pid))")
            }
            throw ioError("flock", path, code)
        }
        if exclusive {
            let pid = Array(String(getpid()).utf8)
            try file.truncate(to: 0)
            try withRawBytes(of: pid) { (raw) throws(OmenError) in try file.write(raw.baseAddress!, raw.count, at: 0) }
        }
    }
}
