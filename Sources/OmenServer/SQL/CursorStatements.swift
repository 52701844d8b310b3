/// DECLARE … CURSOR, FETCH, MOVE and CLOSE (forward-only cursors).
enum CursorStatements {
    static func parse(_ s: inout TokenStream) throws(PGError) -> PGCommand {
        switch try s.name() {
        case "declare":
            let name = try s.name()
            var binary = false
            var hold = false
            while true {
                if s.accept("binary") {
                    binary = true
                } else if s.accept("insensitive") || s.accept("asensitive") || s.accept(["no", "scroll"]) {
                    continue
                } else if s.accept("scroll") {
                    throw PGError.unsupported("SCROLL cursors")
                } else {
                    break
                }
            }
            try s.expect("cursor")
            if s.accept(["with", "hold"]) {
                hold = true
            } else {
                _ = s.accept(["without", "hold"])
            }
            try s.expect("for")
            guard let verb = s.peek, verb.kind == .word || verb.kind == .leftParen else { throw s.syntaxError() }
            if verb.kind == .word && !["select", "values", "with", "table"].contains(verb.value) {
                throw PGError(SQLState.syntaxError, "syntax error at or near \"\(verb.value)\"", position: verb.position)
            }
            let query = try Translator.query(s.rest)
            if query.kind != .select { throw PGError.unsupported("DECLARE CURSOR for a data-modifying statement") }
            return .declare(name: name, query: query, hold: hold, binary: binary)
        case "close":
            if s.accept("all") {
                try s.expectEnd()
                return .close(nil)
            }
            let name = try s.name()
            try s.expectEnd()
            return .close(name)
        case let verb: // fetch, move
            var count: Int? = 1
            if s.accept("next") {
                count = 1
            } else if s.accept("forward") {
                count = try countValue(&s) ?? (s.peek(-1)?.isWord("all") == true ? nil : 1)
            } else if s.accept("all") {
                count = nil
            } else if let word = s.peek?.value, s.peek?.kind == .word,
                      ["prior", "first", "last", "absolute", "relative", "backward"].contains(word) {
                throw PGError.unsupported("\(verb.uppercased()) \(word.uppercased()) (cursors are forward-only)")
            } else if let n = try countValue(&s) {
                count = n
            }
            if s.peek?.isWord("from") == true || s.peek?.isWord("in") == true { s.index += 1 }
            let name = try s.name()
            try s.expectEnd()
            return .fetch(name: name, count: count, move: verb == "move")
        }
    }

    /// A count (`n`) when one follows; 0 and negative counts re-read the current row or move
    /// backwards, which forward-only cursors cannot. `ALL` is consumed and gives nil.
    private static func countValue(_ s: inout TokenStream) throws(PGError) -> Int? {
        if s.accept("all") { return nil }
        guard let n = try s.integer() else { return nil }
        guard n > 0 else { throw PGError.unsupported("FETCH \(n) (cursors are forward-only)") }
        return n
    }
}
