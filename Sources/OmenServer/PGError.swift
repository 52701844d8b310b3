/// An error as a PostgreSQL client sees it: an ErrorResponse (or NoticeResponse) with a
/// SQLSTATE. Every layer of the server (protocol, authentication, translation,
/// execution) throws this; the session turns it into the message.
public struct PGError: Error, Equatable, CustomStringConvertible {
    /// `ERROR`, `FATAL` (the connection ends after it) or `PANIC`; notices use `WARNING`,
    /// `NOTICE`, `INFO`, `LOG`, `DEBUG`.
    public var severity: Severity
    /// The five-character SQLSTATE (`SQLState` lists the ones the server uses).
    public var code: String
    public var message: String
    public var detail: String?
    public var hint: String?
    /// 1-based character position in the statement text, when the error has one.
    public var position: Int?

    public enum Severity: String, Sendable {
        case error = "ERROR", fatal = "FATAL", panic = "PANIC"
        case warning = "WARNING", notice = "NOTICE", info = "INFO", log = "LOG", debug = "DEBUG"
    }

    public init(_ code: String, _ message: String, severity: Severity = .error,
                detail: String? = nil, hint: String? = nil, position: Int? = nil) {
        self.severity = severity
        self.code = code
        self.message = message
        self.detail = detail
        self.hint = hint
        self.position = position
    }

    public var description: String { "\(severity.rawValue) \(code): \(message)" }

    /// 0A000 naming what is not supported.
    public static func unsupported(_ what: String) -> PGError {
        PGError(SQLState.featureNotSupported, "\(what) is not supported by omendb-server")
    }
}

/// The SQLSTATE codes the server reports (PostgreSQL's Appendix A).
public enum SQLState {
    public static let successfulCompletion = "00000"
    public static let warning = "01000"
    public static let connectionException = "08000"
    public static let protocolViolation = "08P01"
    public static let featureNotSupported = "0A000"
    public static let invalidParameterValue = "22023"
    public static let invalidTextRepresentation = "22P02"
    public static let invalidBinaryRepresentation = "22P03"
    public static let numericValueOutOfRange = "22003"
    public static let dataException = "22000"
    public static let badCopyFileFormat = "22P04"
    public static let divisionByZero = "22012"
    public static let stringDataRightTruncation = "22001"
    public static let characterNotInRepertoire = "22021"
    public static let integrityConstraintViolation = "23000"
    public static let notNullViolation = "23502"
    public static let uniqueViolation = "23505"
    public static let checkViolation = "23514"
    public static let invalidCursorState = "24000"
    public static let activeSQLTransaction = "25001"
    public static let noActiveSQLTransaction = "25P01"
    public static let inFailedSQLTransaction = "25P02"
    public static let readOnlySQLTransaction = "25006"
    public static let invalidSQLStatementName = "26000"
    public static let invalidAuthorizationSpecification = "28000"
    public static let invalidPassword = "28P01"
    public static let invalidTransactionTermination = "2D000"
    public static let invalidCursorName = "34000"
    public static let invalidSavepointSpecification = "3B001"
    public static let invalidCatalogName = "3D000"
    public static let serializationFailure = "40001"
    public static let deadlockDetected = "40P01"
    public static let syntaxError = "42601"
    public static let insufficientPrivilege = "42501"
    public static let undefinedColumn = "42703"
    public static let undefinedFunction = "42883"
    public static let undefinedTable = "42P01"
    public static let undefinedObject = "42704"
    public static let duplicateTable = "42P07"
    public static let duplicateObject = "42710"
    public static let duplicateCursor = "42P03"
    public static let duplicatePreparedStatement = "42P05"
    public static let datatypeMismatch = "42804"
    public static let ambiguousColumn = "42702"
    public static let tooManyConnections = "53300"
    public static let programLimitExceeded = "54000"
    public static let queryCanceled = "57014"
    public static let adminShutdown = "57P01"
    public static let diskFull = "53100"
    public static let systemError = "58000"
    public static let ioError = "58030"
    public static let internalError = "XX000"
    public static let dataCorrupted = "XX001"
    public static let idleInTransactionSessionTimeout = "25P03"
    public static let cantChangeRuntimeParameter = "55P02"
}
