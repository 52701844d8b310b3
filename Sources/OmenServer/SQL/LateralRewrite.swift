/// `CROSS JOIN LATERAL (SELECT e1, e2) AS o(c1, c2)` — a lateral subquery without FROM,
/// which yields exactly one row per outer row (pgbench's start-up query uses one) — is the
/// same as writing e1 and e2 wherever o.c1 and o.c2 appear: SQLite has no LATERAL, so the
/// join is removed and the references replaced. Any other LATERAL is 0A000.
enum LateralRewrite {
    static func inline(_ input: [SQLToken]) throws(PGError) -> [SQLToken] {
        var tokens = input
        while let j = tokens.firstIndex(where: { $0.isWord("lateral") }) {
            guard j >= 2, tokens[j - 1].isWord("join"), tokens[j - 2].isWord("cross"),
                  j + 1 < tokens.count, tokens[j + 1].kind == .leftParen else {
                throw PGError.unsupported("LATERAL")
            }
            let close = try QueryRewriter.matching(tokens, j + 1)
            let inner = Array(tokens[(j + 2)..<close])
            guard inner.first?.isWord("select") == true else { throw PGError.unsupported("LATERAL") }
            var depth = 0
            for t in inner {
                if t.kind == .leftParen { depth += 1 }
                if t.kind == .rightParen { depth -= 1 }
                if depth == 0, t.kind == .word,
                   ["from", "where", "group", "having", "order", "limit", "offset", "union", "except", "intersect",
                    "distinct", "window"].contains(t.value) {
                    throw PGError.unsupported("LATERAL with a subquery that has \(t.value.uppercased())")
                }
            }
            let expressions = try TableStatements.split(Array(inner.dropFirst())).map { part -> [SQLToken] in
                var part = part
                part[0].spaceBefore = false
                return part
            }
            var k = close + 1
            if k < tokens.count, tokens[k].isWord("as") { k += 1 }
            guard k + 1 < tokens.count, tokens[k].kind == .word || tokens[k].kind == .quotedIdentifier,
                  tokens[k + 1].kind == .leftParen else {
                throw PGError.unsupported("LATERAL without a column alias list")
            }
            let alias = tokens[k].value
            let namesClose = try QueryRewriter.matching(tokens, k + 1)
            let names = try TableStatements.split(Array(tokens[(k + 2)..<namesClose])).map { part throws(PGError) -> String in
                guard part.count == 1, part[0].kind == .word || part[0].kind == .quotedIdentifier else {
                    throw PGError(SQLState.syntaxError, "syntax error in a column alias list")
                }
                return part[0].value
            }
            guard names.count == expressions.count else {
                throw PGError.unsupported("LATERAL with \(names.count) column aliases for \(expressions.count) columns")
            }
            tokens.removeSubrange((j - 2)...namesClose)
            var i = 0
            while i < tokens.count {
                let t = tokens[i]
                let qualifier = t.value == alias && (t.kind == .word || t.kind == .quotedIdentifier)
                    && i + 2 < tokens.count && tokens[i + 1].kind == .dot && (i == 0 || tokens[i - 1].kind != .dot)
                if qualifier {
                    guard let n = names.firstIndex(of: tokens[i + 2].value) else {
                        throw PGError(SQLState.undefinedColumn, "column \(alias).\(tokens[i + 2].value) does not exist")
                    }
                    let replacement = [SQLToken(.leftParen, "(", spaceBefore: t.spaceBefore)] + expressions[n]
                        + [SQLToken(.rightParen, ")", spaceBefore: false)]
                    tokens.replaceSubrange(i...(i + 2), with: replacement)
                    i += replacement.count
                    continue
                }
                // A bare name could mean the lateral column: refused. A table alias (after AS
                // or after the table's name) or a qualified name is something else.
                let previous: SQLToken? = i > 0 ? tokens[i - 1] : nil
                let definesAlias = previous?.isWord("as") == true
                    || (previous.map { ($0.kind == .word && !QueryRewriter.keywords.contains($0.value))
                        || $0.kind == .quotedIdentifier } ?? false)
                if t.kind == .word || t.kind == .quotedIdentifier, names.contains(t.value), !definesAlias,
                   previous?.kind != .dot, i + 1 >= tokens.count || tokens[i + 1].kind != .dot {
                    throw PGError.unsupported("LATERAL with an unqualified reference to its column \(t.value)")
                }
                i += 1
            }
        }
        return tokens
    }
}
