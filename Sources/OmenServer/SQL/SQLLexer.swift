/// PostgreSQL's lexical rules (scan.l, with standard_conforming_strings on): quoted
/// identifiers, the string forms ('…' with adjacent-line continuation, E'…' with backslash
/// escapes, N'…', $tag$…$tag$), `$n` parameters, nested /* */ comments, -- comments and
/// operators cut as PostgreSQL cuts them (a multi-character operator does not end in + or -
/// unless it contains one of ~ ! @ # % ^ & | ` ?).
enum SQLLexer {
    /// The tokens of `text` and, for each, its scalar range in `text` (the splitter cuts
    /// statements out of the original text with them).
    static func tokenize(_ text: String) throws(PGError) -> [(token: SQLToken, range: Range<Int>)] {
        var lexer = Scanner(Array(text.unicodeScalars))
        return try lexer.run()
    }

    private static let operatorCharacters: Set<Unicode.Scalar> = Set("+-*/<>=~!@#%^&|`?".unicodeScalars)
    private static let nonArithmetic: Set<Unicode.Scalar> = Set("~!@#%^&|`?".unicodeScalars)

    private static func isIdentifierStart(_ c: Unicode.Scalar) -> Bool {
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_" || c.value >= 0x80
    }

    private static func isIdentifierPart(_ c: Unicode.Scalar) -> Bool {
        isIdentifierStart(c) || isDigit(c) || c == "$"
    }

    private static func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }

    private static func isSpace(_ c: Unicode.Scalar) -> Bool {
        c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\u{0C}" || c == "\u{0B}"
    }

    private struct Scanner {
        let s: [Unicode.Scalar]
        var i = 0
        var sawSpace = false
        var tokens: [(token: SQLToken, range: Range<Int>)] = []

        init(_ s: [Unicode.Scalar]) { self.s = s }

        func at(_ k: Int) -> Unicode.Scalar? { k < s.count ? s[k] : nil }

        func near(_ start: Int) -> String {
            var out = String.UnicodeScalarView()
            out.append(contentsOf: s[start..<min(s.count, start + 20)])
            return String(out)
        }

        func syntaxError(_ message: String, at start: Int) -> PGError {
            PGError(SQLState.syntaxError, message, position: start + 1)
        }

        mutating func emit(_ kind: SQLToken.Kind, _ value: String, from start: Int) {
            tokens.append((SQLToken(kind, value, spaceBefore: sawSpace, position: start + 1), start..<i))
            sawSpace = false
        }

        mutating func run() throws(PGError) -> [(token: SQLToken, range: Range<Int>)] {
            while i < s.count {
                let c = s[i]
                let start = i
                if isSpace(c) {
                    i += 1
                    sawSpace = true
                } else if c == "-" && at(i + 1) == "-" {
                    while i < s.count && s[i] != "\n" && s[i] != "\r" { i += 1 }
                    sawSpace = true
                } else if c == "/" && at(i + 1) == "*" {
                    try skipBlockComment()
                    sawSpace = true
                } else if c == "'" {
                    let value = try plainString()
                    emit(.string, value, from: start)
                } else if (c == "E" || c == "e") && at(i + 1) == "'" {
                    i += 1
                    let value = try escapeString(start: start)
                    emit(.string, value, from: start)
                } else if (c == "N" || c == "n") && at(i + 1) == "'" {
                    i += 1
                    let value = try plainString()
                    emit(.string, value, from: start)
                } else if (c == "B" || c == "b" || c == "X" || c == "x") && at(i + 1) == "'" {
                    throw PGError.unsupported("the bit-string constant \(near(start))")
                } else if (c == "U" || c == "u") && at(i + 1) == "&" && (at(i + 2) == "'" || at(i + 2) == "\"") {
                    throw PGError.unsupported("the Unicode-escape constant \(near(start))")
                } else if c == "\"" {
                    let value = try quotedIdentifier()
                    emit(.quotedIdentifier, value, from: start)
                } else if c == "$", let next = at(i + 1), isDigit(next) {
                    i += 1
                    while let d = at(i), isDigit(d) { i += 1 }
                    if let d = at(i), isIdentifierPart(d) {
                        throw syntaxError("trailing junk after parameter at or near \"\(near(start))\"", at: start)
                    }
                    emit(.parameter, String(String.UnicodeScalarView(s[(start + 1)..<i])), from: start)
                } else if c == "$", let value = try dollarString() {
                    emit(.string, value, from: start)
                } else if isIdentifierStart(c) {
                    while let d = at(i), isIdentifierPart(d) { i += 1 }
                    emit(.word, String(String.UnicodeScalarView(s[start..<i])).lowercased(), from: start)
                } else if isDigit(c) || (c == "." && at(i + 1).map(isDigit) == true) {
                    number()
                    emit(.number, String(String.UnicodeScalarView(s[start..<i])), from: start)
                } else if c == ":" {
                    i += 1
                    if at(i) == ":" {
                        i += 1
                        emit(.typecast, "::", from: start)
                    } else {
                        emit(.colon, ":", from: start)
                    }
                } else if let kind = Self.punctuation[c] {
                    i += 1
                    emit(kind, String(c), from: start)
                } else if operatorCharacters.contains(c) {
                    emit(.op, operatorText(), from: start)
                } else {
                    throw syntaxError("syntax error at or near \"\(String(c))\"", at: start)
                }
            }
            return tokens
        }

        static let punctuation: [Unicode.Scalar: SQLToken.Kind] = [
            "(": .leftParen, ")": .rightParen, "[": .leftBracket, "]": .rightBracket,
            ",": .comma, ";": .semicolon, ".": .dot,
        ]

        mutating func skipBlockComment() throws(PGError) {
            let start = i
            var depth = 0
            while i < s.count {
                if s[i] == "/" && at(i + 1) == "*" {
                    depth += 1
                    i += 2
                } else if s[i] == "*" && at(i + 1) == "/" {
                    depth -= 1
                    i += 2
                    if depth == 0 { return }
                } else {
                    i += 1
                }
            }
            throw syntaxError("unterminated /* comment at or near \"\(near(start))\"", at: start)
        }

        /// '…' with '' for a quote; a following '…' separated by whitespace containing a
        /// newline continues it (SQL's rule, as PostgreSQL implements it).
        mutating func plainString() throws(PGError) -> String {
            var out = String.UnicodeScalarView()
            let start = i
            repeat {
                i += 1   // the opening quote
                out.append(contentsOf: try quoted(by: "'", what: "quoted string", start: start))
            } while continuesString()
            return String(out)
        }

        /// The text from i up to the closing `quote`, a doubled `quote` standing for one;
        /// i ends past the closing quote. `what` names the token in the unterminated error.
        mutating func quoted(by quote: Unicode.Scalar, what: String, start: Int) throws(PGError) -> String.UnicodeScalarView {
            var out = String.UnicodeScalarView()
            while true {
                guard let c = at(i) else {
                    throw syntaxError("unterminated \(what) at or near \"\(near(start))\"", at: start)
                }
                i += 1
                if c == quote {
                    guard at(i) == quote else { return out }
                    i += 1
                }
                out.append(c)
            }
        }

        /// Whether whitespace with a newline and then a quote follow; moves to that quote.
        mutating func continuesString() -> Bool {
            var k = i
            var newline = false
            while let c = at(k), isSpace(c) {
                if c == "\n" || c == "\r" { newline = true }
                k += 1
            }
            guard newline, at(k) == "'" else { return false }
            i = k
            return true
        }

        /// E'…': \b \f \n \r \t, \ooo octal, \xh[h] hex, \uXXXX, \UXXXXXXXX, \ before any other
        /// character is that character; '' and \' are a quote. A zero byte is refused, as
        /// PostgreSQL refuses it.
        mutating func escapeString(start: Int) throws(PGError) -> String {
            var out = String.UnicodeScalarView()
            while true {
                i += 1
                while true {
                    guard let c = at(i) else {
                        throw syntaxError("unterminated quoted string at or near \"\(near(start))\"", at: start)
                    }
                    i += 1
                    if c == "'" {
                        if at(i) == "'" {
                            out.append("'")
                            i += 1
                            continue
                        }
                        break
                    }
                    guard c == "\\" else {
                        out.append(c)
                        continue
                    }
                    guard let e = at(i) else {
                        throw syntaxError("unterminated quoted string at or near \"\(near(start))\"", at: start)
                    }
                    i += 1
                    var code: UInt32?
                    switch e {
                    case "b": code = 8
                    case "f": code = 12
                    case "n": code = 10
                    case "r": code = 13
                    case "t": code = 9
                    case "0"..."7":
                        var v = e.value - 48
                        for _ in 0..<2 {
                            guard let d = at(i), d >= "0" && d <= "7" else { break }
                            v = v * 8 + d.value - 48
                            i += 1
                        }
                        code = v
                    case "x":
                        var v: UInt32 = 0
                        var digits = 0
                        while digits < 2, let d = at(i), let h = hexValue(d) {
                            v = v * 16 + h
                            i += 1
                            digits += 1
                        }
                        code = digits == 0 ? 120 : v   // "\x" alone is "x"
                    case "u", "U":
                        let count = e == "u" ? 4 : 8
                        var v: UInt32 = 0
                        for _ in 0..<count {
                            guard let d = at(i), let h = hexValue(d) else {
                                throw syntaxError("invalid Unicode escape at or near \"\(near(i - 2))\"", at: i - 2)
                            }
                            v = v * 16 + h
                            i += 1
                        }
                        code = v
                    default:
                        out.append(e)
                    }
                    if let code {
                        guard code != 0 else {
                            throw PGError(SQLState.characterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\": 0x00")
                        }
                        guard code < 0x80 || e == "u" || e == "U", let scalar = Unicode.Scalar(code) else {
                            // \ooo and \xhh above 0x7f are bytes of a multi-byte sequence in
                            // PostgreSQL; assembling them is not supported.
                            throw PGError.unsupported("the escape \\\(e) for a non-ASCII byte in E'…' (use \\u or the character itself)")
                        }
                        out.append(scalar)
                    }
                }
                guard continuesString() else { return String(out) }
            }
        }

        func hexValue(_ c: Unicode.Scalar) -> UInt32? {
            switch c {
            case "0"..."9": return c.value - 48
            case "a"..."f": return c.value - 87
            case "A"..."F": return c.value - 55
            default: return nil
            }
        }

        mutating func quotedIdentifier() throws(PGError) -> String {
            let start = i
            i += 1   // the opening quote
            let out = try quoted(by: "\"", what: "quoted identifier", start: start)
            guard !out.isEmpty else { throw syntaxError("zero-length delimited identifier at or near \"\"\"\"", at: start) }
            return String(out)
        }

        /// $tag$…$tag$ starting at i, or nil (i unchanged) when `$` does not open one.
        mutating func dollarString() throws(PGError) -> String? {
            let start = i
            var k = i + 1
            if let c = at(k), isIdentifierStart(c) {
                while let d = at(k), isIdentifierPart(d), d != "$" { k += 1 }
            }
            guard at(k) == "$" else { return nil }
            let tag = Array(s[start...k])
            var j = k + 1
            while j + tag.count <= s.count {
                if s[j] == "$" && Array(s[j..<(j + tag.count)]) == tag {
                    let value = String(String.UnicodeScalarView(s[(k + 1)..<j]))
                    i = j + tag.count
                    return value
                }
                j += 1
            }
            throw syntaxError("unterminated dollar-quoted string at or near \"\(near(start))\"", at: start)
        }

        mutating func number() {
            while let d = at(i), isDigit(d) { i += 1 }
            if at(i) == ".", at(i + 1) != "." {
                i += 1
                while let d = at(i), isDigit(d) { i += 1 }
            }
            if let e = at(i), e == "e" || e == "E" {
                var k = i + 1
                if let sign = at(k), sign == "+" || sign == "-" { k += 1 }
                if let d = at(k), isDigit(d) {
                    i = k
                    while let d = at(i), isDigit(d) { i += 1 }
                }
            }
        }

        mutating func operatorText() -> String {
            let start = i
            while let c = at(i), operatorCharacters.contains(c) {
                if i > start && ((c == "-" && at(i + 1) == "-") || (c == "/" && at(i + 1) == "*")) { break }
                i += 1
            }
            var end = i
            if end - start > 1 && !s[start..<end].contains(where: { nonArithmetic.contains($0) }) {
                while end - start > 1 && (s[end - 1] == "+" || s[end - 1] == "-") { end -= 1 }
            }
            i = end
            return String(String.UnicodeScalarView(s[start..<end]))
        }
    }
}
