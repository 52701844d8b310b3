/// CREATE TABLE → CREATE VIRTUAL TABLE … USING omendb(…); DROP TABLE (several tables → a
/// script); ALTER TABLE ADD PRIMARY KEY / ADD COLUMN / RENAME TO; TRUNCATE. PostgreSQL's
/// storage clauses with no meaning here (WITH (fillfactor=…), TABLESPACE, UNLOGGED,
/// CASCADE on DROP) are dropped; everything else without a faithful equivalent is 0A000.
enum TableStatements {
    static func parse(_ s: inout TokenStream) throws(PGError) -> PGStatement {
        switch try s.name() {
        case "create": return try create(&s)
        case "drop": return try drop(&s)
        case "alter": return try alter(&s)
        default: return .command(.truncate(try truncate(&s)))
        }
    }

    private static func create(_ s: inout TokenStream) throws(PGError) -> PGStatement {
        if s.peek?.isWord("global") == true || s.peek?.isWord("local") == true || s.peek?.isWord("temp") == true
            || s.peek?.isWord("temporary") == true {
            throw PGError.unsupported("CREATE TEMPORARY TABLE")
        }
        _ = s.accept("unlogged")   // every OmenDB table is logged; unlogged only trades safety for speed
        guard s.accept("table") else {
            let what = s.tokens.prefix(3).prefix(while: { $0.kind == .word }).map { $0.value.uppercased() }
            throw PGError.unsupported(what.joined(separator: " "))
        }
        let ifNotExists = s.accept(["if", "not", "exists"])
        let table = try s.tableName()
        if s.peek?.isWord("as") == true || s.peek?.isWord("of") == true || s.peek?.isWord("partition") == true {
            throw PGError.unsupported("CREATE TABLE … \(s.peek!.value.uppercased())")
        }
        guard s.peek?.kind == .leftParen else { throw s.syntaxError() }
        let close = try QueryRewriter.matching(s.tokens, s.index)
        let definitions = try split(Array(s.tokens[(s.index + 1)..<close])).map(definition)
        s.index = close + 1
        while !s.atEnd {
            if s.accept("with") {
                guard s.peek?.kind == .leftParen else { throw s.syntaxError() }
                s.index = try QueryRewriter.matching(s.tokens, s.index) + 1   // storage parameters
            } else if s.accept(["without", "oids"]) {
                continue
            } else if s.accept("tablespace") {
                _ = try s.name()
            } else if let t = s.peek, t.kind == .word {
                throw PGError.unsupported("CREATE TABLE … \(t.value.uppercased())")
            } else {
                throw s.syntaxError()
            }
        }
        let sql = "CREATE VIRTUAL TABLE " + (ifNotExists ? "IF NOT EXISTS " : "") + SQLEmitter.quoteIdentifier(table)
            + " USING omendb(" + definitions.joined(separator: ", ") + ")"
        return .query(SQLiteQuery(sql: sql, kind: .other(tag: "CREATE TABLE"), parameterCount: 0, returnsRows: false))
    }

    /// The tokens between top-level commas.
    static func split(_ tokens: [SQLToken]) throws(PGError) -> [[SQLToken]] {
        var parts: [[SQLToken]] = [[]]
        var depth = 0
        for t in tokens {
            if t.kind == .leftParen { depth += 1 }
            if t.kind == .rightParen { depth -= 1 }
            if t.kind == .comma && depth == 0 {
                parts.append([])
            } else {
                parts[parts.count - 1].append(t)
            }
        }
        guard parts.allSatisfy({ !$0.isEmpty }) else { throw PGError(SQLState.syntaxError, "syntax error at or near \",\"") }
        return parts
    }

    private static let constraintWords: Set<String> = [
        "constraint", "not", "null", "primary", "unique", "check", "references", "default", "collate", "generated",
        "deferrable", "initially",
    ]

    /// One column definition or table constraint in the module's syntax: names double-quoted
    /// when they were, the DEFAULT expression rewritten.
    private static func definition(_ tokens: [SQLToken]) throws(PGError) -> String {
        guard let first = tokens.first else { throw PGError(SQLState.syntaxError, "syntax error at end of input") }
        if first.kind == .word, ["foreign", "unique", "check", "exclude", "like"].contains(first.value) {
            throw PGError.unsupported("the table constraint \(first.value.uppercased())")
        }
        for t in tokens where t.kind == .word && ["references", "check", "unique", "generated", "deferrable"].contains(t.value) {
            throw PGError.unsupported("the column constraint \(t.value.uppercased())")
        }
        var out = ""
        var i = 0
        while i < tokens.count {
            let t = tokens[i]
            let space = out.isEmpty ? "" : t.spaceBefore ? " " : ""
            if t.isWord("default") {
                var end = i + 1
                var depth = 0
                while end < tokens.count {
                    let u = tokens[end]
                    if u.kind == .leftParen { depth += 1 }
                    if u.kind == .rightParen { depth -= 1 }
                    if depth == 0 && u.kind == .word && constraintWords.contains(u.value) && end > i + 1 { break }
                    end += 1
                }
                var rewriter = QueryRewriter()
                var expression = try rewriter.rewrite(Array(tokens[(i + 1)..<end]))
                guard rewriter.parameterCount == 0 else {
                    throw PGError(SQLState.syntaxError, "there is no parameter $1")
                }
                if !expression.isEmpty { expression[0].spaceBefore = false }
                // A constant as is (the catalog shows it as PostgreSQL does: 'x'::text), an
                // expression parenthesized (the module's column syntax).
                let constant = expression.count == 1 && [.string, .number].contains(expression[0].kind)
                let text = SQLEmitter.text(expression)
                out += space + "DEFAULT " + (constant ? text : "(" + text + ")")
                i = end
                continue
            }
            if t.isWord("collate") {
                throw PGError.unsupported("COLLATE in a column definition")
            }
            out += space + (t.kind == .quotedIdentifier ? SQLEmitter.quoteIdentifier(t.value) : SQLEmitter.spelling(t))
            i += 1
        }
        return out
    }

    private static func drop(_ s: inout TokenStream) throws(PGError) -> PGStatement {
        guard s.accept("table") else {
            let what = s.tokens.prefix(3).prefix(while: { $0.kind == .word }).map { $0.value.uppercased() }
            throw PGError.unsupported(what.joined(separator: " "))
        }
        let ifExists = s.accept(["if", "exists"])
        var tables = [try s.tableName()]
        while s.accept(.comma) { tables.append(try s.tableName()) }
        // OmenDB tables have no dependent objects: CASCADE and RESTRICT drop the same.
        _ = s.accept("cascade") || s.accept("restrict")
        try s.expectEnd()
        let statements = tables.map { "DROP TABLE " + (ifExists ? "IF EXISTS " : "") + SQLEmitter.quoteIdentifier($0) }
        if statements.count == 1 {
            return .query(SQLiteQuery(sql: statements[0], kind: .other(tag: "DROP TABLE"), parameterCount: 0, returnsRows: false))
        }
        return .script(statements, tag: "DROP TABLE")
    }

    private static func alter(_ s: inout TokenStream) throws(PGError) -> PGStatement {
        guard s.accept("table") else {
            let what = s.tokens.prefix(3).prefix(while: { $0.kind == .word }).map { $0.value.uppercased() }
            throw PGError.unsupported(what.joined(separator: " "))
        }
        if s.accept(["if", "exists"]) { throw PGError.unsupported("ALTER TABLE IF EXISTS") }
        _ = s.accept("only")
        let table = try s.tableName()
        if s.accept("add") {
            if s.accept("constraint") { _ = try s.name() }
            if s.accept(["primary", "key"]) {
                let columns = try s.nameList()
                guard columns.count == 1 else { throw PGError.unsupported("a PRIMARY KEY of several columns") }
                try s.expectEnd()
                return .command(.addPrimaryKey(table: table, column: columns[0]))
            }
            if let t = s.peek, t.kind == .word, ["foreign", "unique", "check", "exclude"].contains(t.value) {
                throw PGError.unsupported("ALTER TABLE … ADD \(t.value.uppercased())")
            }
            _ = s.accept("column")
            if s.accept(["if", "not", "exists"]) { throw PGError.unsupported("ADD COLUMN IF NOT EXISTS") }
            let column = try definition(s.rest)
            let sql = "SELECT omendb_add_column(" + SQLEmitter.quote(table) + ", " + SQLEmitter.quote(column) + ")"
            return .query(SQLiteQuery(sql: sql, kind: .other(tag: "ALTER TABLE"), parameterCount: 0, returnsRows: false))
        }
        if s.accept(["rename", "to"]) {
            let name = try s.name()
            try s.expectEnd()
            let sql = "ALTER TABLE " + SQLEmitter.quoteIdentifier(table) + " RENAME TO " + SQLEmitter.quoteIdentifier(name)
            return .query(SQLiteQuery(sql: sql, kind: .other(tag: "ALTER TABLE"), parameterCount: 0, returnsRows: false))
        }
        let what = s.rest.prefix(2).prefix(while: { $0.kind == .word }).map { $0.value.uppercased() }
        throw PGError.unsupported("ALTER TABLE … " + what.joined(separator: " "))
    }

    private static func truncate(_ s: inout TokenStream) throws(PGError) -> [String] {
        _ = s.accept("table")
        var tables: [String] = []
        repeat {
            _ = s.accept("only")
            tables.append(try s.tableName())
            if let star = s.peek, star.isOp("*") { s.index += 1 }
        } while s.accept(.comma)
        if s.accept(["restart", "identity"]) { throw PGError.unsupported("TRUNCATE … RESTART IDENTITY") }
        _ = s.accept(["continue", "identity"])
        _ = s.accept("cascade") || s.accept("restrict")
        try s.expectEnd()
        return tables
    }
}
