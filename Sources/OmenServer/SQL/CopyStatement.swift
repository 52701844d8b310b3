/// COPY table [(columns)] FROM STDIN and COPY table [(columns)] | (query) TO STDOUT, with
/// the options in both syntaxes: `WITH (FORMAT csv, HEADER true, …)` and the older
/// `[WITH] CSV HEADER DELIMITER ','` that psql's `\copy` passes on.
enum CopyStatement {
    static func parse(_ s: inout TokenStream) throws(PGError) -> PGCommand {
        try s.expect("copy")
        var source: CopySource
        if s.peek?.kind == .leftParen {
            let close = try QueryRewriter.matching(s.tokens, s.index)
            let query = try Translator.query(Array(s.tokens[(s.index + 1)..<close]))
            guard query.returnsRows else { throw PGError.unsupported("COPY of a statement without RETURNING") }
            source = .query(query)
            s.index = close + 1
        } else {
            let table = try s.tableName()
            let columns = s.peek?.kind == .leftParen ? try s.nameList() : nil
            source = .table(table, columns: columns)
        }
        let from: Bool
        if s.accept("from") {
            from = true
            guard s.accept("stdin") else {
                throw PGError.unsupported("COPY FROM a server file or program (use FROM STDIN, or psql's \\copy)")
            }
        } else {
            try s.expect("to")
            from = false
            guard s.accept("stdout") else {
                throw PGError.unsupported("COPY TO a server file or program (use TO STDOUT, or psql's \\copy)")
            }
        }
        let options = try self.options(&s)
        if from {
            guard case .table(let table, let columns) = source else {
                throw PGError(SQLState.syntaxError, "COPY FROM needs a table, not a query")
            }
            if s.peek?.isWord("where") == true { throw PGError.unsupported("COPY FROM … WHERE") }
            try s.expectEnd()
            return .copyFrom(table: table, columns: columns, options: options)
        }
        try s.expectEnd()
        if options.format == .binary { throw PGError.unsupported("COPY TO STDOUT with FORMAT binary") }
        return .copyTo(source, options: options)
    }

    private static func options(_ s: inout TokenStream) throws(PGError) -> CopyOptions {
        var settings: [(String, [SQLToken])] = []
        _ = s.accept("with")
        if s.accept(.leftParen) {
            repeat {
                let name = try s.name()
                var arguments: [SQLToken] = []
                if s.accept(.leftParen) {
                    while let t = s.peek, t.kind != .rightParen {
                        if t.kind != .comma { arguments.append(t) }
                        s.index += 1
                    }
                    try s.expect(.rightParen)
                } else if let t = s.peek, t.kind != .comma && t.kind != .rightParen {
                    arguments.append(t)
                    s.index += 1
                }
                settings.append((name, arguments))
            } while s.accept(.comma)
            try s.expect(.rightParen)
        } else {
            // The pre-9.0 syntax.
            while let t = s.peek, t.kind == .word, t.value != "where" {
                s.index += 1
                switch t.value {
                case "binary": settings.append(("format", [SQLToken(.word, "binary")]))
                case "csv": settings.append(("format", [SQLToken(.word, "csv")]))
                case "header", "freeze": settings.append((t.value, []))
                case "delimiter", "null", "quote", "escape":
                    _ = s.accept("as")
                    guard let value = s.peek, value.kind == .string else { throw s.syntaxError() }
                    s.index += 1
                    settings.append((t.value, [value]))
                case "force":
                    let notNull = s.accept(["not", "null"])
                    if !notNull { try s.expect("quote") }
                    var columns: [SQLToken] = []
                    if let star = s.peek, star.isOp("*") {
                        columns.append(star)
                        s.index += 1
                    } else {
                        repeat { columns.append(SQLToken(.word, try s.name())) } while s.accept(.comma)
                    }
                    settings.append((notNull ? "force_not_null" : "force_quote", columns))
                default:
                    throw PGError(SQLState.syntaxError, "syntax error at or near \"\(t.value)\"", position: t.position)
                }
            }
        }
        var options = CopyOptions()
        if let format = settings.last(where: { $0.0 == "format" }) {
            switch format.1.first?.value {
            case "text": options = CopyOptions(format: .text)
            case "csv": options = CopyOptions(format: .csv)
            case "binary": options = CopyOptions(format: .binary)
            default: throw PGError(SQLState.syntaxError, "COPY format \"\(format.1.first?.value ?? "")\" not recognized")
            }
        }
        let csv = options.format == .csv
        var escapeGiven = false
        for (name, arguments) in settings {
            func character() throws(PGError) -> Character {
                guard let text = arguments.first?.value, text.count == 1, let c = text.first else {
                    throw PGError(SQLState.featureNotSupported, "COPY \(name) must be a single one-byte character")
                }
                return c
            }
            switch name {
            case "format", "freeze", "encoding":
                if name == "encoding", let e = arguments.first?.value.uppercased(), e != "UTF8" && e != "UTF-8" {
                    throw PGError.unsupported("COPY ENCODING \(e)")
                }
            case "delimiter":
                options.delimiter = try character()
                if options.delimiter == "\n" || options.delimiter == "\r" || options.delimiter == "\\" && !csv {
                    throw PGError(SQLState.invalidParameterValue, "COPY delimiter cannot be newline, carriage return or backslash")
                }
            case "null":
                guard let text = arguments.first, text.kind == .string else {
                    throw PGError(SQLState.syntaxError, "COPY null must be a string")
                }
                options.null = text.value
            case "header":
                guard let value = arguments.first else {
                    options.header = true
                    continue
                }
                if value.isWord("match") { throw PGError.unsupported("COPY HEADER MATCH") }
                options.header = try PGConstant.boolean(value) == "1"
            case "quote", "escape":
                guard csv else { throw PGError.unsupported("COPY \(name) outside CSV mode") }
                if name == "quote" { options.quote = try character() } else {
                    options.escape = try character()
                    escapeGiven = true
                }
            case "force_quote":
                guard csv else { throw PGError.unsupported("COPY force quote outside CSV mode") }
                if arguments.first?.isOp("*") == true { options.forceQuoteAll = true } else { options.forceQuote = arguments.map(\.value) }
            case "force_not_null":
                guard csv else { throw PGError.unsupported("COPY force not null outside CSV mode") }
                options.forceNotNull = arguments.map(\.value)
            case "force_null":
                guard csv else { throw PGError.unsupported("COPY force null outside CSV mode") }
                options.forceNull = arguments.map(\.value)
            default:
                throw PGError(SQLState.syntaxError, "option \"\(name)\" not recognized")
            }
        }
        if csv && !escapeGiven { options.escape = options.quote }
        return options
    }
}
