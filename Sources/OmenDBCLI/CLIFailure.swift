import Glibc
import OmenDB

/// The tool's exit codes (docs/cli.md lists them; scripts rely on them).
enum CLIExit: Int32 {
    case ok = 0
    case usage = 1
    /// The database or input file does not exist, or an argument or input is invalid.
    case invalid = 2
    /// The database or the dump is damaged (checksum, truncation, malformed record).
    case corruption = 3
    case io = 4
    /// Another process holds the database's lock.
    case busy = 5
    /// Any other engine failure (read-only, too large, internal, cancelled).
    case other = 6

    /// The exit code for an engine status.
    init(_ status: StatusCode) {
        switch status {
        case .notFound, .invalidArgument, .unsupported: self = .invalid
        case .corruption: self = .corruption
        case .ioError: self = .io
        case .busy: self = .busy
        default: self = .other
        }
    }
}

/// A failure the tool reports on stderr as "omendb: <message>" and exits with `code`.
struct CLIFailure: Error {
    let code: CLIExit
    let message: String

    init(_ code: CLIExit, _ message: String) {
        self.code = code
        self.message = message
    }

    /// An engine error; its message names the file or directory concerned.
    init(_ error: OmenError) {
        self.init(CLIExit(error.code), error.description)
    }

    func report() {
        var text = message
        if !["Error:", "Usage:", "OVERVIEW:"].contains(where: { text.hasPrefix($0) }) { text = "omendb: " + text }
        if !text.hasSuffix("\n") { text += "\n" }
        _ = text.withCString { fputs($0, stderr) }
    }
}

/// Runs `body`, turning an engine error into a `CLIFailure`.
func engine<T>(_ body: () throws(OmenError) -> T) throws(CLIFailure) -> T {
    do throws(OmenError) {
        return try body()
    } catch {
        throw CLIFailure(error)
    }
}
