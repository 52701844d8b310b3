import ArgumentParser
import CSQLite
import Glibc
import OmenDB
import OmenSQL

/// `omendb sql DIR`: SQL on the database's tables through SQLite and the OmenSQL module
/// (docs/sql.md): `-c SQL`, a script on standard input, or an interactive shell.
struct SQL: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run SQL on the database's tables (SQLite with the omendb virtual-table module).",
        discussion: "With -c, runs SQL (one or more statements) and exits; otherwise reads statements and dot-commands (.tables, .schema [TABLE], .help, .quit) from standard input: a script when it is not a terminal, an interactive shell with line editing and history (libedit; the file $OMENDB_HISTORY or ~/.omendb_history) when it is. Rows print as sqlite3's list mode. An error in -c or a script stops it: exit code 2 with the message on standard error.")

    @OptionGroup var database: DatabaseArgument

    @Option(name: .customShort("c"), help: "SQL to run (instead of reading standard input).")
    var command: String?

    func run() throws {
        let db = try openDatabase(database.directory, .create)
        var connection: OpaquePointer?
        guard sqlite3_open(":memory:", &connection) == SQLITE_OK, let connection else {
            throw CLIFailure(.other, "cannot open an SQLite connection")
        }
        do throws(OmenError) {
            try OmenSQL.register(connection, database: db)
        } catch {
            sqlite3_close(connection)
            throw CLIFailure(error)
        }
        let shell = SQLShell(connection: connection)
        if let command {
            if command.drop(while: { $0 == " " || $0 == "\t" }).hasPrefix(".") {
                _ = shell.feed(command, stopOnError: true)
            } else {
                shell.execute(command)
            }
        } else if isatty(STDIN_FILENO) != 0 {
            interact(shell)
        } else {
            while let line = Swift.readLine(strippingNewline: true), shell.feed(line, stopOnError: true) {}
            if !shell.failed { shell.finish() }
        }
        fflush(stdout)
        sqlite3_close(connection)
        try closeDatabase(db)
        // The error is on stderr already: exit 2 (invalid input) without another message.
        if shell.failed && (command != nil || isatty(STDIN_FILENO) == 0) { Glibc.exit(CLIExit.invalid.rawValue) }
    }

    private func interact(_ shell: SQLShell) {
        print("omendb \(OmenDBVersion.string) SQL on \(database.directory) (SQLite \(String(cString: sqlite3_libversion())))")
        print("Enter \".help\" for help; statements end with \";\".")
        let reader = LineReader()
        while let line = reader.readLine(prompt: shell.hasPendingInput ? "   ...> " : "omendb> "),
              shell.feed(line, stopOnError: false) {}
        shell.finish()
        reader.saveHistory()
    }
}
