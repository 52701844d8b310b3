/// The tokens of SQLite text as the translator writes it (SQLEmitter): words (a dot joins
/// `t.c` into one), quoted names (`` `…` ``, `"…"`) and string literals as one token each,
/// `?n`, the two-character operators, and any other character alone. Each token keeps
/// its place in the text, so a caller can splice the text around it.
struct SQLiteToken {
    let text: String
    /// Where the token is in the text it was cut from.
    let range: Range<String.Index>

    /// Whether the token is `word`, in any case.
    func isWord(_ word: String) -> Bool { text.count == word.count && text.lowercased() == word }

    /// The lower-cased name the token spells (its last part when qualified, unquoted), or
    /// nil for literals, parameters, operators and punctuation.
    var name: String? {
        guard let first = text.first else { return nil }
        if first == "\"" || first == "`" { return String(text.dropFirst().dropLast()).lowercased() }
        guard first == "_" || first.isLetter else { return nil }
        return text.split(separator: ".").last.map { $0.lowercased() }
    }
}

enum SQLiteTokens {
    static func scan(_ sql: String) -> [SQLiteToken] {
        var tokens: [SQLiteToken] = []
        let scalars = sql.unicodeScalars
        var index = scalars.startIndex
        func isWord(_ c: Unicode.Scalar) -> Bool {
            c == "_" || c == "$" || c == "." || c.properties.isAlphabetic || ("0"..."9").contains(c)
        }
        func add(_ start: String.Index, _ end: String.Index) {
            tokens.append(SQLiteToken(text: String(scalars[start..<end]), range: start..<end))
        }
        while index < scalars.endIndex {
            let c = scalars[index]
            var end = scalars.index(after: index)
            if c == " " || c == "\n" || c == "\t" || c == "\r" {
                index = end
                continue
            }
            if c == "'" || c == "\"" || c == "`" {
                // Up to the closing quote; a doubled quote is one character of the content.
                while end < scalars.endIndex {
                    let next = scalars.index(after: end)
                    if scalars[end] == c {
                        if next < scalars.endIndex && scalars[next] == c { end = scalars.index(after: next); continue }
                        end = next
                        break
                    }
                    end = next
                }
            } else if c == "?" {
                while end < scalars.endIndex, ("0"..."9").contains(scalars[end]) { end = scalars.index(after: end) }
            } else if isWord(c) {
                while end < scalars.endIndex, isWord(scalars[end]) { end = scalars.index(after: end) }
            } else if end < scalars.endIndex, ["<=", ">=", "<>", "!=", "==", "||"].contains(String(scalars[index...end])) {
                end = scalars.index(after: end)
            }
            add(index, end)
            index = end
        }
        return tokens
    }
}
