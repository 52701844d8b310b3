import CSQLite
import Glibc

/// Runs SQL statements and dot-commands on one SQLite connection and prints results as
/// the sqlite3 shell's list mode does: one line per row, the columns' text separated by
/// `|`, NULL as nothing, no header. Errors go to standard error.
final class SQLShell {
    private let connection: OpaquePointer
    /// Lines of a statement not yet complete (`sqlite3_complete`).
    private var pending = ""
    /// Whether any statement or command failed.
    private(set) var failed = false

    init(connection: OpaquePointer) {
        self.connection = connection
    }

    /// Whether lines of an incomplete statement are waiting (for the continuation prompt).
    var hasPendingInput: Bool { !pending.isEmpty }

    /// Feeds one input line; runs what it completes. Returns false for `.quit` / `.exit`,
    /// and, when `stopOnError`, after a failure.
    func feed(_ line: String, stopOnError: Bool) -> Bool {
        if pending.isEmpty {
            let command = line.drop { $0 == " " || $0 == "\t" }
            if command.isEmpty { return true }
            if command.hasPrefix(".") {
                let goOn = dotCommand(String(command))
                return goOn && !(stopOnError && failed)
            }
        }
        pending += line + "\n"
        guard sqlite3_complete(pending) != 0 else { return true }
        let statements = pending
        pending = ""
        let ok = execute(statements)
        return ok || !stopOnError
    }

    /// Runs what is left at the end of the input, as the sqlite3 shell does: a last
    /// statement without its `;` runs; a truly incomplete one is SQLite's error.
    func finish() {
        guard !pending.isEmpty else { return }
        let statements = pending
        pending = ""
        execute(statements)
    }

    /// Runs every statement in `sql`, printing their rows; stops at the first error.
    @discardableResult
    func execute(_ sql: String) -> Bool {
        sql.withCString { text in
            var next: UnsafePointer<CChar>? = text
            while let start = next, start.pointee != 0 {
                var statement: OpaquePointer?
                var tail: UnsafePointer<CChar>?
                guard sqlite3_prepare_v2(connection, start, -1, &statement, &tail) == SQLITE_OK else {
                    fail("Parse error: \(String(cString: sqlite3_errmsg(connection)))")
                    return false
                }
                next = tail
                guard let statement else { continue }  // only whitespace or a comment
                defer { sqlite3_finalize(statement) }
                var status = sqlite3_step(statement)
                while status == SQLITE_ROW {
                    printRow(statement)
                    status = sqlite3_step(statement)
                }
                guard status == SQLITE_DONE else {
                    fail("Runtime error: \(String(cString: sqlite3_errmsg(connection)))")
                    return false
                }
            }
            return true
        }
    }

    private func printRow(_ statement: OpaquePointer) {
        let columns = sqlite3_column_count(statement)
        for column in 0..<columns {
            if column > 0 { fputs("|", stdout) }
            // As text, up to a NUL byte, as the sqlite3 shell's list mode prints it.
            if let text = sqlite3_column_text(statement, column) {
                text.withMemoryRebound(to: CChar.self, capacity: 1) { _ = fputs($0, stdout) }
            }
        }
        fputs("\n", stdout)
    }

    private func fail(_ message: String) {
        failed = true
        fflush(stdout)
        fputs(message + "\n", stderr)
    }

    /// The schema entries of the main and temp schemas (OmenDB tables are declared in
    /// temp when the database opens) that are not SQLite's own.
    private static let schemaQuery = """
        SELECT name, sql FROM (SELECT name, type, sql FROM main.sqlite_schema
                               UNION ALL SELECT name, type, sql FROM temp.sqlite_schema)
        WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' AND sql IS NOT NULL
        """

    /// Runs a dot-command; false for `.quit` / `.exit`.
    private func dotCommand(_ line: String) -> Bool {
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        switch (words[0], words.count) {
        case (".quit", 1), (".exit", 1):
            return false
        case (".tables", 1):
            execute("SELECT name FROM (\(Self.schemaQuery)) ORDER BY name")
        case (".schema", 1):
            execute("SELECT sql || ';' FROM (\(Self.schemaQuery)) ORDER BY name")
        case (".schema", 2):
            execute("SELECT sql || ';' FROM (\(Self.schemaQuery)) WHERE name = \(quoted(words[1])) COLLATE NOCASE ORDER BY name")
        case (".help", 1):
            print("""
                .help            this list
                .quit, .exit     leave the shell (end of input does too)
                .schema [TABLE]  the CREATE statements of every table, or of TABLE
                .tables          the tables' names
                Anything else is SQL, run when a statement is complete (ends with ';').
                """)
        default:
            fail("Error: unknown command or invalid arguments: \"\(String(words[0].dropFirst()))\". Enter \".help\" for help")
        }
        return true
    }

    /// `text` as an SQL string literal.
    private func quoted(_ text: String) -> String {
        "'" + text.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''") + "'"
    }
}
