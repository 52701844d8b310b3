import Glibc
import NIOConcurrencyHelpers

/// The listening TCP socket and its accept loop (on a thread of its own): each accepted
/// connection goes to `accepted` as a non-blocking socket with TCP_NODELAY.
final class Listener: @unchecked Sendable {
    /// The bound port (the one the system chose when asked for port 0).
    let port: Int
    private let socket: Int32
    private let wakeup: WakeupPipe
    /// 1 once the accept loop has returned.
    private let stopped = ConditionLock(value: 0)

    /// Binds `host:port` (the first address `host` resolves to) and listens.
    init(host: String, port: Int, backlog: Int32) throws(PGError) {
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &found)
        guard status == 0, let address = found else {
            throw PGError(SQLState.systemError, "could not resolve \"\(host)\": \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(found) }
        let socket = Glibc.socket(address.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socket >= 0 else { throw Self.failure("could not create a socket") }
        var on: Int32 = 1
        setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        guard bind(socket, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0, listen(socket, backlog) == 0 else {
            let error = Self.failure("could not listen on \(host):\(port)")
            Glibc.close(socket)
            throw error
        }
        var bound = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(socket, $0, &length) }
        }
        let networkPort = bound.ss_family == sa_family_t(AF_INET6)
            ? withUnsafePointer(to: &bound) { $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_port } }
            : withUnsafePointer(to: &bound) { $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_port } }
        self.port = Int(UInt16(bigEndian: networkPort))
        self.socket = socket
        do throws(PGError) {
            wakeup = try WakeupPipe()
        } catch {
            Glibc.close(socket)
            throw error
        }
    }

    deinit {
        Glibc.close(socket)
    }

    /// Starts the accept loop; it runs until `stop`.
    func start(_ accepted: @escaping (Int32) -> Void) throws(PGError) {
        try startThread { [self] in
            run(accepted)
            stopped.lock()
            stopped.unlock(withValue: 1)
        }
    }

    /// Stops accepting and waits for the accept loop to return.
    func stop() {
        wakeup.signal()
        stopped.lock(whenValue: 1)
        stopped.unlock()
    }

    private func run(_ accepted: (Int32) -> Void) {
        while true {
            var entries = (pollfd(fd: socket, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeup.readEnd, events: Int16(POLLIN), revents: 0))
            let ready = withUnsafeMutablePointer(to: &entries) {
                $0.withMemoryRebound(to: pollfd.self, capacity: 2) { poll($0, 2, -1) }
            }
            if entries.1.revents != 0 { return }
            guard ready > 0 else { continue }
            let client = accept(socket, nil, nil)
            // EMFILE and friends: the client waits in the backlog; try again shortly.
            guard client >= 0 else {
                if errno != EAGAIN && errno != EINTR && errno != ECONNABORTED { usleep(10_000) }
                continue
            }
            _ = fcntl(client, F_SETFL, fcntl(client, F_GETFL) | O_NONBLOCK)
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            var on: Int32 = 1
            setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
            accepted(client)
        }
    }

    private static func failure(_ what: String) -> PGError {
        PGError(SQLState.systemError, "\(what): \(String(cString: strerror(errno)))")
    }
}
