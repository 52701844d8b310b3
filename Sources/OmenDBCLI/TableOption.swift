import ArgumentParser
import OmenDB

/// `--table T`: the named table `dump`, `load` and `stat` work on (the default table
/// without it).
struct TableOption: ParsableArguments {
    @Option(help: "A named table of the database (without it: the default table).")
    var table: String?

    /// The chosen table of `db` (in `directory`): the named one, created when missing and
    /// `create`, or the default table.
    func resolve(in db: Database, directory: String, create: Bool) throws(CLIFailure) -> Table {
        guard let table else { return db.defaultTable }
        do throws(OmenError) {
            return try db.openTable(table, create: create)
        } catch {
            if error.code == .notFound { throw CLIFailure(.invalid, "\(directory): no table named \(table)") }
            throw CLIFailure(error)
        }
    }
}
