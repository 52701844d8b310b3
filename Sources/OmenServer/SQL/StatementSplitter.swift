/// Splits a simple-query string into statements at the semicolons PostgreSQL's scanner sees
/// (not inside '…', "…", E'…', $tag$…$tag$, -- or nested /* */ comments). Each statement is
/// its original text without the semicolon; statements with no tokens (only whitespace or
/// comments) are dropped. Lexical errors (an unterminated string or comment) are 42601.
public enum StatementSplitter {
    public static func split(_ text: String) throws(PGError) -> [String] {
        let scalars = Array(text.unicodeScalars)
        var statements: [String] = []
        var first: Int?
        var last = 0
        for (token, range) in try SQLLexer.tokenize(text) {
            if token.kind == .semicolon {
                if let start = first { statements.append(String(String.UnicodeScalarView(scalars[start..<last]))) }
                first = nil
            } else {
                if first == nil { first = range.lowerBound }
                last = range.upperBound
            }
        }
        if let start = first { statements.append(String(String.UnicodeScalarView(scalars[start..<last]))) }
        return statements
    }
}
