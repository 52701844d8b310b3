import Glibc
import OmenDB

/// How a subcommand opens the database directory.
enum OpenMode {
    /// Shared lock, no writes, no background work: for commands that only read. Works
    /// next to other read-only openers; fails with `busy` (exit 5) while a writer holds it.
    case readOnly
    /// Exclusive lock; the directory must hold a database.
    case readWrite
    /// Exclusive lock; creates the database when the directory does not hold one.
    case create
}

/// Opens the database in `directory`, or fails naming it.
func openDatabase(_ directory: String, _ mode: OpenMode) throws(CLIFailure) -> Database {
    if mode != .create && access(directory, F_OK) != 0 {
        throw CLIFailure(.invalid, "\(directory): no such database directory")
    }
    var options = DatabaseOptions()
    options.createIfMissing = mode == .create
    options.readOnly = mode == .readOnly
    // A tool run ends soon: no background flushes, compactions or filter builds.
    options.backgroundWork = false
    return try engine { () throws(OmenError) in try Database(directory: directory, options: options) }
}

/// Closes `database`, reporting a failure to do so (a final flush may fail).
func closeDatabase(_ database: Database) throws(CLIFailure) {
    try engine { () throws(OmenError) in try database.close() }
}
