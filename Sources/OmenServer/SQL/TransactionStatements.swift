import OmenDB

/// BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK, ABORT, SAVEPOINT, RELEASE, ROLLBACK TO,
/// and the transaction modes (shared with SET TRANSACTION).
enum TransactionStatements {
    static func parse(_ s: inout TokenStream) throws(PGError) -> PGCommand {
        let verb = try s.name()
        switch verb {
        case "begin":
            _ = s.accept("work") || s.accept("transaction")
            return .begin(try modes(&s), tag: "BEGIN")
        case "start":
            try s.expect("transaction")
            return .begin(try modes(&s), tag: "START TRANSACTION")
        case "commit", "end":
            if verb == "commit" && s.accept("prepared") { throw PGError.unsupported("COMMIT PREPARED") }
            _ = s.accept("work") || s.accept("transaction")
            try chain(&s)
            return .commit
        case "rollback", "abort":
            if verb == "rollback" && s.accept("prepared") { throw PGError.unsupported("ROLLBACK PREPARED") }
            _ = s.accept("work") || s.accept("transaction")
            if verb == "rollback" && s.accept("to") {
                _ = s.accept("savepoint")
                let name = try s.name()
                try s.expectEnd()
                return .rollbackTo(name)
            }
            try chain(&s)
            return .rollback
        case "savepoint":
            let name = try s.name()
            try s.expectEnd()
            return .savepoint(name)
        default: // release
            _ = s.accept("savepoint")
            let name = try s.name()
            try s.expectEnd()
            return .release(name)
        }
    }

    private static func chain(_ s: inout TokenStream) throws(PGError) {
        if s.accept(["and", "chain"]) { throw PGError.unsupported("AND CHAIN") }
        _ = s.accept(["and", "no", "chain"])
        try s.expectEnd()
    }

    /// `ISOLATION LEVEL …`, `READ ONLY`, `READ WRITE`, `[NOT] DEFERRABLE`, separated by
    /// commas or spaces, to the end of the statement.
    static func modes(_ s: inout TokenStream) throws(PGError) -> TransactionMode {
        var mode = TransactionMode()
        while !s.atEnd {
            if s.accept(["isolation", "level"]) {
                if s.accept("serializable") {
                    mode.isolation = .serializable
                } else if s.accept(["repeatable", "read"]) {
                    mode.isolation = .repeatableRead
                } else if s.accept(["read", "committed"]) {
                    mode.isolation = .readCommitted
                } else if s.accept(["read", "uncommitted"]) {
                    mode.isolation = .readUncommitted
                } else {
                    throw s.syntaxError()
                }
            } else if s.accept(["read", "only"]) {
                mode.readOnly = true
            } else if s.accept(["read", "write"]) {
                mode.readOnly = false
            } else if s.accept("deferrable") {
                mode.deferrable = true
            } else if s.accept(["not", "deferrable"]) {
                mode.deferrable = false
            } else {
                throw s.syntaxError()
            }
            _ = s.accept(.comma)
        }
        return mode
    }
}
