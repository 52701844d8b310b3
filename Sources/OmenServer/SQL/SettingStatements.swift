/// SET, SET TRANSACTION, SET SESSION CHARACTERISTICS, RESET and SHOW.
enum SettingStatements {
    static func parse(_ s: inout TokenStream) throws(PGError) -> PGCommand {
        switch try s.name() {
        case "show":
            if s.accept("all") {
                try s.expectEnd()
                return .showAll
            }
            let name = try settingName(&s)
            try s.expectEnd()
            return .show(name)
        case "reset":
            if s.accept("all") {
                try s.expectEnd()
                return .resetAll
            }
            if s.accept(["session", "authorization"]) || s.accept("role") { throw PGError.unsupported("RESET ROLE") }
            let name = try settingName(&s)
            try s.expectEnd()
            return .reset(name)
        default:
            return try set(&s)
        }
    }

    /// A parameter name; the multi-word names PostgreSQL's grammar knows map to the GUC.
    private static func settingName(_ s: inout TokenStream) throws(PGError) -> String {
        if s.accept(["time", "zone"]) { return "TimeZone" }
        if s.accept(["transaction", "isolation", "level"]) { return "transaction_isolation" }
        if s.accept(["session", "authorization"]) { return "session_authorization" }
        var name = try s.name()
        while s.accept(.dot) { name += "." + (try s.name()) }   // custom options: myapp.x
        return name
    }

    private static func set(_ s: inout TokenStream) throws(PGError) -> PGCommand {
        if s.accept("transaction") {
            return .setTransaction(try TransactionStatements.modes(&s), session: false)
        }
        if s.accept(["session", "characteristics", "as", "transaction"]) {
            return .setTransaction(try TransactionStatements.modes(&s), session: true)
        }
        let local = s.accept("local")
        if !local { _ = s.accept("session") }
        if s.accept("role") || s.accept(["session", "authorization"]) {
            throw PGError.unsupported("SET ROLE and SET SESSION AUTHORIZATION")
        }
        if s.accept(["time", "zone"]) {
            if s.accept("local") || s.accept("default") {
                try s.expectEnd()
                return .set(name: "TimeZone", value: nil, local: local)
            }
            if s.peek?.isWord("interval") == true { throw PGError.unsupported("SET TIME ZONE INTERVAL") }
            return .set(name: "TimeZone", value: try value(&s), local: local)
        }
        if s.accept("names") {
            if s.accept("default") { return .set(name: "client_encoding", value: nil, local: local) }
            return .set(name: "client_encoding", value: try value(&s), local: local)
        }
        if s.accept("schema") { return .set(name: "search_path", value: try value(&s), local: local) }
        let name = try settingName(&s)
        guard s.accept("to") || (s.peek?.isOp("=") == true && s.accept(.op)) else { throw s.syntaxError() }
        if s.accept("default") {
            try s.expectEnd()
            return .set(name: name, value: nil, local: local)
        }
        return .set(name: name, value: try value(&s), local: local)
    }

    /// The value list to the end: strings as their content, names lower-cased (quoted
    /// ones keep their quotes), numbers as written, joined with ", ".
    private static func value(_ s: inout TokenStream) throws(PGError) -> String {
        var parts: [String] = []
        repeat {
            if let n = s.peek, n.kind == .op, n.value == "-" || n.value == "+", s.peek(1)?.kind == .number {
                parts.append((n.value == "-" ? "-" : "") + s.peek(1)!.value)
                s.index += 2
                continue
            }
            guard let t = s.peek else { throw s.syntaxError() }
            switch t.kind {
            case .string, .number, .word: parts.append(t.value)
            case .quotedIdentifier: parts.append(SQLEmitter.quoteIdentifier(t.value))
            default: throw s.syntaxError()
            }
            s.index += 1
        } while s.accept(.comma)
        try s.expectEnd()
        return parts.joined(separator: ", ")
    }
}
