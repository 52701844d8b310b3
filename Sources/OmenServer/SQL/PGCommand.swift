import OmenDB

/// A statement the session carries out itself rather than handing to SQLite.
public enum PGCommand: Equatable {
    /// BEGIN / START TRANSACTION [ISOLATION LEVEL …] [READ ONLY|WRITE] [[NOT] DEFERRABLE];
    /// `tag` is `BEGIN` or `START TRANSACTION`.
    case begin(TransactionMode, tag: String)
    /// COMMIT, END, COMMIT TRANSACTION / ROLLBACK, ABORT.
    case commit, rollback
    case savepoint(String), release(String), rollbackTo(String)
    /// SET TRANSACTION … (`session` false) / SET SESSION CHARACTERISTICS AS TRANSACTION … (true).
    case setTransaction(TransactionMode, session: Bool)
    /// SET [SESSION|LOCAL] name {TO|=} value: `value` nil is DEFAULT. SET TIME ZONE x sets
    /// `TimeZone`, SET NAMES x `client_encoding`, SET SCHEMA x `search_path`. A list value is
    /// joined with ", " (quoted identifiers keep their quotes, as PostgreSQL shows them).
    case set(name: String, value: String?, local: Bool)
    case reset(String), resetAll, show(String), showAll
    /// DECLARE name [BINARY] [NO SCROLL] CURSOR [WITH[OUT] HOLD] FOR query.
    case declare(name: String, query: SQLiteQuery, hold: Bool, binary: Bool)
    /// FETCH/MOVE [FORWARD|NEXT] [n|ALL] [FROM|IN] name: `count` nil is ALL.
    case fetch(name: String, count: Int?, move: Bool)
    /// CLOSE name; nil is CLOSE ALL.
    case close(String?)
    case discardAll
    /// Accepted and answered with `tag` without doing anything (LISTEN, UNLISTEN, VACUUM,
    /// ANALYZE, CHECKPOINT, DISCARD PLANS/SEQUENCES/TEMP).
    case noop(tag: String)
    /// COPY table [(columns)] FROM STDIN.
    case copyFrom(table: String, columns: [String]?, options: CopyOptions)
    /// COPY table [(columns)] | (query) TO STDOUT.
    case copyTo(CopySource, options: CopyOptions)
    /// TRUNCATE [TABLE] a, b: `omendb_truncate` on each.
    case truncate([String])
    /// ALTER TABLE t ADD [CONSTRAINT n] PRIMARY KEY (c): `omendb_set_primary_key`.
    case addPrimaryKey(table: String, column: String)
    /// PREPARE name [(types)] AS statement.
    case prepare(name: String, query: SQLiteQuery)
    /// EXECUTE name [(constants)]: each parameter as text, nil for NULL.
    case execute(name: String, parameters: [String?])
    /// DEALLOCATE [PREPARE] name; nil is DEALLOCATE ALL.
    case deallocate(String?)
}

/// Transaction characteristics; nil fields were not given (the session's defaults apply).
public struct TransactionMode: Equatable {
    public var isolation: IsolationLevel?
    public var readOnly: Bool?
    public var deferrable: Bool?

    public init(isolation: IsolationLevel? = nil, readOnly: Bool? = nil, deferrable: Bool? = nil) {
        self.isolation = isolation
        self.readOnly = readOnly
        self.deferrable = deferrable
    }
}
