import Glibc

/// An error from the operating system, naming the operation and the file.
func ioError(_ operation: String, _ path: String, _ code: Int32 = errno) -> OmenError {
    OmenError(.ioError, "\(operation) '\(path)' failed: \(String(cString: strerror(code))) (errno \(code))")
}

/// An open file descriptor with the few POSIX operations the engine uses. Closed on deinit.
final class PosixFile {
    let descriptor: Int32
    /// The file's name (updated when `FileSystem.createAtomically` renames it into place).
    fileprivate(set) var path: String

    private init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    deinit { close(descriptor) }

    /// Opens `path` with `flags` (O_CLOEXEC is added); `mode` applies when creating.
    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o644) throws(OmenError) -> PosixFile {
        let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
        guard fd >= 0 else { throw ioError("open", path) }
        return PosixFile(descriptor: fd, path: path)
    }

    /// The file's size in bytes.
    func size() throws(OmenError) -> Int {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw ioError("fstat", path) }
        return Int(info.st_size)
    }

    /// Writes all `count` bytes at `offset`, retrying short writes and EINTR.
    func write(_ bytes: UnsafeRawPointer, _ count: Int, at offset: Int) throws(OmenError) {
        var done = 0
        while done < count {
            let n = pwrite(descriptor, bytes + done, count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw ioError("write", path)
            }
            if n == 0 { throw OmenError(.ioError, "write '\(path)' made no progress at offset \(offset + done)") }
            done += n
        }
    }

    /// Reads exactly `count` bytes at `offset`; fewer available is a corruption (truncated file).
    func read(into buffer: UnsafeMutableRawPointer, _ count: Int, at offset: Int) throws(OmenError) {
        var done = 0
        while done < count {
            let n = pread(descriptor, buffer + done, count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw ioError("read", path)
            }
            if n == 0 {
                throw OmenError(.corruption, "'\(path)' is truncated: wanted \(count) bytes at offset \(offset), file ends at \(offset + done)")
            }
            done += n
        }
    }

    /// Flushes data (not necessarily metadata unrelated to reading it back) to stable storage.
    func syncData() throws(OmenError) {
        guard fdatasync(descriptor) == 0 else { throw ioError("fdatasync", path) }
    }

    /// Flushes data and metadata to stable storage.
    func sync() throws(OmenError) {
        guard fsync(descriptor) == 0 else { throw ioError("fsync", path) }
    }

    func truncate(to length: Int) throws(OmenError) {
        guard ftruncate(descriptor, off_t(length)) == 0 else { throw ioError("ftruncate", path) }
    }
}

/// File-system operations on paths.
enum FileSystem {
    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// The size of the file at `path`, 0 when it cannot be read.
    static func size(_ path: String) -> UInt64 {
        var info = stat()
        return stat(path, &info) == 0 ? UInt64(info.st_size) : 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    static func makeDirectory(_ path: String) throws(OmenError) {
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw ioError("mkdir", path) }
    }

    /// Atomically replaces `to` with `from`.
    static func rename(_ from: String, _ to: String) throws(OmenError) {
        guard Glibc.rename(from, to) == 0 else { throw ioError("rename to '\(to)' of", from) }
    }

    static func remove(_ path: String) throws(OmenError) {
        if unlink(path) != 0 && errno != ENOENT { throw ioError("unlink", path) }
    }

    /// Makes the directory's entries (creations, renames, removals) durable.
    static func syncDirectory(_ path: String) throws(OmenError) {
        let directory = try PosixFile.open(path, O_RDONLY | O_DIRECTORY)
        try directory.sync()
    }

    /// The names of the entries of a directory (without "." and "..").
    static func list(_ path: String) throws(OmenError) -> [String] {
        guard let directory = opendir(path) else { throw ioError("opendir", path) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Reads a whole (small) file.
    static func readAll(_ path: String) throws(OmenError) -> [UInt8] {
        let file = try PosixFile.open(path, O_RDONLY)
        let size = try file.size()
        var bytes = [UInt8](repeating: 0, count: size)
        if size > 0 {
            try withMutableRawBytes(of: &bytes) { (raw) throws(OmenError) in
                try file.read(into: raw.baseAddress!, size, at: 0)
            }
        }
        return bytes
    }

    /// The suffix of files being created or replaced (`createAtomically`,
    /// `replaceAtomically`): such a file never holds state, and recovery removes it.
    static let temporarySuffix = ".tmp"

    /// Reads a whole file whose size is not known in advance (such as those in /proc,
    /// which report size 0), until end of file.
    static func readToEnd(_ path: String) throws(OmenError) -> [UInt8] {
        let file = try PosixFile.open(path, O_RDONLY)
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(file.descriptor, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ioError("read", path)
            }
            if n == 0 { return bytes }
            bytes += chunk[0..<n]
        }
    }

    /// Writes `bytes` to `path` via a temporary file, fsync, rename and a directory fsync:
    /// after a crash at any point, `path` holds either its old or its new content.
    ///
    /// - Throws: when `path` is unchanged (the temporary file is removed, best effort).
    /// - Returns: nil when the new content is durable, or the error of the directory
    ///   fsync after the rename: `path` then holds the new content, which a machine
    ///   crash may still undo (the old content cannot be put back). Callers treat the
    ///   replacement as done and keep every file either content may name.
    static func replaceAtomically(_ path: String, directory: String, with bytes: [UInt8]) throws(OmenError) -> OmenError? {
        let file = try writeTemporary(path, with: bytes)
        do throws(OmenError) { try rename(file.path, path) } catch {
            try? remove(file.path)
            throw error
        }
        file.path = path
        do throws(OmenError) { try syncDirectory(directory) } catch { return error }
        return nil
    }

    /// Creates `path` (which must not exist) holding `bytes`, durably, or nothing: the
    /// file is written and fsynced under a temporary name, renamed into place and the
    /// directory fsynced; on any failure both names are removed (best effort). Returns
    /// the new file, open for writing.
    static func createAtomically(_ path: String, directory: String, with bytes: [UInt8]) throws(OmenError) -> PosixFile {
        let file = try writeTemporary(path, with: bytes)
        do throws(OmenError) {
            try rename(file.path, path)
            file.path = path
            try syncDirectory(directory)
            return file
        } catch {
            try? remove(file.path)
            throw error
        }
    }

    /// `path` + `temporarySuffix`, created or truncated, holding `bytes`, fsynced.
    private static func writeTemporary(_ path: String, with bytes: [UInt8]) throws(OmenError) -> PosixFile {
        let temporary = path + temporarySuffix
        do throws(OmenError) {
            let file = try PosixFile.open(temporary, O_WRONLY | O_CREAT | O_TRUNC)
            try withRawBytes(of: bytes) { (raw) throws(OmenError) in
                try file.write(raw.baseAddress!, raw.count, at: 0)
            }
            try file.sync()
            return file
        } catch {
            try? remove(temporary)
            throw error
        }
    }
}
