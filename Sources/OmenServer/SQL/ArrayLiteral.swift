/// PostgreSQL's array text form (`{1,2,"a b",NULL}`), one dimension: the elements as text,
/// nil for NULL. Multi-dimensional arrays and explicit bounds are refused.
enum ArrayLiteral {
    static func elements(_ text: String) throws(PGError) -> [String?] {
        let s = Array(text.trimmingSpaces)
        func malformed(_ detail: String) -> PGError {
            PGError(SQLState.invalidTextRepresentation, "malformed array literal: \"\(text)\"", detail: detail)
        }
        guard s.first == "{", s.last == "}" else {
            if s.first == "[" { throw PGError.unsupported("array bounds in \(text)") }
            throw malformed("Array value must start with \"{\" or dimension information.")
        }
        var elements: [String?] = []
        var i = 1
        let end = s.count - 1
        func skipSpaces() { while i < end && (s[i] == " " || s[i] == "\t" || s[i] == "\n") { i += 1 } }
        skipSpaces()
        if i == end { return [] }
        while true {
            skipSpaces()
            guard i < end else { throw malformed("Unexpected end of input.") }
            if s[i] == "{" { throw PGError.unsupported("multi-dimensional arrays") }
            if s[i] == "\"" {
                var value = ""
                i += 1
                while i < end && s[i] != "\"" {
                    if s[i] == "\\" { i += 1 }
                    guard i < end else { break }
                    value.append(s[i])
                    i += 1
                }
                guard i < end else { throw malformed("Unexpected end of input.") }
                i += 1
                elements.append(value)
            } else {
                var value = ""
                while i < end && s[i] != "," {
                    if s[i] == "\\" { i += 1 }
                    guard i < end else { break }
                    if s[i] == "\"" || s[i] == "{" { throw malformed("Unexpected \"\(s[i])\" character.") }
                    value.append(s[i])
                    i += 1
                }
                let trimmed = value.trimmingSpaces
                guard !trimmed.isEmpty else { throw malformed("Unexpected \",\" character.") }
                elements.append(trimmed.lowercased() == "null" ? nil : trimmed)
            }
            skipSpaces()
            if i == end { return elements }
            guard s[i] == "," else { throw malformed("Expected \",\" or \"}\".") }
            i += 1
        }
    }

    /// An element as PostgreSQL's array output writes it: quoted (with \\ and \" escaped)
    /// when empty, NULL, or containing a space, comma, quote, backslash or brace.
    static func quoted(_ element: String) -> String {
        let special = element.isEmpty || element.uppercased() == "NULL"
            || element.contains { " ,\"\\{}\t\n".contains($0) }
        guard special else { return element }
        var out = "\""
        for c in element {
            if c == "\"" || c == "\\" { out.append("\\") }
            out.append(c)
        }
        return out + "\""
    }
}
