import Glibc

/// Buffered writes to a file descriptor (stdout or a created file), failing with exit
/// code 4 and the file's name.
final class OutputStream {
    private let descriptor: Int32
    let name: String
    private var buffer: [UInt8] = []
    private let ownsDescriptor: Bool

    /// Standard output, or `path` created (truncated) when given.
    init(path: String?) throws(CLIFailure) {
        if let path {
            descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { throw CLIFailure(.io, "\(path): cannot create: \(String(cString: strerror(errno)))") }
            name = path
            ownsDescriptor = true
        } else {
            descriptor = STDOUT_FILENO
            name = "standard output"
            ownsDescriptor = false
        }
        buffer.reserveCapacity(1 << 20)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(CLIFailure) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 { try drain() }
    }

    func write(_ bytes: [UInt8]) throws(CLIFailure) {
        for start in stride(from: 0, to: bytes.count, by: 1 << 20) {
            buffer.append(contentsOf: bytes[start..<min(bytes.count, start + (1 << 20))])
            if buffer.count >= 1 << 20 { try drain() }
        }
    }

    func write(_ text: String) throws(CLIFailure) {
        try write(Array(text.utf8))
    }

    /// Writes what is buffered; for a file, fsyncs and closes it.
    func finish() throws(CLIFailure) {
        try drain()
        if ownsDescriptor {
            guard fsync(descriptor) == 0, close(descriptor) == 0 else {
                throw CLIFailure(.io, "\(name): cannot sync: \(String(cString: strerror(errno)))")
            }
        }
    }

    private func drain() throws(CLIFailure) {
        var written = 0
        while written < buffer.count {
            let result = buffer.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + written, $0.count - written) }
            if result < 0 {
                if errno == EINTR { continue }
                throw CLIFailure(.io, "\(name): write failed: \(String(cString: strerror(errno)))")
            }
            written += result
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// The whole of standard input or of the file at `path`.
func readAll(path: String?) throws(CLIFailure) -> (bytes: [UInt8], name: String) {
    let name = path ?? "standard input"
    let descriptor = path.map { open($0, O_RDONLY | O_CLOEXEC) } ?? STDIN_FILENO
    guard descriptor >= 0 else {
        let code = errno
        throw CLIFailure(code == ENOENT ? .invalid : .io, "\(name): cannot open: \(String(cString: strerror(code)))")
    }
    defer { if path != nil { close(descriptor) } }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let result = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
        if result < 0 {
            if errno == EINTR { continue }
            throw CLIFailure(.io, "\(name): read failed: \(String(cString: strerror(errno)))")
        }
        if result == 0 { return (bytes, name) }
        bytes.append(contentsOf: chunk[0..<result])
    }
}
