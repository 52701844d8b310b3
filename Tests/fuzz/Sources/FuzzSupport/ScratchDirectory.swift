@testable import OmenDB
import Glibc

/// A per-process temporary directory for targets that parse real files; removed at exit.
public final class ScratchDirectory {
    public let path: String

    public init() {
        let base = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(base)/omendb-fuzz.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            fputs("mkdtemp in \(base) failed (errno \(errno))\n", stderr)
            exit(2)
        }
        path = String(cString: made)
        ScratchDirectory.toRemove = path
        atexit { if let path = ScratchDirectory.toRemove { ScratchDirectory.removeTree(path) } }
    }

    nonisolated(unsafe) private static var toRemove: String?

    /// Replaces the directory's content with `files` (name, bytes).
    public func reset(_ files: [(String, [UInt8])]) {
        for name in (try? FileSystem.list(path)) ?? [] { unlink(path + "/" + name) }
        for (name, bytes) in files { write(name, bytes) }
    }

    public func write(_ name: String, _ bytes: [UInt8]) {
        let fd = open(path + "/" + name, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        invariant(fd >= 0, "cannot create \(path)/\(name) (errno \(errno))")
        defer { close(fd) }
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        invariant(written == bytes.count, "short write to \(path)/\(name)")
    }

    private static func removeTree(_ path: String) {
        for name in (try? FileSystem.list(path)) ?? [] { unlink(path + "/" + name) }
        rmdir(path)
    }
}
