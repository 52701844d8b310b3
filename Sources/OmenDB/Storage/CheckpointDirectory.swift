import COmenDBShim
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
        try Self.copy(source, to: target, progress: progress)
    }

    /// Copies the file at `source` to a new file `target`, fsynced. The copy is written
    /// with direct I/O where the file system has it (as LMDB's `mdb_env_copy2` does): a
    /// backup does not fill the page cache with data nobody reads, and the fsync has no
    /// dirty pages left to write back.
    private static func copy(_ source: String, to target: String, progress: ProgressMeter?) throws(OmenError) {
        let input = try PosixFile.open(source, O_RDONLY)
        let output = try PosixFile.open(target, O_WRONLY | O_CREAT | O_EXCL)
        let size = try input.size()
        let block = 4096
        let chunk = 4 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: block)
        defer { buffer.deallocate() }
        var direct = odb_shim_set_direct_io(output.descriptor, 1) == 0
        var offset = 0
        var writeback = 0
        while offset < size {
            let piece = min(chunk, size - offset)
            try input.read(into: buffer, piece, at: offset)
            if direct {
                // The last piece is padded to a whole block; the file is cut back below.
                let padded = (piece + block - 1) / block * block
                if padded > piece { (buffer + piece).initializeMemory(as: UInt8.self, repeating: 0, count: padded - piece) }
                do throws(OmenError) { try output.write(buffer, padded, at: offset) } catch {
                    // The file system refused the direct write (alignment): write buffered.
                    guard odb_shim_set_direct_io(output.descriptor, 0) == 0 else { throw error }
                    direct = false
                    try output.write(buffer, piece, at: offset)
                }
            } else {
                try output.write(buffer, piece, at: offset)
            }
            offset += piece
            // Buffered: the disk writes while the copy goes on, so that the fsync waits less.
            if !direct && (offset - writeback >= 8 << 20 || offset == size) {
                _ = odb_shim_start_writeback(output.descriptor, Int64(writeback), Int64(offset - writeback))
                writeback = offset
            }
            try progress?.advance(by: UInt64(piece))
        }
        if try output.size() != size { try output.truncate(to: size) }
        try output.sync()
    }

    /// Adds `name` holding `bytes`, fsynced unless `sync` is false.
    func write(_ name: String, _ bytes: UnsafeRawBufferPointer, sync: Bool = true) throws(OmenError) {
        let file = try PosixFile.open(path + "/" + name, O_WRONLY | O_CREAT | O_EXCL)
        if bytes.count > 0 { try file.write(bytes.baseAddress!, bytes.count, at: 0) }
        if sync { try file.sync() }
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
