/// COPY's format options with PostgreSQL's defaults per format: text (tab delimiter, `\N`
/// for NULL, backslash escapes) and CSV (comma, empty unquoted NULL, `"` quote and escape).
public struct CopyOptions: Equatable {
    public var format: CopyFormat
    public var delimiter: Character
    public var null: String
    public var header: Bool
    public var quote: Character
    public var escape: Character
    /// FORCE_QUOTE columns (CSV, COPY TO); `forceQuoteAll` is FORCE_QUOTE *.
    public var forceQuote: [String]
    public var forceQuoteAll: Bool
    /// FORCE_NOT_NULL / FORCE_NULL columns (CSV, COPY FROM).
    public var forceNotNull: [String]
    public var forceNull: [String]

    public init(format: CopyFormat = .text) {
        self.format = format
        delimiter = format == .csv ? "," : "\t"
        null = format == .csv ? "" : "\\N"
        header = false
        quote = "\""
        escape = "\""
        forceQuote = []
        forceQuoteAll = false
        forceNotNull = []
        forceNull = []
    }
}

/// COPY's data formats. `binary` is accepted for COPY FROM STDIN only (asyncpg's
/// copy_records_to_table); COPY TO STDOUT in binary is 0A000.
public enum CopyFormat: Equatable {
    case text, csv, binary
}

/// What COPY … TO STDOUT reads.
public enum CopySource: Equatable {
    case table(String, columns: [String]?)
    case query(SQLiteQuery)
}
