import Glibc

/// An advisory lock on `<dir>/LOCK` (flock): exclusive for a writer, shared for
/// read-only openers. Released when the object goes away (the descriptor closes).
/// When the lock is taken, the error names the processes that hold it, as the kernel
/// reports them (`/proc/locks`), so the name is never stale.
final class DirectoryLock {
    static let fileName = "LOCK"
    private let file: PosixFile

    init(directory: String, exclusive: Bool) throws(OmenError) {
        let path = directory + "/" + Self.fileName
        file = try PosixFile.open(path, exclusive ? (O_RDWR | O_CREAT) : O_RDONLY)
        if flock(file.descriptor, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0 {
            let code = errno
            if code == EWOULDBLOCK {
                throw OmenError(.busy, "database '\(directory)' is locked by another opener (\(Self.holders(of: file)))")
            }
            throw ioError("flock", path, code)
        }
    }

    /// "process 123 (read-write)", "processes 4, 5 (read-only)" or "process unknown":
    /// the flock holders of `file` listed in /proc/locks, matched by device and inode.
    private static func holders(of file: PosixFile) -> String {
        var info = stat()
        guard fstat(file.descriptor, &info) == 0, let table = try? FileSystem.readToEnd("/proc/locks") else {
            return "process unknown"
        }
        let device = UInt64(info.st_dev)
        let major = ((device >> 8) & 0xfff) | ((device >> 32) & ~0xfff)
        let minor = (device & 0xff) | ((device >> 12) & ~0xff)
        func hex2(_ value: UInt64) -> String { value < 16 ? "0" + String(value, radix: 16) : String(value, radix: 16) }
        let identity = "\(hex2(major)):\(hex2(minor)):\(info.st_ino)"
        var readers: [String] = []
        var writers: [String] = []
        // "1: FLOCK  ADVISORY  WRITE 8310 fe:00:16220196 0 EOF"; waiters have "->" after the number.
        for line in String(decoding: table, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 6, fields[1] == "FLOCK", fields[5] == identity else { continue }
            if fields[3] == "WRITE" { writers.append(String(fields[4])) } else { readers.append(String(fields[4])) }
        }
        func describe(_ pids: [String], _ kind: String) -> String {
            (pids.count == 1 ? "process " : "processes ") + pids.joined(separator: ", ") + " (\(kind))"
        }
        if !writers.isEmpty { return describe(writers, "read-write") }
        if !readers.isEmpty { return describe(readers, "read-only") }
        return "process unknown"
    }
}
