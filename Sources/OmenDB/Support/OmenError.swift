/// Stable status codes shared by the Swift engine and the C ABI.
///
/// The raw values are part of the ABI (`OMENDB_*` in `omendb.h`): never renumber.
public enum StatusCode: Int32, Sendable, CaseIterable {
    case ok = 0
    case notFound = 1
    case invalidArgument = 2
    case ioError = 3
    case corruption = 4
    case conflict = 5
    case busy = 6
    case noMemory = 7
    case misuse = 8
    case readOnly = 9
    case tooLarge = 10
    case unsupported = 11
    case `internal` = 12
    case bufferTooSmall = 13
    /// A progress callback asked a long call to stop (`ProgressCallback`); nothing changed.
    case cancelled = 14

    /// Static, human-readable text for the code (the same text as `omendb_status_string`).
    public var text: StaticString {
        switch self {
        case .ok: return "ok"
        case .notFound: return "not found"
        case .invalidArgument: return "invalid argument"
        case .ioError: return "I/O error"
        case .corruption: return "data corruption detected"
        case .conflict: return "transaction conflict"
        case .busy: return "resource busy"
        case .noMemory: return "out of memory"
        case .misuse: return "API misuse"
        case .readOnly: return "database is read-only"
        case .tooLarge: return "size exceeds a limit"
        case .unsupported: return "unsupported operation or format"
        case .internal: return "internal error"
        case .bufferTooSmall: return "buffer too small"
        case .cancelled: return "cancelled by the caller"
        }
    }
}

/// The one error type the engine throws (typed throws: no existential boxing).
public struct OmenError: Error, CustomStringConvertible, Sendable {
    public let code: StatusCode
    public let message: String

    public init(_ code: StatusCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.text): \(message)" }
}
