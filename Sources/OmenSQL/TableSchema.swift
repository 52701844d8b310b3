import OmenDB

/// SQLite's type affinity of a declared column type (https://sqlite.org/datatype3.html, 3.1).
public enum Affinity: Equatable {
    case integer, text, blob, real, numeric

    public init(declaredType: String) {
        let type = declaredType.uppercased()
        if type.contains("INT") { self = .integer }
        else if type.contains("CHAR") || type.contains("CLOB") || type.contains("TEXT") { self = .text }
        else if type.isEmpty || type.contains("BLOB") { self = .blob }
        else if type.contains("REAL") || type.contains("FLOA") || type.contains("DOUB") { self = .real }
        else { self = .numeric }
    }
}

/// One declared column.
public struct ColumnDefinition: Equatable {
    public let name: String
    /// The type as written (`int4`, `character varying(20)`, empty without one):
    /// sqlite3_column_decltype returns it.
    public let declaredType: String
    public let affinity: Affinity
    /// Declared NOT NULL, or the key (PRIMARY KEY implies NOT NULL, as in PostgreSQL):
    /// the module refuses NULL (a NULL key of an allocating key type gets the next key).
    public let notNull: Bool
    /// The DEFAULT expression as written, or nil.
    public let defaultExpression: String?
    /// The text given in CREATE VIRTUAL TABLE (a table-level PRIMARY KEY (c) folded in
    /// as `PRIMARY KEY` at its end), passed on to sqlite3_declare_vtab.
    public let text: String
}

/// The schema of one SQL table: its columns, which of them (if any) is the key, and
/// its schema version (stored in every row; docs/sql.md, "Row format").
public struct TableSchema: Equatable {
    public let name: String
    public let version: UInt16
    public let columns: [ColumnDefinition]
    /// The PRIMARY KEY column, of an integer type (the OmenDB key, never stored in the
    /// row), or nil: then the key is the hidden rowid.
    public let keyColumn: Int?
    /// For each column, its index among the stored (non-key) columns; -1 for the key.
    public let storedIndex: [Int]

    public var storedColumnCount: Int { columns.count - (keyColumn == nil ? 0 : 1) }

    /// Whether an INSERT without a key (or with a NULL key) gets one from the table's key
    /// allocator: a table keyed by the hidden rowid, an `INTEGER PRIMARY KEY` (SQLite's
    /// rule) or a serial key. Any other key refuses NULL, as PostgreSQL does.
    public var allocatesKeys: Bool {
        guard let keyColumn else { return true }
        return Self.allocatingKeyTypes.contains(columns[keyColumn].declaredType.uppercased())
    }

    /// The integer type names a PRIMARY KEY may have (SQLite's and PostgreSQL's spellings).
    static let keyTypes: Set<String> = ["INTEGER", "INT", "INT2", "INT4", "INT8", "SMALLINT", "BIGINT", "TINYINT",
                                        "MEDIUMINT", "SERIAL", "SERIAL2", "SERIAL4", "SERIAL8", "SMALLSERIAL", "BIGSERIAL"]
    /// Key types that take the next key when the key is NULL or omitted; the others are NOT NULL.
    static let allocatingKeyTypes: Set<String> = ["INTEGER", "SERIAL", "SERIAL2", "SERIAL4", "SERIAL8", "SMALLSERIAL", "BIGSERIAL"]

    static func isKeyType(_ type: String) -> Bool { keyTypes.contains(type.uppercased()) }

    /// Parses the column definitions of `CREATE VIRTUAL TABLE name USING omendb(defs...)`:
    /// column definitions, then optionally one table constraint `[CONSTRAINT n] PRIMARY
    /// KEY (column)`, which is folded into that column's definition.
    public init(name: String, version: UInt16 = 1, definitions: [String]) throws(OmenError) {
        self.name = name
        self.version = version
        guard !definitions.isEmpty else {
            throw OmenError(.invalidArgument, "CREATE VIRTUAL TABLE \(name) USING omendb(...) needs at least one column")
        }
        var columns: [ColumnDefinition] = []
        var keyColumn: Int?
        var tableKey: String?
        for text in definitions {
            let definition = text.trimmingWhitespace()
            if let keyName = try Self.tableKeyConstraint(definition, table: name) {
                if tableKey != nil || keyColumn != nil {
                    throw OmenError(.invalidArgument, "table \(name): more than one PRIMARY KEY")
                }
                tableKey = keyName
                continue
            }
            if tableKey != nil {
                throw OmenError(.invalidArgument, "table \(name): a column definition (\(definition)) after the table constraint")
            }
            let (column, isKey) = try Self.parse(definition, table: name)
            if columns.contains(where: { $0.name.lowercased() == column.name.lowercased() }) {
                throw OmenError(.invalidArgument, "table \(name): duplicate column name \(column.name)")
            }
            if isKey {
                if keyColumn != nil {
                    throw OmenError(.invalidArgument, "table \(name): more than one PRIMARY KEY column")
                }
                keyColumn = columns.count
            }
            columns.append(column)
        }
        if let tableKey {
            guard let index = columns.firstIndex(where: { $0.name.lowercased() == tableKey.lowercased() }) else {
                throw OmenError(.invalidArgument, "table \(name): PRIMARY KEY (\(tableKey)) names no column")
            }
            let (column, _) = try Self.parse(columns[index].text + " PRIMARY KEY", table: name)
            columns[index] = column
            keyColumn = index
        }
        self.columns = columns
        self.keyColumn = keyColumn
        var stored = 0
        storedIndex = columns.indices.map { index in
            if index == keyColumn { return -1 }
            defer { stored += 1 }
            return stored
        }
        guard storedColumnCount <= Int(UInt16.max) else {
            throw OmenError(.invalidArgument, "table \(name): more than \(UInt16.max) columns")
        }
    }

    /// This schema with `column` as its key (omendb_set_primary_key): the column's
    /// definition gets `PRIMARY KEY` at its end, the schema version goes up by one.
    func keyed(by column: Int) throws(OmenError) -> TableSchema {
        guard version < UInt16.max else {
            throw OmenError(.tooLarge, "table \(name): its schema version is already \(UInt16.max)")
        }
        var definitions = self.definitions
        definitions[column] += " PRIMARY KEY"
        return try TableSchema(name: name, version: version + 1, definitions: definitions)
    }

    /// The statement given to sqlite3_declare_vtab.
    public var declaration: String {
        "CREATE TABLE x(" + columns.map(\.text).joined(separator: ", ") + ")"
    }

    /// The column definitions as given (what the catalog stores).
    public var definitions: [String] { columns.map(\.text) }

    private static let constraintWords: Set<String> = ["CONSTRAINT", "PRIMARY", "NOT", "NULL", "UNIQUE", "CHECK",
                                                        "DEFAULT", "COLLATE", "REFERENCES", "GENERATED", "AS"]
    private static let unsupported: [String: String] = [
        "UNIQUE": "UNIQUE", "CHECK": "CHECK", "REFERENCES": "REFERENCES",
        "GENERATED": "generated columns", "AS": "generated columns",
    ]

    /// The column of a table constraint `[CONSTRAINT name] PRIMARY KEY (column)`; nil for
    /// a column definition; other table constraints are refused.
    private static func tableKeyConstraint(_ text: String, table: String) throws(OmenError) -> String? {
        var tokens = tokenize(text)
        guard let first = tokens.first?.uppercased(), ["PRIMARY", "UNIQUE", "CHECK", "FOREIGN", "CONSTRAINT"].contains(first) else {
            return nil
        }
        if first == "CONSTRAINT", tokens.count > 2 { tokens.removeFirst(2) }
        // PRIMARY KEY (c) or PRIMARY KEY(c)
        let group = tokens.count == 3 && tokens[1].uppercased() == "KEY" ? tokens[2]
            : tokens.count == 2 && tokens[1].uppercased().hasPrefix("KEY(") ? String(tokens[1].dropFirst(3)) : ""
        if tokens.first?.uppercased() == "PRIMARY", group.hasPrefix("("), group.hasSuffix(")") {
            let names = group.dropFirst().dropLast().split(separator: ",").map { String($0).trimmingWhitespace() }
            guard names.count == 1, let keyName = tokenize(names[0]).first, tokenize(names[0]).count == 1 else {
                throw OmenError(.invalidArgument, "table \(table): the PRIMARY KEY must be one column of an integer type "
                    + "(the OmenDB key); \(text) is not")
            }
            return unquote(keyName)
        }
        throw OmenError(.invalidArgument, "table \(table): table constraints (\(text)) are not supported: "
            + "declare the key as a column `name INTEGER PRIMARY KEY` or as `PRIMARY KEY (name)`")
    }

    private static func parse(_ text: String, table: String) throws(OmenError) -> (ColumnDefinition, Bool) {
        let tokens = tokenize(text)
        guard let first = tokens.first else {
            throw OmenError(.invalidArgument, "table \(table): an empty column definition")
        }
        let name = unquote(first)
        var typeWords: [String] = []
        var index = 1
        while index < tokens.count, !constraintWords.contains(tokens[index].uppercased()) {
            typeWords.append(tokens[index])
            index += 1
        }
        let type = typeWords.joined(separator: " ")
        var isKey = false
        var notNull = false
        var defaultExpression: String?
        while index < tokens.count {
            let word = tokens[index].uppercased()
            if let what = unsupported[word] {
                throw OmenError(.invalidArgument, "table \(table), column \(name): \(what) is not supported on omendb "
                    + "tables (SQLite does not enforce column constraints on virtual tables)")
            }
            switch word {
            case "PRIMARY":
                guard isKeyType(type) else {
                    throw OmenError(.invalidArgument, "table \(table): the PRIMARY KEY must be one column of an integer "
                        + "type (the OmenDB key: INTEGER, INT, BIGINT, SERIAL...); \(name) is declared '\(type)'")
                }
                isKey = true
                notNull = true  // as in PostgreSQL (an allocating key never stores NULL either)
            case "NOT" where index + 1 < tokens.count && tokens[index + 1].uppercased() == "NULL":
                notNull = true
                index += 1
            case "DEFAULT" where index + 1 < tokens.count:
                defaultExpression = tokens[index + 1]
                index += 1
            case "COLLATE", "CONSTRAINT":
                index += 1  // the collation's or the constraint's name
            default:
                break
            }
            index += 1
        }
        return (ColumnDefinition(name: name, declaredType: type, affinity: Affinity(declaredType: type), notNull: notNull,
                                 defaultExpression: defaultExpression, text: text), isKey)
    }

    /// Words, quoted names and parenthesized groups (`DECIMAL(10,2)`, `DEFAULT (1+2)`) as tokens.
    static func tokenize(_ text: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        var quote: Character?
        var depth = 0
        for character in text {
            if let open = quote {
                current.append(character)
                if character == (open == "[" ? "]" : open) { quote = nil }
                continue
            }
            switch character {
            case "\"", "'", "`", "[":
                quote = character
                current.append(character)
            case "(":
                depth += 1
                current.append(character)
            case ")":
                depth -= 1
                current.append(character)
            case " ", "\t", "\n", "\r":
                if depth > 0 { current.append(character) } else if !current.isEmpty { tokens.append(current); current = "" }
            default:
                current.append(character)
            }
        }
        if !current.isEmpty { tokens.append(current) }
        // "INTEGER(8)" and "DEFAULT(1)" stay one token; split a leading word off a group.
        return tokens.flatMap { token -> [String] in
            guard let paren = token.firstIndex(of: "("), paren != token.startIndex,
                  !"\"'`[".contains(token.first!) else { return [token] }
            let word = String(token[..<paren])
            return constraintWords.contains(word.uppercased()) ? [word, String(token[paren...])] : [token]
        }
    }

    private static func unquote(_ token: String) -> String {
        guard let first = token.first, "\"'`[".contains(first), token.count >= 2 else { return token }
        let close: Character = first == "[" ? "]" : first
        let inner = token.dropFirst().dropLast()
        return close == "]" ? String(inner) : inner.replacingOccurrences(of: "\(close)\(close)", with: "\(close)")
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[start...end])
    }
}

extension Substring {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        var result = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
