/// Translates one PostgreSQL statement (the text of a Parse message, or one statement of a
/// simple query after StatementSplitter) into what the session runs: SQLite text, a script,
/// or a command it carries out itself. Anything it cannot translate faithfully is 0A000
/// naming it, never a statement with a different meaning.
public enum Translator {
    public static func translate(_ statement: String) throws(PGError) -> PGStatement {
        var tokens = try SQLLexer.tokenize(statement).map(\.token)
        while tokens.last?.kind == .semicolon { tokens.removeLast() }
        if tokens.contains(where: { $0.kind == .semicolon }) {
            throw PGError(SQLState.syntaxError, "cannot insert multiple commands into a prepared statement")
        }
        guard let first = tokens.first else { return .empty }
        guard first.kind == .word else {
            if first.kind == .leftParen { return .query(try query(tokens)) }
            throw PGError(SQLState.syntaxError, "syntax error at or near \"\(SQLEmitter.spelling(first))\"",
                          position: first.position)
        }
        var stream = TokenStream(tokens)
        switch first.value {
        case "select", "with", "values", "insert", "update", "delete", "table":
            return .query(try query(tokens))
        case "begin", "start", "commit", "end", "rollback", "abort", "savepoint", "release":
            return .command(try TransactionStatements.parse(&stream))
        case "set", "reset", "show":
            return .command(try SettingStatements.parse(&stream))
        case "declare", "fetch", "move", "close":
            return .command(try CursorStatements.parse(&stream))
        case "prepare", "execute", "deallocate":
            return .command(try PreparedStatements.parse(&stream))
        case "copy":
            return .command(try CopyStatement.parse(&stream))
        case "create", "drop", "alter", "truncate":
            return try TableStatements.parse(&stream)
        case "vacuum", "analyze", "analyse", "checkpoint", "listen", "unlisten":
            // Nothing to do: the engine has no dead tuples or planner statistics, and with
            // NOTIFY unsupported no notification can arrive for LISTEN.
            let tag = ["analyse": "ANALYZE"][first.value] ?? first.value.uppercased()
            return .command(.noop(tag: tag))
        case "discard":
            stream.index = 1
            if stream.accept("all") {
                try stream.expectEnd()
                return .command(.discardAll)
            }
            for what in ["plans", "sequences", "temp", "temporary"] where stream.accept(what) {
                try stream.expectEnd()
                return .command(.noop(tag: what == "temporary" ? "DISCARD TEMP" : "DISCARD \(what.uppercased())"))
            }
            throw stream.syntaxError()
        default:
            // A statement PostgreSQL has but the server does not: 0A000 naming it. Any
            // other first word is a syntax error, as PostgreSQL reports it.
            guard statementKeywords.contains(first.value) else {
                throw PGError(SQLState.syntaxError, "syntax error at or near \"\(first.value)\"", position: first.position)
            }
            let words = tokens.prefix(while: { $0.kind == .word }).prefix(2).map { $0.value.uppercased() }
            throw PGError.unsupported(words.joined(separator: " "))
        }
    }

    /// The words PostgreSQL 15 statements begin with (its grammar's statement keywords).
    private static let statementKeywords: Set<String> = [
        "abort", "alter", "analyse", "analyze", "begin", "call", "checkpoint", "close", "cluster", "comment",
        "commit", "copy", "create", "deallocate", "declare", "delete", "discard", "do", "drop", "end",
        "execute", "explain", "fetch", "grant", "import", "insert", "listen", "load", "lock", "merge",
        "move", "notify", "prepare", "reassign", "refresh", "reindex", "release", "reset", "revoke",
        "rollback", "savepoint", "security", "select", "set", "show", "start", "table", "truncate",
        "unlisten", "update", "vacuum", "values", "with",
    ]

    /// A SELECT, VALUES, WITH, INSERT, UPDATE or DELETE (or `TABLE t`) as SQLite text.
    static func query(_ input: [SQLToken]) throws(PGError) -> SQLiteQuery {
        var tokens = input
        if tokens.first?.isWord("table") == true {
            tokens = [SQLToken(.word, "select", spaceBefore: false), SQLToken(.op, "*"), SQLToken(.word, "from")]
                + tokens.dropFirst()
        }
        // The statement's main verb: the first top-level SELECT/INSERT/UPDATE/DELETE/VALUES
        // after any WITH list; whether it returns rows: SELECT/VALUES or RETURNING.
        var depth = 0
        var verb: String?
        var returning = false
        var calls: [Bool] = []   // per open parenthesis: whether it holds a function call's arguments
        for (index, t) in tokens.enumerated() {
            if t.kind == .leftParen {
                depth += 1
                let previous: SQLToken? = index > 0 ? tokens[index - 1] : nil
                let next: SQLToken? = index + 1 < tokens.count ? tokens[index + 1] : nil
                let subquery = next.map { $0.kind == .word && ["select", "with", "values"].contains($0.value) } ?? false
                calls.append(!subquery && (previous.map { ($0.kind == .word && !QueryRewriter.keywords.contains($0.value))
                    || $0.kind == .quotedIdentifier } ?? false))
            }
            if t.kind == .rightParen {
                depth -= 1
                _ = calls.popLast()
            }
            if t.isWord("order") && calls.last == true {
                // SQLite 3.40 has no ORDER BY inside an aggregate's arguments.
                throw PGError.unsupported("ORDER BY inside a function call")
            }
            if t.isWord("within") && index + 1 < tokens.count && tokens[index + 1].isWord("group") {
                throw PGError.unsupported("WITHIN GROUP")
            }
            guard depth == 0, t.kind == .word else { continue }
            if verb == nil, ["select", "insert", "update", "delete", "values"].contains(t.value) { verb = t.value }
            if t.value == "returning" { returning = true }
            if t.value == "into", verb == "select" {
                throw PGError.unsupported("SELECT … INTO")
            }
            if ["on"].contains(t.value), tokens.count > index + 1, tokens[index + 1].isWord("conflict") {
                throw PGError.unsupported("INSERT … ON CONFLICT")
            }
        }
        if returning && (verb == "update" || verb == "delete") {
            // SQLite: "UPDATE/DELETE RETURNING is not available on virtual tables".
            throw PGError.unsupported("\(verb!.uppercased()) … RETURNING")
        }
        var rewriter = QueryRewriter()
        var sqlTokens = NullOrdering.explicit(try rewriter.rewrite(tokens))
        if !sqlTokens.isEmpty { sqlTokens[0].spaceBefore = false }
        let kind: QueryKind
        switch verb {
        case "insert": kind = .insert
        case "update": kind = .update
        case "delete": kind = .delete
        default: kind = .select
        }
        return SQLiteQuery(sql: SQLEmitter.text(sqlTokens), kind: kind, parameterCount: rewriter.parameterCount,
                           returnsRows: kind == .select || returning)
    }
}
