/// Rewrites the tokens of one PostgreSQL query into SQLite's spelling, keeping its meaning:
/// `$n` → `?n`; `x::type`, `CAST(x AS type)` and typed literals (`date '…'`) → SQLite casts
/// with the type's affinity (constants are converted and checked here, as PostgreSQL
/// checks them); `~`, `!~`, `OPERATOR(pg_catalog.~)` → REGEXP; LIKE with PostgreSQL's
/// default escape character; ILIKE; `IS [NOT] DISTINCT FROM`; `= ANY(…)`/`<> ALL(…)` over
/// constant arrays, ARRAY[…] and subqueries → IN; array_to_string(… ARRAY(subquery) …) and
/// FROM unnest(a) x; `now()` and friends as text timestamps;
/// `current_user` and the other keyword functions → calls; `pg_catalog.` dropped before
/// function names; `public.t` → `t`; `COLLATE "default"` dropped; `FROM generate_series(…) AS x` with the
/// column named x as PostgreSQL names it; a FROM-less CROSS JOIN LATERAL inlined. Anything else PostgreSQL-specific that SQLite
/// would read differently is refused with 0A000 naming it.
struct QueryRewriter {
    private(set) var parameterCount = 0

    /// Keywords after which a `(`-group is not a function call and that do not end an operand.
    static let keywords: Set<String> = [
        "select", "from", "where", "and", "or", "not", "on", "in", "exists", "then", "else", "when", "case",
        "as", "by", "having", "values", "join", "using", "returning", "set", "into", "distinct", "all", "union",
        "intersect", "except", "with", "recursive", "like", "ilike", "glob", "regexp", "is", "between", "limit",
        "offset", "order", "group", "asc", "desc", "over", "partition", "filter", "within", "lateral", "do",
        "update", "insert", "delete", "escape", "if", "default", "table", "conflict", "nothing",
    ]

    mutating func rewrite(_ input: [SQLToken]) throws(PGError) -> [SQLToken] {
        let tokens = try Self.normalize(input)
        var out: [SQLToken] = []
        var i = 0
        while i < tokens.count {
            let t = tokens[i]
            func next(_ k: Int = 1) -> SQLToken? { i + k < tokens.count ? tokens[i + k] : nil }
            switch t.kind {
            case .parameter:
                guard let n = Int(t.value), n >= 1, n <= 65535 else {
                    throw PGError(SQLState.syntaxError, "there is no parameter $\(t.value)", position: t.position)
                }
                parameterCount = max(parameterCount, n)
                out.append(t)
                i += 1
            case .typecast:
                let (type, after) = try PGTypeName.parse(tokens, at: i + 1)
                let start = try Self.operandStart(out, at: t)
                let operand = Array(out[start...])
                out.removeSubrange(start...)
                // Arrays are text here: || would join their texts, not their elements.
                if type.isArray && (out.last?.isOp("||") == true || (after < tokens.count && tokens[after].isOp("||"))) {
                    throw PGError.unsupported("array concatenation (||)")
                }
                if type.category == .dateTime {
                    try Self.checkNoArithmetic(on: type.name, before: out.last, after: after < tokens.count ? tokens[after] : nil)
                }
                out += try Self.cast(operand, to: type, spaceBefore: operand.first?.spaceBefore ?? true)
                i = after
            case .leftBracket:
                // a[i] → the i-th element of a one-dimensional array's text form {…}.
                let close = try Self.matching(tokens, i, opening: .leftBracket, closing: .rightBracket)
                let index = Array(tokens[(i + 1)..<close])
                if index.contains(where: { $0.kind == .colon }) { throw PGError.unsupported("array slices") }
                let start = try Self.operandStart(out, at: t)
                let array = Array(out[start...])
                out.removeSubrange(start...)
                let position = try rewrite(index)
                let path = [SQLToken(.string, "$[", spaceBefore: true), SQLToken(.op, "||")]
                    + [SQLToken(.leftParen, "(")] + Self.call("cast", position + [SQLToken(.word, "as"), SQLToken(.word, "integer")],
                                                              spaceBefore: false)
                    + [SQLToken(.op, "-"), SQLToken(.number, "1"), SQLToken(.rightParen, ")", spaceBefore: false),
                       SQLToken(.op, "||"), SQLToken(.string, "]")]
                out += Self.call("json_extract", Self.jsonArray(array) + [SQLToken(.comma, ",", spaceBefore: false)] + path,
                                 spaceBefore: array.first?.spaceBefore ?? true)
                i = close + 1
            case .colon:
                throw PGError.unsupported("array slices and :name parameters")
            case .op:
                i = try rewriteOperator(tokens, i, &out)
            case .word:
                i = try rewriteWord(tokens, i, &out)
            default:
                out.append(t)
                i += 1
            }
        }
        return out
    }

    // MARK: words

    private mutating func rewriteWord(_ tokens: [SQLToken], _ index: Int, _ out: inout [SQLToken]) throws(PGError) -> Int {
        let t = tokens[index]
        func token(_ k: Int) -> SQLToken? { k < tokens.count ? tokens[k] : nil }
        let qualified = out.last?.kind == .dot
        let call = token(index + 1)?.kind == .leftParen
        switch t.value {
        case "now", "transaction_timestamp", "statement_timestamp", "clock_timestamp":
            guard call && !qualified && token(index + 2)?.kind == .rightParen else { break }
            try Self.checkNoArithmetic(on: "timestamptz", before: out.last, after: token(index + 3))
            out += Self.timestamp("%Y-%m-%d %H:%M:%f+00", t.spaceBefore)
            return index + 3
        case "current_timestamp", "localtimestamp", "current_time", "localtime":
            guard !qualified else { break }
            if call { throw PGError.unsupported("\(t.value.uppercased())(precision)") }
            let (format, type) = [
                "current_timestamp": ("%Y-%m-%d %H:%M:%f+00", "timestamptz"), "localtimestamp": ("%Y-%m-%d %H:%M:%f", "timestamp"),
                "current_time": ("%H:%M:%f+00", "timetz"), "localtime": ("%H:%M:%f", "time"),
            ][t.value]!
            try Self.checkNoArithmetic(on: type, before: out.last, after: token(index + 1))
            out += Self.timestamp(format, t.spaceBefore)
            return index + 1
        case "current_date" where !qualified && !call:
            // SQLite's CURRENT_DATE is PostgreSQL's text (UTC).
            try Self.checkNoArithmetic(on: "date", before: out.last, after: token(index + 1))
        case "current_user", "session_user", "current_role", "current_catalog", "current_schema":
            guard !qualified && !call else { break }
            let function = ["current_role": "current_user", "current_catalog": "current_database"][t.value] ?? t.value
            out += [SQLToken(.word, function, spaceBefore: t.spaceBefore), SQLToken(.leftParen, "(", spaceBefore: false),
                    SQLToken(.rightParen, ")", spaceBefore: false)]
            return index + 1
        case "string_agg" where call && !qualified:
            out.append(SQLToken(.word, "group_concat", spaceBefore: t.spaceBefore))
            return index + 1
        case "like":
            out.append(t)
            return try rewritePattern(tokens, index + 1, &out)
        case "ilike":
            try lowerLastOperand(&out, at: t)
            out.append(SQLToken(.word, "like", spaceBefore: true))
            return try rewritePattern(tokens, index + 1, &out, lower: true)
        case "similar":
            throw PGError.unsupported("SIMILAR TO")
        case "any", "some", "all":
            guard call && Self.isComparison(out.last) else { break }
            return try rewriteQuantified(tokens, index, &out)
        case "array" where call || token(index + 1)?.kind == .leftBracket:
            throw PGError.unsupported("ARRAY constructors")
        case "array_to_string" where call && !qualified && Self.hasArraySubquery(tokens, index + 1):
            return try rewriteArrayToString(tokens, index, &out)
        case "unnest" where call && !qualified && (out.last?.isWord("from") == true || out.last?.isWord("join") == true):
            return try rewriteUnnest(tokens, index, &out)
        case "array_upper" where call && !qualified:
            return try rewriteArrayUpper(tokens, index, &out)
        case "generate_series" where call && !qualified && (out.last?.isWord("from") == true || out.last?.isWord("join") == true):
            return try rewriteSeries(tokens, index, &out)
        case "for" where ["update", "share", "no", "key"].contains(token(index + 1)?.value ?? "")
                && token(index + 1)?.kind == .word:
            throw PGError.unsupported("SELECT … FOR \(token(index + 1)!.value.uppercased())")
        default:
            break
        }
        out.append(t)
        return index + 1
    }

    /// PostgreSQL's date/time arithmetic (date + integer is a date, date - date a number
    /// of days, timestamp + integer an error) has no SQLite spelling: SQLite would read
    /// the text '2024-01-01' as the number 2024. Refused when a date/time constant, cast
    /// or function (whose value is the operand between `before` and `after`) is an
    /// operand of an arithmetic or bitwise operator.
    static func checkNoArithmetic(on type: String, before: SQLToken?, after: SQLToken?) throws(PGError) {
        if let before, before.kind == .op, arithmetic.contains(before.value) {
            throw PGError.unsupported("arithmetic on \(type) values (\(before.value))")
        }
        if let after, after.kind == .op, arithmetic.contains(after.value) {
            throw PGError.unsupported("arithmetic on \(type) values (\(after.value))")
        }
    }

    /// PostgreSQL's arithmetic and bitwise operators (checkNoArithmetic).
    private static let arithmetic: Set<String> = ["+", "-", "*", "/", "%", "^", "&", "|", "#", "<<", ">>"]

    private static func timestamp(_ format: String, _ space: Bool) -> [SQLToken] {
        [SQLToken(.word, "strftime", spaceBefore: space), SQLToken(.leftParen, "(", spaceBefore: false),
         SQLToken(.string, format, spaceBefore: false), SQLToken(.comma, ",", spaceBefore: false),
         SQLToken(.string, "now"), SQLToken(.rightParen, ")", spaceBefore: false)]
    }

    // MARK: operators

    private mutating func rewriteOperator(_ tokens: [SQLToken], _ index: Int, _ out: inout [SQLToken]) throws(PGError) -> Int {
        let t = tokens[index]
        let binary = Self.endsOperand(out.last)
        switch t.value {
        case "+", "-", "*", "/", "%", "<", ">", "=", "<=", ">=", "<>", "!=", "||", "&", "|", "<<", ">>":
            out.append(t)
            return index + 1
        case "~" where !binary:
            out.append(t)
            return index + 1
        case "~", "!~":
            if t.value == "!~" { out.append(SQLToken(.word, "not", spaceBefore: true)) }
            out.append(SQLToken(.word, "regexp", spaceBefore: true))
            return index + 1
        case "~~", "!~~":
            if t.value == "!~~" { out.append(SQLToken(.word, "not", spaceBefore: true)) }
            out.append(SQLToken(.word, "like", spaceBefore: true))
            return try rewritePattern(tokens, index + 1, &out)
        case "~~*", "!~~*":
            try lowerLastOperand(&out, at: t)
            if t.value == "!~~*" { out.append(SQLToken(.word, "not", spaceBefore: true)) }
            out.append(SQLToken(.word, "like", spaceBefore: true))
            return try rewritePattern(tokens, index + 1, &out, lower: true)
        case "~*", "!~*":
            throw PGError.unsupported("the case-insensitive regular-expression operator \(t.value)")
        default:
            throw PGError.unsupported("the operator \(t.value)")
        }
    }

    static func isComparison(_ token: SQLToken?) -> Bool {
        guard let token, token.kind == .op else { return false }
        return ["=", "<>", "!=", "<", ">", "<=", ">="].contains(token.value)
    }

    /// Whether `token` can end an operand (so an operator after it is binary).
    static func endsOperand(_ token: SQLToken?) -> Bool {
        guard let token else { return false }
        switch token.kind {
        case .word: return !keywords.contains(token.value) || token.value == "end"
        case .quotedIdentifier, .string, .number, .parameter, .rightParen: return true
        default: return false
        }
    }

    /// Where the operand that ends `out` begins: a constant, a parameter, a (qualified)
    /// name, a parenthesized expression, a function call or CASE … END.
    static func operandStart(_ out: [SQLToken], at operatorToken: SQLToken) throws(PGError) -> Int {
        guard var k = out.indices.last, endsOperand(out[k]) else {
            throw PGError(SQLState.syntaxError, "syntax error at or near \"\(operatorToken.value)\"",
                          position: operatorToken.position)
        }
        func qualifiers(_ k: inout Int) {
            while k >= 2 && out[k - 1].kind == .dot && (out[k - 2].kind == .word || out[k - 2].kind == .quotedIdentifier) {
                k -= 2
            }
        }
        switch out[k].kind {
        case .rightParen:
            var depth = 0
            while k >= 0 {
                if out[k].kind == .rightParen { depth += 1 }
                if out[k].kind == .leftParen {
                    depth -= 1
                    if depth == 0 { break }
                }
                k -= 1
            }
            if k >= 1, out[k - 1].kind == .word || out[k - 1].kind == .quotedIdentifier,
               !keywords.contains(out[k - 1].value) || out[k - 1].value == "exists" {
                k -= 1
                qualifiers(&k)
            }
        case .word where out[k].value == "end":
            var depth = 0
            while k >= 0 {
                if out[k].isWord("end") { depth += 1 }
                if out[k].isWord("case") {
                    depth -= 1
                    if depth == 0 { break }
                }
                k -= 1
            }
        case .word, .quotedIdentifier:
            qualifiers(&k)
        default:
            break
        }
        return max(k, 0)
    }

    /// `lower(x)` around the operand that ends `out` (ILIKE's left side).
    private func lowerLastOperand(_ out: inout [SQLToken], at token: SQLToken) throws(PGError) {
        let start = try Self.operandStart(out, at: token)
        let operand = Array(out[start...])
        out.removeSubrange(start...)
        out += Self.call("lower", operand, spaceBefore: operand.first?.spaceBefore ?? true)
    }

    static func call(_ function: String, _ arguments: [SQLToken], spaceBefore: Bool = true) -> [SQLToken] {
        var inner = arguments
        if !inner.isEmpty { inner[0].spaceBefore = false }
        return [SQLToken(.word, function, spaceBefore: spaceBefore), SQLToken(.leftParen, "(", spaceBefore: false)]
            + inner + [SQLToken(.rightParen, ")", spaceBefore: false)]
    }

    /// A one-dimensional array's text form as JSON: `{1,2}` → `[1,2]`, `{"a b"}` → `["a b"]`.
    /// Numbers and quoted elements are the same in both; anything else (unquoted text,
    /// NULL elements, int2vector's `1 2`, bounds) is not JSON, so SQLite's JSON functions
    /// refuse it with an error instead of answering differently.
    static func jsonArray(_ array: [SQLToken]) -> [SQLToken] {
        var value = array
        if !value.isEmpty { value[0].spaceBefore = false }
        let comma = SQLToken(.comma, ",", spaceBefore: false)
        var out: [SQLToken] = [SQLToken(.leftParen, "("), SQLToken(.word, "case", spaceBefore: false), SQLToken(.word, "when")]
        out += call("substr", value + [comma, SQLToken(.number, "1"), comma, SQLToken(.number, "1")])
        out += [SQLToken(.op, "="), SQLToken(.string, "{"), SQLToken(.word, "then"), SQLToken(.string, "["), SQLToken(.op, "||")]
        out += call("substr", value + [comma, SQLToken(.number, "2"), comma] + call("length", value)
                    + [SQLToken(.op, "-"), SQLToken(.number, "2")])
        out += [SQLToken(.op, "||"), SQLToken(.string, "]"), SQLToken(.word, "else")]
        var otherwise = value
        if !otherwise.isEmpty { otherwise[0].spaceBefore = true }
        out += otherwise
        out += [SQLToken(.word, "end"), SQLToken(.rightParen, ")", spaceBefore: false)]
        return out
    }

    /// `array_upper(a, 1)`: the length of a one-dimensional array, NULL when it is empty.
    private mutating func rewriteArrayUpper(_ tokens: [SQLToken], _ index: Int, _ out: inout [SQLToken]) throws(PGError) -> Int {
        let close = try Self.matching(tokens, index + 1)
        let arguments = try TableStatements.split(Array(tokens[(index + 2)..<close]))
        guard arguments.count == 2, arguments[1].count == 1, arguments[1][0].kind == .number, arguments[1][0].value == "1" else {
            throw PGError.unsupported("array_upper of a dimension other than 1")
        }
        let array = try rewrite(arguments[0])
        out += Self.call("nullif", Self.call("json_array_length", Self.jsonArray(array), spaceBefore: false)
                         + [SQLToken(.comma, ",", spaceBefore: false), SQLToken(.number, "0")], spaceBefore: tokens[index].spaceBefore)
        return close + 1
    }

    /// The end (exclusive) of the operand starting at `start`: one primary (with its casts
    /// and qualifiers) and any `||`, `+`, `-`, `*`, `/`, `%` chain after it, which bind
    /// tighter than LIKE.
    static func operandEnd(_ tokens: [SQLToken], from start: Int) throws(PGError) -> Int {
        var i = start
        func primary() throws(PGError) {
            while i < tokens.count && tokens[i].kind == .op && (tokens[i].value == "-" || tokens[i].value == "+") { i += 1 }
            guard i < tokens.count else {
                throw PGError(SQLState.syntaxError, "syntax error at end of input")
            }
            let t = tokens[i]
            switch t.kind {
            case .leftParen:
                i = try matching(tokens, i) + 1
            case .word, .quotedIdentifier:
                if t.isWord("case") {
                    var depth = 0
                    while i < tokens.count {
                        if tokens[i].isWord("case") { depth += 1 }
                        if tokens[i].isWord("end") {
                            depth -= 1
                            if depth == 0 { break }
                        }
                        i += 1
                    }
                    i += 1
                    return
                }
                i += 1
                while i + 1 < tokens.count && tokens[i].kind == .dot { i += 2 }
                if i < tokens.count && tokens[i].kind == .leftParen { i = try matching(tokens, i) + 1 }
            case .string, .number, .parameter:
                i += 1
            default:
                throw PGError(SQLState.syntaxError, "syntax error at or near \"\(t.value)\"", position: t.position)
            }
            while i < tokens.count && tokens[i].kind == .typecast {
                i = try PGTypeName.parse(tokens, at: i + 1).1
            }
        }
        try primary()
        while i < tokens.count, tokens[i].kind == .op, ["||", "+", "-", "*", "/", "%"].contains(tokens[i].value) {
            i += 1
            try primary()
        }
        return i
    }

    /// The index of the `closing` token that closes the first `opening` at or after `open`
    /// (a parenthesis unless told otherwise).
    static func matching(_ tokens: [SQLToken], _ open: Int, opening: SQLToken.Kind = .leftParen,
                         closing: SQLToken.Kind = .rightParen) throws(PGError) -> Int {
        var depth = 0
        for k in open..<tokens.count {
            if tokens[k].kind == opening { depth += 1 }
            if tokens[k].kind == closing {
                depth -= 1
                if depth == 0 { return k }
            }
        }
        throw PGError(SQLState.syntaxError, "syntax error at end of input")
    }

    /// LIKE's pattern; PostgreSQL's default escape character is the backslash, SQLite has
    /// none, so `ESCAPE '\'` is added unless the statement gives one or the pattern is a
    /// constant without backslashes.
    private mutating func rewritePattern(_ tokens: [SQLToken], _ start: Int, _ out: inout [SQLToken],
                                         lower: Bool = false) throws(PGError) -> Int {
        let end = try Self.operandEnd(tokens, from: start)
        let pattern = try rewrite(Array(tokens[start..<end]))
        out += lower ? Self.call("lower", pattern) : pattern
        let constant = pattern.count == 1 && pattern[0].kind == .string && !pattern[0].value.contains("\\")
        if !constant && !(end < tokens.count && tokens[end].isWord("escape")) {
            out += [SQLToken(.word, "escape"), SQLToken(.string, "\\")]
        }
        return end
    }

    // MARK: quantified comparisons

    /// `x = ANY(…)` → `x IN (…)`, `x <> ALL(…)` → `x NOT IN (…)`, for a subquery, ARRAY[…],
    /// a constant array ('{1,2}'::int[]) or (`= ANY` only) an integer array value.
    private mutating func rewriteQuantified(_ tokens: [SQLToken], _ index: Int, _ out: inout [SQLToken]) throws(PGError) -> Int {
        let quantifier = tokens[index].value
        let comparison = out.last!.value
        let close = try Self.matching(tokens, index + 1)
        let inner = Array(tokens[(index + 2)..<close])
        let positive = comparison == "=" && quantifier != "all"
        let negative = (comparison == "<>" || comparison == "!=") && quantifier == "all"
        guard positive || negative else {
            throw PGError.unsupported("\(comparison) \(quantifier.uppercased())(…)")
        }
        out.removeLast()
        if negative { out.append(SQLToken(.word, "not")) }
        out.append(SQLToken(.word, "in"))
        var list: [SQLToken]
        if let first = inner.first, first.kind == .word, ["select", "with", "values"].contains(first.value) {
            list = try rewrite(inner)
        } else if inner.first?.isWord("array") == true, inner.count >= 3, inner[1].kind == .leftBracket,
                  inner.last?.kind == .rightBracket {
            list = try rewrite(Array(inner[2..<(inner.count - 1)]))
        } else if let first = inner.first, first.kind == .string,
                  inner.count == 1 || (inner.count > 1 && inner[1].kind == .typecast) {
            var type = PGTypeName(name: "text", modifiers: [], isArray: false, spelling: "text")
            if inner.count > 1 {
                let (parsed, after) = try PGTypeName.parse(inner, at: 2)
                guard after == inner.count, parsed.isArray else {
                    throw PGError.unsupported("\(quantifier.uppercased())(…) over \(SQLEmitter.text(inner))")
                }
                type = parsed
                type.isArray = false
            }
            list = []
            for (n, element) in try ArrayLiteral.elements(first.value).enumerated() {
                if n > 0 { list.append(SQLToken(.comma, ",", spaceBefore: false)) }
                if let element {
                    list += try Self.cast([SQLToken(.string, element)], to: type, spaceBefore: n > 0)
                } else {
                    list.append(SQLToken(.word, "null", spaceBefore: n > 0))
                }
            }
        } else if positive {
            let array = try rewrite(inner)
            list = [SQLToken(.word, "select", spaceBefore: false), SQLToken(.word, "value"), SQLToken(.word, "from")]
                + Self.call("json_each", Self.jsonArray(array))
        } else {
            throw PGError.unsupported("<> ALL(…) over \(SQLEmitter.text(inner))")
        }
        out.append(SQLToken(.leftParen, "("))
        if !list.isEmpty { list[0].spaceBefore = false }
        out += list
        out.append(SQLToken(.rightParen, ")", spaceBefore: false))
        return close + 1
    }

    /// Whether the first argument of the call opening at `open` has `ARRAY(` at its top level.
    static func hasArraySubquery(_ tokens: [SQLToken], _ open: Int) -> Bool {
        var depth = 0
        var k = open
        while k + 1 < tokens.count {
            if tokens[k].kind == .leftParen { depth += 1 }
            if tokens[k].kind == .rightParen { depth -= 1 }
            if depth == 0 || (depth == 1 && tokens[k].kind == .comma) { return false }
            if depth == 1 && tokens[k].isWord("array") && tokens[k + 1].kind == .leftParen { return true }
            k += 1
        }
        return false
    }

    /// `array_to_string(a || ARRAY(subquery) || …, sep)` (psql's `\d` and `\d+`) → the
    /// elements of the terms in order, NULLs skipped, joined by sep, '' for none: what
    /// PostgreSQL returns. ARRAY(subquery) terms give the subquery's rows, other terms are
    /// array values read as JSON (see jsonArray).
    private mutating func rewriteArrayToString(_ tokens: [SQLToken], _ index: Int, _ out: inout [SQLToken]) throws(PGError) -> Int {
        let close = try Self.matching(tokens, index + 1)
        let arguments = try TableStatements.split(Array(tokens[(index + 2)..<close]))
        guard arguments.count == 2 else { throw PGError.unsupported("array_to_string with \(arguments.count) arguments") }
        // The terms of the first argument, split at its top-level ||.
        var terms: [[SQLToken]] = [[]]
        var depth = 0
        for t in arguments[0] {
            if t.kind == .leftParen { depth += 1 }
            if t.kind == .rightParen { depth -= 1 }
            if depth == 0 && t.isOp("||") { terms.append([]) } else { terms[terms.count - 1].append(t) }
        }
        let name = SQLToken(.word, "omen_array_\(index)")
        var union: [SQLToken] = []
        for term in terms {
            if !union.isEmpty { union += [SQLToken(.word, "union"), SQLToken(.word, "all")] }
            if term.count >= 3, term[0].isWord("array"), term[1].kind == .leftParen, try Self.matching(term, 1) == term.count - 1 {
                var subquery = try rewrite(Array(term[2..<(term.count - 1)]))
                if !subquery.isEmpty { subquery[0].spaceBefore = false }
                union += [SQLToken(.word, "select", spaceBefore: !union.isEmpty), SQLToken(.op, "*"), SQLToken(.word, "from"),
                          SQLToken(.leftParen, "(")] + subquery + [SQLToken(.rightParen, ")", spaceBefore: false)]
            } else {
                guard !term.isEmpty else { throw PGError(SQLState.syntaxError, "syntax error at or near \"||\"") }
                union += [SQLToken(.word, "select", spaceBefore: !union.isEmpty), SQLToken(.word, "value"), SQLToken(.word, "from")]
                    + Self.call("json_each", Self.jsonArray(try rewrite(term)))
            }
        }
        let separator = try rewrite(arguments[1])
        var sql: [SQLToken] = [SQLToken(.leftParen, "(", spaceBefore: tokens[index].spaceBefore),
                               SQLToken(.word, "with", spaceBefore: false), name,
                               SQLToken(.leftParen, "(", spaceBefore: false), SQLToken(.word, "v", spaceBefore: false),
                               SQLToken(.rightParen, ")", spaceBefore: false), SQLToken(.word, "as"),
                               SQLToken(.leftParen, "(")]
        if !union.isEmpty { union[0].spaceBefore = false }
        sql += union
        sql += [SQLToken(.rightParen, ")", spaceBefore: false), SQLToken(.word, "select")]
        var joined = separator
        if !joined.isEmpty { joined[0].spaceBefore = true }
        sql += Self.call("coalesce", Self.call("group_concat", [SQLToken(.word, "v"), SQLToken(.comma, ",", spaceBefore: false)]
                                                + joined) + [SQLToken(.comma, ",", spaceBefore: false), SQLToken(.string, "")])
        sql += [SQLToken(.word, "from"), name, SQLToken(.rightParen, ")", spaceBefore: false)]
        out += sql
        return close + 1
    }

    /// `FROM unnest(a) [AS] x` → the array's elements (read as JSON, see jsonArray) as
    /// rows of a column named x, or unnest without an alias, as PostgreSQL names it.
    private mutating func rewriteUnnest(_ tokens: [SQLToken], _ index: Int, _ out: inout [SQLToken]) throws(PGError) -> Int {
        let close = try Self.matching(tokens, index + 1)
        let arguments = try TableStatements.split(Array(tokens[(index + 2)..<close]))
        guard arguments.count == 1 else { throw PGError.unsupported("unnest of several arrays") }
        var i = close + 1
        if i < tokens.count, tokens[i].isWord("as") { i += 1 }
        var alias = SQLToken(.word, "unnest")
        if i < tokens.count, tokens[i].kind == .quotedIdentifier
            || (tokens[i].kind == .word && !Self.keywords.contains(tokens[i].value)
                && !["cross", "inner", "left", "right", "full", "natural", "outer", "where"].contains(tokens[i].value)) {
            alias = tokens[i]
            i += 1
            if i < tokens.count, tokens[i].kind == .leftParen { throw PGError.unsupported("a column alias list on unnest") }
        }
        alias.spaceBefore = true
        out.append(SQLToken(.leftParen, "(", spaceBefore: tokens[index].spaceBefore))
        out += [SQLToken(.word, "select", spaceBefore: false), SQLToken(.word, "value"), SQLToken(.word, "as"), alias,
                SQLToken(.word, "from")]
        out += Self.call("json_each", Self.jsonArray(try rewrite(arguments[0])))
        out += [SQLToken(.rightParen, ")", spaceBefore: false), SQLToken(.word, "as"), alias]
        return i
    }

    /// `FROM generate_series(a, b[, s]) [AS] x` → `(select generate_series as x from
    /// generate_series(a, b)) as x`: PostgreSQL names a one-column function's column after
    /// its alias (the catalog lane's module names it generate_series, as PostgreSQL does
    /// without an alias).
    private mutating func rewriteSeries(_ tokens: [SQLToken], _ index: Int, _ out: inout [SQLToken]) throws(PGError) -> Int {
        let close = try Self.matching(tokens, index + 1)
        let call = try rewrite(Array(tokens[index...close]))
        var i = close + 1
        if i < tokens.count, tokens[i].isWord("as") { i += 1 }
        guard i < tokens.count, tokens[i].kind == .quotedIdentifier
            || (tokens[i].kind == .word && !Self.keywords.contains(tokens[i].value)
                && !["cross", "inner", "left", "right", "full", "natural", "outer", "where"].contains(tokens[i].value)) else {
            out += call
            return i == close + 1 ? i : i - 1
        }
        var alias = tokens[i]
        alias.spaceBefore = true
        i += 1
        if i < tokens.count, tokens[i].kind == .leftParen {
            throw PGError.unsupported("a column alias list on generate_series")
        }
        out.append(SQLToken(.leftParen, "(", spaceBefore: tokens[index].spaceBefore))
        out += [SQLToken(.word, "select", spaceBefore: false), SQLToken(.word, "generate_series"), SQLToken(.word, "as"), alias,
                SQLToken(.word, "from")]
        out += call
        out += [SQLToken(.rightParen, ")", spaceBefore: false), SQLToken(.word, "as"), alias]
        return i
    }

    // MARK: casts

    /// `operand` cast to `type`: constants converted here (with PostgreSQL's errors),
    /// anything else with SQLite's CAST to the type's affinity, or 0A000.
    static func cast(_ operand: [SQLToken], to type: PGTypeName, spaceBefore: Bool) throws(PGError) -> [SQLToken] {
        var operand = operand
        // (constant), as CAST('t' AS boolean) arrives here, is the constant.
        if operand.count == 3, operand[0].kind == .leftParen, operand[2].kind == .rightParen,
           operand[1].kind == .string || operand[1].kind == .number {
            operand = [operand[1]]
        }
        if !operand.isEmpty { operand[0].spaceBefore = false }
        let constant: SQLToken? = operand.count == 1 && (operand[0].kind == .string || operand[0].kind == .number)
            ? operand[0] : nil
        func sqliteCast(_ affinity: String) -> [SQLToken] {
            [SQLToken(.word, "cast", spaceBefore: spaceBefore), SQLToken(.leftParen, "(", spaceBefore: false)]
                + operand + [SQLToken(.word, "as"), SQLToken(.word, affinity), SQLToken(.rightParen, ")", spaceBefore: false)]
        }
        func literal(_ kind: SQLToken.Kind, _ value: String) -> [SQLToken] {
            [SQLToken(kind, value, spaceBefore: spaceBefore)]
        }
        if type.isArray {
            // Arrays travel in their text form ({1,2}), as the catalog stores them.
            if let constant, constant.kind == .string {
                // The canonical text PostgreSQL prints, so equal arrays compare equal.
                var element = type
                element.isArray = false
                var texts: [String] = []
                for value in try ArrayLiteral.elements(constant.value) {
                    guard let value else {
                        texts.append("NULL")
                        continue
                    }
                    let converted = try cast([SQLToken(.string, value)], to: element, spaceBefore: false)
                    guard converted.count == 1, converted[0].kind == .string || converted[0].kind == .number else {
                        throw PGError.unsupported("a constant array of \(element.spelling)")
                    }
                    var text = converted[0].value
                    if converted[0].kind == .number && element.category == .float && text.hasSuffix(".0") {
                        text.removeLast(2)   // float8's output: 1, not 1.0
                    }
                    texts.append(converted[0].kind == .number ? text : ArrayLiteral.quoted(text))
                }
                return literal(.string, "{" + texts.joined(separator: ",") + "}")
            }
            return sqliteCast("text")
        }
        switch type.category {
        case .integer:
            if let constant { return literal(.number, try PGConstant.integer(constant, type: type)) }
            // PostgreSQL's cast rounds a fraction and checks the range (IntegerCast).
            guard type.name != "oid" && type.name != "xid" && type.name != "cid" else { return sqliteCast("integer") }
            let bits = ["int2": "16", "int4": "32"][type.name] ?? "64"
            return call(IntegerCast.function, operand + [SQLToken(.comma, ",", spaceBefore: false), SQLToken(.number, bits)],
                        spaceBefore: spaceBefore)
        case .float:
            if let constant { return literal(.number, try PGConstant.float(constant, type: type)) }
            return sqliteCast("real")
        case .numeric:
            if let constant { _ = try PGConstant.float(constant, type: type) }
            guard type.modifiers.count == 2 else { return sqliteCast("numeric") }
            return call("round", sqliteCast("real") + [SQLToken(.comma, ",", spaceBefore: false),
                                                        SQLToken(.number, String(type.modifiers[1]))],
                        spaceBefore: spaceBefore)
        case .text:
            if let constant, constant.kind == .string, type.name != "varchar" || type.modifiers.isEmpty {
                return literal(.string, constant.value)
            }
            if type.name == "varchar", let length = type.modifiers.first {
                return call("substr", sqliteCast("text") + [SQLToken(.comma, ",", spaceBefore: false), SQLToken(.number, "1"),
                                                             SQLToken(.comma, ",", spaceBefore: false),
                                                             SQLToken(.number, String(length))], spaceBefore: spaceBefore)
            }
            return sqliteCast("text")
        case .fixedText:
            // character(n) pads to n for display but drops the padding in text contexts
            // ('a'::char(3) || '|' is 'a|'): SQLite's text cannot do both.
            throw PGError.unsupported("a cast to \(type.spelling)")
        case .boolean:
            if let constant { return literal(.number, try PGConstant.boolean(constant)) }
            if operand.count == 1, operand[0].kind == .word, ["true", "false", "null"].contains(operand[0].value) {
                return literal(.word, operand[0].value)
            }
            throw PGError.unsupported("a cast to boolean of the non-constant \(SQLEmitter.text(operand))")
        case .bytea:
            if let constant, constant.kind == .string { return literal(.word, try PGConstant.bytea(constant.value)) }
            return sqliteCast("blob")
        case .dateTime:
            if let constant, constant.kind == .string { return literal(.string, constant.value) }
            throw PGError.unsupported("a cast to \(type.spelling) of the non-constant \(SQLEmitter.text(operand))")
        case .regType:
            // Catalog functions (the catalog lane): pg_<type>(oid) → the object's name as
            // PostgreSQL prints it; pg_<type>_oid('name') → its OID (42P01/42704 when missing).
            if let constant, constant.kind == .string {
                return call("pg_\(type.name)_oid", [SQLToken(.string, constant.value)], spaceBefore: spaceBefore)
            }
            return call("pg_\(type.name)", operand, spaceBefore: spaceBefore)
        case .other:
            throw PGError.unsupported("the type \(type.spelling)")
        }
    }

    // MARK: normalization

    /// Rewrites PostgreSQL forms into forms the main pass handles: CAST(x AS t) → (x)::t,
    /// typed literals → '…'::t, OPERATOR(schema.op) → op, `pg_catalog.` before a function
    /// name dropped, IS [NOT] DISTINCT FROM → IS NOT / IS, COLLATE "default" dropped, LIMIT ALL → LIMIT -1.
    static func normalize(_ input: [SQLToken]) throws(PGError) -> [SQLToken] {
        var tokens = try LateralRewrite.inline(input)
        var i = 0
        func token(_ k: Int) -> SQLToken? { k < tokens.count && k >= 0 ? tokens[k] : nil }
        while i < tokens.count {
            let t = tokens[i]
            if t.kind == .word && t.value == "cast" && token(i + 1)?.kind == .leftParen && token(i - 1)?.kind != .dot {
                let close = try matching(tokens, i + 1)
                var depth = 0
                var asIndex: Int?
                for k in (i + 1)..<close {
                    if tokens[k].kind == .leftParen { depth += 1 }
                    if tokens[k].kind == .rightParen { depth -= 1 }
                    if depth == 1 && tokens[k].isWord("as") { asIndex = k }
                }
                guard let asIndex else {
                    throw PGError(SQLState.syntaxError, "syntax error in CAST: AS expected", position: t.position)
                }
                var replaced = [SQLToken(.leftParen, "(", spaceBefore: t.spaceBefore)] + tokens[(i + 2)..<asIndex]
                replaced.append(SQLToken(.rightParen, ")", spaceBefore: false))
                replaced.append(SQLToken(.typecast, "::", spaceBefore: false))
                replaced += tokens[(asIndex + 1)..<close]
                tokens.replaceSubrange(i...close, with: replaced)
                i += 1
                continue
            }
            if t.kind == .word && t.value == "operator" && token(i + 1)?.kind == .leftParen {
                var k = i + 2
                if token(k)?.kind == .word && token(k + 1)?.kind == .dot { k += 2 }
                guard let op = token(k), op.kind == .op, token(k + 1)?.kind == .rightParen else {
                    throw PGError(SQLState.syntaxError, "syntax error in OPERATOR(…)", position: t.position)
                }
                var replacement = op
                replacement.spaceBefore = t.spaceBefore
                tokens.replaceSubrange(i...(k + 1), with: [replacement])
                continue
            }
            if t.isWord("pg_catalog") && token(i + 1)?.kind == .dot && token(i + 3)?.kind == .leftParen
                && token(i - 1)?.kind != .dot {
                var name = tokens[i + 2]
                name.spaceBefore = t.spaceBefore
                tokens.replaceSubrange(i...(i + 2), with: [name])
                continue
            }
            // Tables live in schema public; SQLite's connection declares them in temp (those
            // that existed when the session began) or main (created by it): unqualified,
            // SQLite finds either.
            if (t.kind == .word || t.kind == .quotedIdentifier) && t.value == "public" && token(i + 1)?.kind == .dot
                && token(i - 1)?.kind != .dot
                && (token(i + 2)?.kind == .word || token(i + 2)?.kind == .quotedIdentifier) {
                tokens[i + 2].spaceBefore = t.spaceBefore
                tokens.removeSubrange(i...(i + 1))
                continue
            }
            if t.isWord("limit") && token(i + 1)?.isWord("all") == true {
                tokens[i + 1] = SQLToken(.number, "-1", spaceBefore: true, position: tokens[i + 1].position)
                i += 2
                continue
            }
            if t.isWord("is") {
                let not = token(i + 1)?.isWord("not") == true
                let at = not ? i + 2 : i + 1
                if token(at)?.isWord("distinct") == true && token(at + 1)?.isWord("from") == true {
                    var replaced = [t]
                    if !not { replaced.append(SQLToken(.word, "not")) }
                    tokens.replaceSubrange(i...(at + 1), with: replaced)
                    i += 1
                    continue
                }
            }
            if t.isWord("collate") {
                var k = i + 1
                if token(k)?.isWord("pg_catalog") == true && token(k + 1)?.kind == .dot { k += 2 }
                guard let name = token(k), name.kind == .word || name.kind == .quotedIdentifier else {
                    throw PGError(SQLState.syntaxError, "syntax error at or near \"COLLATE\"", position: t.position)
                }
                switch name.value {
                case "default":
                    tokens.removeSubrange(i...k)
                case "C", "POSIX", "c", "posix":
                    tokens.replaceSubrange(i...k, with: [t, SQLToken(.word, "binary")])
                    i += 2
                default:
                    throw PGError.unsupported("the collation \(name.value)")
                }
                continue
            }
            // A typed literal: type 'constant'.
            if t.kind == .word && !keywords.contains(t.value) && token(i - 1)?.kind != .dot
                && PGTypeName.aliases[t.value] != nil {
                if let (type, after) = try? PGTypeName.parse(tokens, at: i), let literal = token(after),
                   literal.kind == .string, type.category != .other || type.name == "interval" {
                    if type.name == "interval" { throw PGError.unsupported("the type interval") }
                    var moved = literal
                    moved.spaceBefore = t.spaceBefore
                    let typeTokens = Array(tokens[i..<after])
                    tokens.replaceSubrange(i...after, with: [moved, SQLToken(.typecast, "::", spaceBefore: false)] + typeTokens)
                    i += 2 + typeTokens.count
                    continue
                }
            }
            i += 1
        }
        return tokens
    }
}
