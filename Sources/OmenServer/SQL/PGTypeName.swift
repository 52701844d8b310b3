/// A PostgreSQL type name as written after `::`, in `CAST(x AS …)` or before a typed
/// literal (`date '2020-01-01'`), and how a value is cast to it in SQLite.
struct PGTypeName: Equatable {
    /// The canonical name (`int4`, `float8`, `varchar`, `timestamptz`, `regclass`…).
    var name: String
    /// The type modifiers: `varchar(20)` → [20], `numeric(10,2)` → [10, 2].
    var modifiers: [Int]
    var isArray: Bool
    /// As written, for messages.
    var spelling: String

    enum Category { case integer, float, numeric, text, fixedText, boolean, bytea, dateTime, regType, other }

    var category: Category {
        switch name {
        case "int2", "int4", "int8", "oid", "xid", "cid": return .integer
        case "float4", "float8": return .float
        case "numeric": return .numeric
        case "text", "varchar", "name", "char", "citext", "json", "jsonb", "uuid", "unknown": return .text
        case "bpchar": return .fixedText
        case "bool": return .boolean
        case "bytea": return .bytea
        case "date", "timestamp", "timestamptz", "time", "timetz": return .dateTime
        case "regclass", "regtype", "regnamespace", "regproc", "regprocedure", "regrole",
             "regoper", "regoperator", "regconfig", "regdictionary", "regcollation": return .regType
        default: return .other
        }
    }

    /// Canonical names of PostgreSQL's spellings (one- and several-word).
    static let aliases: [String: String] = [
        "int": "int4", "integer": "int4", "int4": "int4", "smallint": "int2", "int2": "int2",
        "bigint": "int8", "int8": "int8", "oid": "oid", "xid": "xid", "cid": "cid",
        "real": "float4", "float4": "float4", "float8": "float8", "double precision": "float8", "float": "float8",
        "numeric": "numeric", "decimal": "numeric",
        "text": "text", "varchar": "varchar", "character varying": "varchar", "char varying": "varchar",
        "name": "name", "\"char\"": "char", "citext": "citext", "json": "json", "jsonb": "jsonb", "uuid": "uuid",
        "char": "bpchar", "character": "bpchar", "bpchar": "bpchar",
        "bool": "bool", "boolean": "bool", "bytea": "bytea",
        "date": "date", "timestamp": "timestamp", "timestamp without time zone": "timestamp",
        "timestamptz": "timestamptz", "timestamp with time zone": "timestamptz",
        "time": "time", "time without time zone": "time", "timetz": "timetz", "time with time zone": "timetz",
        "interval": "interval",
        "regclass": "regclass", "regtype": "regtype", "regnamespace": "regnamespace", "regproc": "regproc",
        "regprocedure": "regprocedure", "regrole": "regrole", "regoper": "regoper", "regoperator": "regoperator",
        "regconfig": "regconfig", "regdictionary": "regdictionary", "regcollation": "regcollation",
        "int2vector": "int2vector", "oidvector": "oidvector", "unknown": "unknown",
    ]

    /// Words that continue a type name after its first word.
    private static let continuations: [String: [[String]]] = [
        "double": [["precision"]],
        "character": [["varying"]], "char": [["varying"]],
        "timestamp": [["with", "time", "zone"], ["without", "time", "zone"]],
        "time": [["with", "time", "zone"], ["without", "time", "zone"]],
    ]

    /// Parses a type name starting at `tokens[index]`; returns it and the index after it.
    static func parse(_ tokens: [SQLToken], at index: Int) throws(PGError) -> (PGTypeName, Int) {
        var i = index
        func token(_ k: Int) -> SQLToken? { k < tokens.count ? tokens[k] : nil }
        // An optional pg_catalog. (or public.) qualifier.
        if let q = token(i), q.kind == .word, q.value == "pg_catalog" || q.value == "public",
           token(i + 1)?.kind == .dot {
            i += 2
        }
        guard let first = token(i), first.kind == .word || first.kind == .quotedIdentifier else {
            throw PGError(SQLState.syntaxError, "syntax error: a type name was expected",
                          position: token(i)?.position)
        }
        var words = [first.kind == .quotedIdentifier ? "\"\(first.value)\"" : first.value]
        i += 1
        if first.kind == .word, let options = continuations[first.value] {
            for option in options {
                let upcoming = (0..<option.count).map { token(i + $0) }
                if zip(upcoming, option).allSatisfy({ $0.0?.isWord($0.1) == true }) {
                    words += option
                    i += option.count
                    break
                }
            }
        }
        let spelled = words.joined(separator: " ")
        guard let name = aliases[first.kind == .quotedIdentifier ? "\"\(first.value)\"" : spelled]
                ?? (first.kind == .quotedIdentifier ? aliases[first.value] : nil) else {
            throw PGError.unsupported("the type \(spelled)")
        }
        var modifiers: [Int] = []
        var spelling = spelled
        if token(i)?.kind == .leftParen {
            i += 1
            while let t = token(i), t.kind == .number, let n = Int(t.value) {
                modifiers.append(n)
                i += 1
                if token(i)?.kind == .comma { i += 1 }
            }
            guard token(i)?.kind == .rightParen else {
                throw PGError(SQLState.syntaxError, "syntax error in the type modifiers of \(spelled)", position: token(i)?.position)
            }
            i += 1
            spelling += "(" + modifiers.map(String.init).joined(separator: ",") + ")"
        }
        var isArray = false
        while token(i)?.kind == .leftBracket {
            guard token(i + 1)?.kind == .rightBracket else {
                throw PGError.unsupported("array bounds in the type \(spelling)")
            }
            isArray = true
            i += 2
        }
        if token(i)?.isWord("array") == true {
            isArray = true
            i += 1
        }
        if isArray { spelling += "[]" }
        return (PGTypeName(name: name, modifiers: modifiers, isArray: isArray, spelling: spelling), i)
    }
}
