/// PostgreSQL sorts NULL as larger than every value (ASC: NULLS LAST, DESC: NULLS FIRST);
/// SQLite as smaller. The translator gives every ORDER BY term without a NULLS clause
/// PostgreSQL's order explicitly (`explicit`). SQLite then no longer lets a virtual table
/// deliver the order itself (it passes no ORDER BY with a non-default NULLS clause to
/// xBestIndex), so a scan in key order would become a sort: the session drops the clause
/// again where the term is a table's key, which is never NULL (`droppingKeyClauses`).
enum NullOrdering {
    /// `tokens` (SQLite text as tokens) with `nulls last` after each ascending ORDER BY
    /// term and `nulls first` after each descending one that has no NULLS clause, in
    /// every ORDER BY (window definitions included).
    static func explicit(_ tokens: [SQLToken]) -> [SQLToken] {
        var out: [SQLToken] = []
        out.reserveCapacity(tokens.count + 4)
        // Per open parenthesis: where the current ORDER BY term starts in `out` (nil: no
        // ORDER BY list is being read at that level).
        var termStart: [Int?] = [nil]
        func endTerm() {
            guard let start = termStart[termStart.count - 1], start < out.count else { return }
            let hasNulls = out.count - start >= 2 && out[out.count - 2].isWord("nulls")
            if !hasNulls {
                let descending = out[out.count - 1].isWord("desc")
                out += [SQLToken(.word, "nulls"), SQLToken(.word, descending ? "first" : "last")]
            }
        }
        for t in tokens {
            switch t.kind {
            case .leftParen:
                out.append(t)
                termStart.append(nil)
                continue
            case .rightParen where termStart.count > 1:
                endTerm()
                termStart.removeLast()
            case .comma where termStart[termStart.count - 1] != nil:
                endTerm()
                out.append(t)
                termStart[termStart.count - 1] = out.count
                continue
            case .semicolon:
                endTerm()
                termStart[termStart.count - 1] = nil
            case .word:
                if t.value == "by", out.last?.isWord("order") == true {
                    out.append(t)
                    termStart[termStart.count - 1] = out.count
                    continue
                }
                // A clause after the list ends it, unless it is the term itself (a column
                // named `range`, say).
                if let start = termStart[termStart.count - 1], start < out.count, terminators.contains(t.value) {
                    endTerm()
                    termStart[termStart.count - 1] = nil
                }
            default:
                break
            }
            out.append(t)
        }
        endTerm()
        return out
    }

    /// The words that end an ORDER BY list (clauses after it, and a window's frame).
    private static let terminators: Set<String> = [
        "limit", "offset", "fetch", "for", "union", "intersect", "except", "window", "rows", "range", "groups",
        "returning",
    ]

    /// `sql` without the NULLS clause after ORDER BY terms that name a key column, which
    /// is never NULL: `keys` maps each table's lower-cased name to its key column's
    /// lower-cased name; `hasColumn(table, column)` whether a table has a column. Only
    /// where the name can only mean such a key: no join (an outer
    /// join's key may be NULL), set operation, subquery or WITH in the statement, the name
    /// a key of a table the statement names and no column of another kind in those tables,
    /// and never in an alias's place (`AS name`, `expr name`).
    static func droppingKeyClauses(_ sql: String, keys: [String: String], hasColumn: (String, String) -> Bool) -> String {
        // The translator writes the clause in lower case: most statements need no scan.
        guard sql.contains("nulls") else { return sql }
        let tokens = SQLiteTokens.scan(sql)
        var selects = 0
        for token in tokens {
            let word = token.text.lowercased()
            if word == "select" { selects += 1 }
            if Self.blockers.contains(word) || selects > 1 { return sql }
        }
        let names = tokens.map(\.name)
        let tables = Set(names.compactMap { $0 }.filter { keys[$0] != nil })
        var removals: [Range<String.Index>] = []
        for (index, token) in tokens.enumerated() where token.isWord("nulls") && index + 1 < tokens.count {
            var termEnd = index - 1
            if termEnd >= 0, tokens[termEnd].isWord("asc") || tokens[termEnd].isWord("desc") { termEnd -= 1 }
            guard termEnd >= 1, let column = names[termEnd], tokens[termEnd - 1].isWord("by") || tokens[termEnd - 1].text == ",",
                  isKey(column, tables: tables, keys: keys, hasColumn: hasColumn),
                  !names.indices.contains(where: { names[$0] == column && aliasPlace(tokens, $0) }) else { continue }
            removals.append(token.range.lowerBound..<tokens[index + 1].range.upperBound)
        }
        var result = sql
        for range in removals.reversed() { result.removeSubrange(range) }
        return result
    }

    /// Whether `column` is the key of one of `tables` and a column of no other of them.
    private static func isKey(_ column: String, tables: Set<String>, keys: [String: String],
                              hasColumn: (String, String) -> Bool) -> Bool {
        var isKey = false
        for table in tables {
            if keys[table] == column {
                isKey = true
            } else if hasColumn(table, column) {
                return false
            }
        }
        return isKey
    }

    /// Whether the name at `index` stands where an alias would (after AS, or right after an
    /// expression: `SELECT n id`).
    private static func aliasPlace(_ tokens: [SQLiteToken], _ index: Int) -> Bool {
        guard index > 0 else { return false }
        return !leading.contains(tokens[index - 1].text.lowercased())
    }

    /// Words that make a statement's names possibly NULL or ambiguous (outer joins, set
    /// operations, WITH): no clause is dropped.
    private static let blockers: Set<String> = ["join", "union", "intersect", "except", "with"]

    /// The tokens a column reference may follow (anything else puts a name in an alias's place).
    private static let leading: Set<String> = [
        "select", "distinct", "all", "by", "where", "and", "or", "not", "on", "when", "then", "else", "case", "having",
        "from", "in", "is", "like", "between", "(", ",", "=", "<", ">", "<=", ">=", "<>", "!=", "==", "+", "-", "*", "/",
        "%", "||", "set", "using",
    ]
}
