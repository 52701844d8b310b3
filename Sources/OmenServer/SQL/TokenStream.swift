/// A cursor over one statement's tokens for the command parsers.
struct TokenStream {
    let tokens: [SQLToken]
    var index = 0

    init(_ tokens: [SQLToken]) { self.tokens = tokens }

    var atEnd: Bool { index >= tokens.count }
    var peek: SQLToken? { index < tokens.count ? tokens[index] : nil }
    func peek(_ k: Int) -> SQLToken? { index + k < tokens.count ? tokens[index + k] : nil }
    var rest: [SQLToken] { Array(tokens[min(index, tokens.count)...]) }

    /// Consumes the word when it comes next.
    mutating func accept(_ word: String) -> Bool {
        guard peek?.isWord(word) == true else { return false }
        index += 1
        return true
    }

    /// Consumes the words when they all come next.
    mutating func accept(_ words: [String]) -> Bool {
        for (k, word) in words.enumerated() where peek(k)?.isWord(word) != true { return false }
        index += words.count
        return true
    }

    mutating func accept(_ kind: SQLToken.Kind) -> Bool {
        guard peek?.kind == kind else { return false }
        index += 1
        return true
    }

    func syntaxError() -> PGError {
        guard let t = peek else { return PGError(SQLState.syntaxError, "syntax error at end of input") }
        return PGError(SQLState.syntaxError, "syntax error at or near \"\(SQLEmitter.spelling(t))\"", position: t.position)
    }

    mutating func expect(_ word: String) throws(PGError) {
        guard accept(word) else { throw syntaxError() }
    }

    mutating func expect(_ kind: SQLToken.Kind) throws(PGError) {
        guard accept(kind) else { throw syntaxError() }
    }

    mutating func expectEnd() throws(PGError) {
        guard atEnd else { throw syntaxError() }
    }

    /// An identifier (unquoted, lower-cased, or quoted).
    mutating func name() throws(PGError) -> String {
        guard let t = peek, t.kind == .word || t.kind == .quotedIdentifier else { throw syntaxError() }
        index += 1
        return t.value
    }

    /// A possibly schema-qualified table name; `public.` is the only schema with tables.
    mutating func tableName() throws(PGError) -> String {
        let first = try name()
        guard accept(.dot) else { return first }
        let second = try name()
        guard first == "public" else { throw PGError.unsupported("tables outside schema public (\(first).\(second))") }
        return second
    }

    /// `(a, b, c)`.
    mutating func nameList() throws(PGError) -> [String] {
        try expect(.leftParen)
        var names = [try name()]
        while accept(.comma) { names.append(try name()) }
        try expect(.rightParen)
        return names
    }

    /// A string constant.
    mutating func string() throws(PGError) -> String {
        guard let t = peek, t.kind == .string else { throw syntaxError() }
        index += 1
        return t.value
    }

    /// An integer constant, with an optional sign.
    mutating func integer() throws(PGError) -> Int? {
        var k = 0
        var sign = 1
        if let t = peek, t.kind == .op, t.value == "-" || t.value == "+" {
            sign = t.value == "-" ? -1 : 1
            k = 1
        }
        guard let t = peek(k), t.kind == .number, let n = Int(t.value) else { return nil }
        index += k + 1
        return sign * n
    }
}
