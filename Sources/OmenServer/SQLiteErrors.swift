import CSQLite

/// SQLite's errors as PostgreSQL errors: the SQLSTATE a PostgreSQL client would get for
/// the same failure, and PostgreSQL's wording where SQLite's message names the same
/// thing (`no such table: t` → 42P01 `relation "t" does not exist`). OmenSQL's
/// transaction conflicts (SQLITE_BUSY with OmenDB's message) are serialization
/// failures, 40001, which clients and pgbench retry.
enum SQLiteErrors {
    // SQLite's extended constraint codes (function-like macros in sqlite3.h).
    static let constraintCheck = SQLITE_CONSTRAINT | (1 << 8)
    static let constraintNotNull = SQLITE_CONSTRAINT | (5 << 8)
    static let constraintPrimaryKey = SQLITE_CONSTRAINT | (6 << 8)
    static let constraintUnique = SQLITE_CONSTRAINT | (8 << 8)

    static func map(code: Int32, message: String, offset: Int32 = -1) -> PGError {
        let primary = code & 0xFF
        let position = offset >= 0 ? Int(offset) + 1 : nil
        switch primary {
        case SQLITE_BUSY, SQLITE_LOCKED:
            return PGError(SQLState.serializationFailure, "could not serialize access due to concurrent update",
                           detail: message, hint: "The transaction might succeed if retried.")
        case SQLITE_CONSTRAINT:
            switch code {
            case constraintNotNull:
                return PGError(SQLState.notNullViolation, rephrase(message, prefix: "NOT NULL constraint failed: ") {
                    "null value in column \"\(column($0))\" of relation \"\(table($0))\" violates not-null constraint"
                })
            case constraintUnique, constraintPrimaryKey:
                return PGError(SQLState.uniqueViolation, "duplicate key value violates unique constraint", detail: message)
            case constraintCheck:
                return PGError(SQLState.checkViolation, message)
            default:
                if message.hasPrefix("UNIQUE constraint failed") {
                    return PGError(SQLState.uniqueViolation, "duplicate key value violates unique constraint", detail: message)
                }
                if message.hasPrefix("NOT NULL constraint failed") {
                    return PGError(SQLState.notNullViolation, message)
                }
                return PGError(SQLState.integrityConstraintViolation, message)
            }
        case SQLITE_INTERRUPT:
            return PGError(SQLState.queryCanceled, "canceling statement due to user request")
        case SQLITE_MISMATCH:
            // A value that is not an integer for an integer key: PostgreSQL's input error.
            return PGError(SQLState.invalidTextRepresentation, "invalid input syntax for type bigint", detail: message)
        case SQLITE_TOOBIG:
            return PGError(SQLState.programLimitExceeded, message)
        case SQLITE_FULL:
            return PGError(SQLState.diskFull, "could not write: no space left on device", detail: message)
        case SQLITE_IOERR, SQLITE_CANTOPEN:
            return PGError(SQLState.ioError, message)
        case SQLITE_CORRUPT, SQLITE_NOTADB:
            return PGError(SQLState.dataCorrupted, message)
        case SQLITE_NOMEM:
            return PGError("53200", "out of memory", detail: message)
        case SQLITE_READONLY:
            return PGError(SQLState.readOnlySQLTransaction, message)
        case SQLITE_RANGE:
            return PGError(SQLState.protocolViolation, message)
        case SQLITE_MISUSE:
            return PGError(SQLState.internalError, message)
        case SQLITE_ERROR:
            return mapError(message, position: position)
        default:
            return PGError(SQLState.internalError, message)
        }
    }

    /// The SQLite error message that carries `error` through SQLite (from a value check
    /// or an SQL function the server registers): `map` gives `error` back.
    static func carrying(_ error: PGError) -> String { carriedPrefix + error.code + ": " + error.message }

    private static let carriedPrefix = "omendb-server SQLSTATE "

    /// SQLITE_ERROR: by SQLite's message, which names the kind of mistake.
    private static func mapError(_ message: String, position: Int?) -> PGError {
        // A PostgreSQL error raised inside SQLite (a value check, a cast): its SQLSTATE and message.
        if let rest = after(message, carriedPrefix), let colon = rest.firstIndex(of: ":") {
            return PGError(String(rest[..<colon]), String(rest[rest.index(after: colon)...].dropFirst()))
        }
        if let name = after(message, "no such table: ") {
            return PGError(SQLState.undefinedTable, "relation \"\(unqualified(name))\" does not exist", position: position)
        }
        if let name = after(message, "no such column: ") {
            return PGError(SQLState.undefinedColumn, "column \"\(name)\" does not exist", position: position)
        }
        if let name = after(message, "no such function: ") {
            return PGError(SQLState.undefinedFunction, "function \(name) does not exist",
                           hint: "omendb-server runs SQLite's functions and those docs/server.md lists.", position: position)
        }
        if message.hasPrefix("wrong number of arguments to function ") {
            return PGError(SQLState.undefinedFunction, message, position: position)
        }
        if let name = after(message, "table "), name.hasSuffix(" already exists") {
            return PGError(SQLState.duplicateTable, "relation \"\(name.dropLast(" already exists".count))\" already exists")
        }
        if message.hasPrefix("near ") && message.hasSuffix(": syntax error") {
            let token = message.dropFirst(5).dropLast(": syntax error".count)
            return PGError(SQLState.syntaxError, "syntax error at or near \(token)", position: position)
        }
        if message == "incomplete input" || message.hasSuffix("syntax error") {
            return PGError(SQLState.syntaxError, "syntax error at end of input", position: position)
        }
        if let counts = insertCounts(message) {
            return PGError(SQLState.syntaxError, counts.values > counts.columns
                ? "INSERT has more expressions than target columns" : "INSERT has more target columns than expressions",
                           position: position)
        }
        if message == "all VALUES must have the same number of terms" {
            return PGError(SQLState.syntaxError, "VALUES lists must all be the same length", position: position)
        }
        if message.hasPrefix("ambiguous column name: ") {
            return PGError(SQLState.ambiguousColumn, "column reference \"\(message.dropFirst(23))\" is ambiguous", position: position)
        }
        if message.hasPrefix("no such savepoint") {
            return PGError(SQLState.invalidSavepointSpecification, message)
        }
        if message.contains("datatype mismatch") {
            return PGError(SQLState.datatypeMismatch, message)
        }
        if message.hasPrefix("integer overflow") {
            return PGError(SQLState.numericValueOutOfRange, message)
        }
        if message.hasPrefix("cannot start a transaction within a transaction") {
            return PGError(SQLState.activeSQLTransaction, "there is already a transaction in progress")
        }
        if message.contains("UNIQUE constraint failed") {
            return PGError(SQLState.uniqueViolation, "duplicate key value violates unique constraint", detail: message)
        }
        if message.hasPrefix("omendb: ") && message.contains("not supported") || message.contains("virtual tables") {
            return PGError(SQLState.featureNotSupported, message)
        }
        return PGError("42000", message, position: position)
    }

    /// The counts of SQLite's `N values for M columns` and `table t has M columns but N
    /// values were supplied`.
    private static func insertCounts(_ message: String) -> (values: Int, columns: Int)? {
        let words = message.split(separator: " ")
        if words.count == 5, message.hasSuffix(" columns"), words[1] == "values", words[2] == "for",
           let values = Int(words[0]), let columns = Int(words[3]) {
            return (values, columns)
        }
        if message.hasPrefix("table "), message.hasSuffix(" values were supplied"), words.count >= 9,
           let columns = Int(words[words.count - 7]), let values = Int(words[words.count - 4]) {
            return (values, columns)
        }
        return nil
    }

    private static func after(_ message: String, _ prefix: String) -> String? {
        message.hasPrefix(prefix) ? String(message.dropFirst(prefix.count)) : nil
    }

    private static func unqualified(_ name: String) -> String {
        name.split(separator: ".").last.map(String.init) ?? name
    }

    /// `t.c` of SQLite's constraint messages.
    private static func table(_ qualified: String) -> String {
        String(qualified.split(separator: ".").first ?? "")
    }

    private static func column(_ qualified: String) -> String {
        String(qualified.split(separator: ".").dropFirst().joined(separator: "."))
    }

    private static func rephrase(_ message: String, prefix: String, _ make: (String) -> String) -> String {
        guard let rest = after(message, prefix) else { return message }
        return make(rest)
    }
}
