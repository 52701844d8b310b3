/// PREPARE name [(types)] AS statement, EXECUTE name [(constants)], DEALLOCATE.
enum PreparedStatements {
    static func parse(_ s: inout TokenStream) throws(PGError) -> PGCommand {
        switch try s.name() {
        case "prepare":
            if s.peek?.isWord("transaction") == true { throw PGError.unsupported("PREPARE TRANSACTION") }
            let name = try s.name()
            if s.peek?.kind == .leftParen {
                // Parameter types: the statement's casts and the bound values decide in SQLite.
                s.index = try QueryRewriter.matching(s.tokens, s.index) + 1
            }
            try s.expect("as")
            guard let verb = s.peek, verb.kind == .word,
                  ["select", "values", "with", "table", "insert", "update", "delete"].contains(verb.value) else {
                throw PGError.unsupported("PREPARE of a statement other than SELECT, VALUES, INSERT, UPDATE or DELETE")
            }
            return .prepare(name: name, query: try Translator.query(s.rest))
        case "execute":
            let name = try s.name()
            var parameters: [String?] = []
            if s.accept(.leftParen) {
                repeat {
                    parameters.append(try constant(&s))
                } while s.accept(.comma)
                try s.expect(.rightParen)
            }
            try s.expectEnd()
            return .execute(name: name, parameters: parameters)
        default: // deallocate
            _ = s.accept("prepare")
            if s.accept("all") {
                try s.expectEnd()
                return .deallocate(nil)
            }
            let name = try s.name()
            try s.expectEnd()
            return .deallocate(name)
        }
    }

    /// One EXECUTE argument: a constant (optionally cast), as the text PostgreSQL would
    /// pass to the parameter's input function; nil for NULL.
    private static func constant(_ s: inout TokenStream) throws(PGError) -> String? {
        var text: String?
        if let n = try s.integer() {
            text = String(n)
        } else if let t = s.peek, t.kind == .string || t.kind == .number {
            text = t.value
            s.index += 1
        } else if s.accept("null") {
            text = nil
        } else if s.accept("true") {
            text = "t"
        } else if s.accept("false") {
            text = "f"
        } else {
            throw PGError.unsupported("EXECUTE with an expression argument (only constants)")
        }
        if s.accept(.typecast) {
            s.index = try PGTypeName.parse(s.tokens, at: s.index).1
        }
        return text
    }
}
