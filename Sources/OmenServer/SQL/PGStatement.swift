/// What one PostgreSQL statement becomes (Translator.translate).
public enum PGStatement: Equatable {
    /// An empty statement: EmptyQueryResponse.
    case empty
    /// One SQLite statement, prepared and stepped on the session's sqlite3 connection.
    case query(SQLiteQuery)
    /// Several SQLite statements run in order, answered with one CommandComplete `tag`
    /// (`DROP TABLE a, b`).
    case script([String], tag: String)
    /// A statement the session carries out itself (transactions, settings, cursors, COPY…).
    case command(PGCommand)
}

/// A SQLite statement translated from PostgreSQL.
public struct SQLiteQuery: Equatable {
    /// SQLite text: `$n` rewritten to `?n`, casts, strings and operators in SQLite's spelling.
    public var sql: String
    public var kind: QueryKind
    /// The highest `$n` (SQLite's `?n` numbering keeps PostgreSQL's numbers).
    public var parameterCount: Int
    /// SELECT, VALUES, WITH … SELECT, or any statement with RETURNING.
    public var returnsRows: Bool

    public init(sql: String, kind: QueryKind, parameterCount: Int, returnsRows: Bool) {
        self.sql = sql
        self.kind = kind
        self.parameterCount = parameterCount
        self.returnsRows = returnsRows
    }
}

/// Which CommandComplete tag a query gets: select → `SELECT n`, insert → `INSERT 0 n`,
/// update → `UPDATE n`, delete → `DELETE n`, other → its tag as is.
public enum QueryKind: Equatable {
    case select, insert, update, delete
    case other(tag: String)

    /// The CommandComplete tag after `rows` rows were returned or changed.
    public func commandTag(rows: Int) -> String {
        switch self {
        case .select: return "SELECT \(rows)"
        case .insert: return "INSERT 0 \(rows)"
        case .update: return "UPDATE \(rows)"
        case .delete: return "DELETE \(rows)"
        case .other(let tag): return tag
        }
    }
}
