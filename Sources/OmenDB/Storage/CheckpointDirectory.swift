import Glibc

/// The temporary directory a checkpoint is built in, next to its destination
/// (`<destination>.tmp-XXXXXX`), and its files: hard links or copies of run files and
/// written files, each durable before `publish` renames the directory into place.
struct CheckpointDirectory {
    let destination: String
    let path: String
    private let parent: String

    /// Creates the temporary directory. `.invalidArgument` when `destination` is empty or
    /// exists (as anything, even an empty directory or a dangling link); `.ioError` when
    /// the parent directory is missing or refuses it.
    init(destination given: String) throws(OmenError) {
        var trimmed = Substring(given)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        let destination = String(trimmed)
        guard !destination.isEmpty else { throw OmenError(.invalidArgument, "the checkpoint path is empty") }
        var info = stat()
        guard lstat(destination, &info) != 0 else {
            throw OmenError(.invalidArgument, "checkpoint destination '\(destination)' already exists")
        }
        self.destination = destination
        parent = Recovery.parentDirectory(of: destination)
        guard FileSystem.isDirectory(parent) else {
            throw OmenError(.ioError, "the parent directory '\(parent)' of checkpoint destination '\(destination)' does not exist (errno \(ENOENT))")
        }
        var template = Array((destination + ".tmp-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw ioError("mkdtemp", destination + ".tmp-XXXXXX") }
        path = String(cString: made)
        // mkdtemp makes it private (0700); a database directory is 0755 (`FileSystem.makeDirectory`).
        if chmod(path, 0o755) != 0 {
            let error = ioError("chmod", path)
            _ = rmdir(path)
            throw error
        }
    }

    /// Adds `name`, the file at `source` (immutable): a hard link when `link` and the file
    /// system allows it, else a copy, fsynced. Advances `progress` by the file's size.
    func add(_ name: String, from source: String, link: Bool, progress: ProgressMeter?) throws(OmenError) {
        let target = path + "/" + name
        if link {
            if Glibc.link(source, target) == 0 {
                try progress?.advance(by: FileSystem.size(target))
                return
            }
            // Another file system, or one without hard links (or not for this user): copy.
            let code = errno
            guard code == EXDEV || code == EPERM || code == EMLINK || code == EOPNOTSUPP || code == ENOTSUP else {
                throw ioError("link to '\(target)' of", source, code)
            }
        }
        let input = try PosixFile.open(source, O_RDONLY)
        let output = try PosixFile.open(target, O_WRONLY | O_CREAT | O_EXCL)
        let size = try input.size()
        let chunk = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        var offset = 0
        while offset < size {
            let piece = min(chunk, size - offset)
            try input.read(into: buffer, piece, at: offset)
            try output.write(buffer, piece, at: offset)
            offset += piece
            try progress?.advance(by: UInt64(piece))
        }
        try output.sync()
    }

    /// Adds `name` holding `bytes`, fsynced.
    func write(_ name: String, _ bytes: UnsafeRawBufferPointer) throws(OmenError) {
        let file = try PosixFile.open(path + "/" + name, O_WRONLY | O_CREAT | O_EXCL)
        if bytes.count > 0 { try file.write(bytes.baseAddress!, bytes.count, at: 0) }
        try file.sync()
    }

    /// Makes the directory durable and renames it to the destination (refused when the
    /// destination appeared meanwhile), then makes the rename durable. A failure after
    /// the rename removes the destination again.
    func publish() throws(OmenError) {
        try FileSystem.syncDirectory(path)
        var info = stat()
        guard lstat(destination, &info) != 0 else {
            throw OmenError(.invalidArgument, "checkpoint destination '\(destination)' already exists")
        }
        // rename(2) refuses a non-empty directory or a file at the destination, but would
        // replace an empty directory made between the check above and this call
        // (Swift's Glibc lacks renameat2's RENAME_NOREPLACE).
        try FileSystem.rename(path, destination)
        do throws(OmenError) { try FileSystem.syncDirectory(parent) } catch {
            Self.removeTree(destination)
            throw error
        }
    }

    /// Removes the temporary directory and what it holds (best effort).
    func discard() { Self.removeTree(path) }

    private static func removeTree(_ directory: String) {
        for name in (try? FileSystem.list(directory)) ?? [] { try? FileSystem.remove(directory + "/" + name) }
        _ = rmdir(directory)
    }
}
