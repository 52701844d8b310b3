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
    public let declaredType: String
    public let affinity: Affinity
    /// The text given in CREATE VIRTUAL TABLE, passed on to sqlite3_declare_vtab.
    public let text: String
}

/// The schema of one SQL table: its columns, which of them (if any) is the key, and
/// its schema version (stored in every row; docs/sql.md, "Row format").
public struct TableSchema: Equatable {
    public let name: String
    public let version: UInt16
    public let columns: [ColumnDefinition]
    /// The INTEGER PRIMARY KEY column (the OmenDB key, never stored in the row), or
    /// nil: then the key is the hidden rowid.
    public let keyColumn: Int?
    /// For each column, its index among the stored (non-key) columns; -1 for the key.
    public let storedIndex: [Int]

    public var storedColumnCount: Int { columns.count - (keyColumn == nil ? 0 : 1) }

    /// Parses the column definitions of `CREATE VIRTUAL TABLE name USING omendb(defs...)`.
    public init(name: String, version: UInt16 = 1, definitions: [String]) throws(OmenError) {
        self.name = name
        self.version = version
        guard !definitions.isEmpty else {
            throw OmenError(.invalidArgument, "CREATE VIRTUAL TABLE \(name) USING omendb(...) needs at least one column")
        }
        var columns: [ColumnDefinition] = []
        var keyColumn: Int?
        for text in definitions {
            let (column, isKey) = try Self.parse(text.trimmingWhitespace(), table: name)
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

    /// The statement given to sqlite3_declare_vtab.
    public var declaration: String {
        "CREATE TABLE x(" + columns.map(\.text).joined(separator: ", ") + ")"
    }

    /// The column definitions as given (what the catalog stores).
    public var definitions: [String] { columns.map(\.text) }

    private static let constraintWords: Set<String> = ["CONSTRAINT", "PRIMARY", "NOT", "NULL", "UNIQUE", "CHECK",
                                                        "DEFAULT", "COLLATE", "REFERENCES", "GENERATED", "AS"]
    private static let unsupported: [String: String] = [
        "NOT": "NOT NULL", "UNIQUE": "UNIQUE", "CHECK": "CHECK", "REFERENCES": "REFERENCES",
        "GENERATED": "generated columns", "AS": "generated columns", "CONSTRAINT": "named constraints",
    ]

    private static func parse(_ text: String, table: String) throws(OmenError) -> (ColumnDefinition, Bool) {
        let tokens = tokenize(text)
        guard let first = tokens.first else {
            throw OmenError(.invalidArgument, "table \(table): an empty column definition")
        }
        let firstWord = first.uppercased()
        if ["PRIMARY", "UNIQUE", "CHECK", "FOREIGN", "CONSTRAINT"].contains(firstWord) {
            throw OmenError(.invalidArgument, "table \(table): table constraints (\(text)) are not supported: "
                + "declare the key as a column `name INTEGER PRIMARY KEY`")
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
        while index < tokens.count {
            let word = tokens[index].uppercased()
            if let what = unsupported[word] {
                throw OmenError(.invalidArgument, "table \(table), column \(name): \(what) is not supported on omendb "
                    + "tables (SQLite does not enforce column constraints on virtual tables)")
            }
            if word == "PRIMARY" {
                guard type.uppercased() == "INTEGER" else {
                    throw OmenError(.invalidArgument, "table \(table): the PRIMARY KEY must be one column of type "
                        + "INTEGER (the OmenDB key); \(name) is declared '\(type)'")
                }
                isKey = true
            }
            index += 1
        }
        return (ColumnDefinition(name: name, declaredType: type, affinity: Affinity(declaredType: type), text: text), isKey)
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
