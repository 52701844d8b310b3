/// Writes tokens back as SQLite text: identifiers quoted with backticks (SQLite never reads
/// them as string literals, unlike double quotes), strings in '…' with '' doubled,
/// `$n` as `?n`, one space where the PostgreSQL text had whitespace or a comment.
enum SQLEmitter {
    static func text(_ tokens: [SQLToken]) -> String {
        var out = ""
        for (index, token) in tokens.enumerated() {
            if index > 0 && token.spaceBefore { out += " " }
            out += spelling(token)
        }
        return out
    }

    static func spelling(_ token: SQLToken) -> String {
        switch token.kind {
        case .quotedIdentifier: return "`" + doubling(token.value, "`") + "`"
        case .string: return quote(token.value)
        case .parameter: return "?" + token.value
        default: return token.value
        }
    }

    static func quote(_ text: String) -> String {
        "'" + doubling(text, "'") + "'"
    }

    /// A double-quoted identifier, for the module's column declarations.
    static func quoteIdentifier(_ name: String) -> String {
        "\"" + doubling(name, "\"") + "\""
    }

    /// `text` with every `quote` doubled.
    static func doubling(_ text: String, _ quote: Character) -> String {
        var out = ""
        for c in text {
            out.append(c)
            if c == quote { out.append(c) }
        }
        return out
    }
}
