import ArgumentParser
import OmenDB

/// `omendb compact DIR`: flushes the hot tier and merges every run into one.
struct Compact: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Flush the hot tier and merge all runs into one (dropping deleted and superseded entries).",
        discussion: "Needs the database's exclusive lock (exit code 5 while another process has it open).")

    @OptionGroup var database: DatabaseArgument

    func run() throws {
        let db = try openDatabase(database.directory, .readWrite)
        do {
            let display = TerminalProgress.display("compact", unit: "keys")
            defer { display?.finish() }
            try engine { () throws(OmenError) in
                try db.flush()
                try db.compact(progress: display?.callback)
            }
        }
        let runs = db.runStatistics.count
        try closeDatabase(db)
        print("\(database.directory): compacted into \(runs) run\(runs == 1 ? "" : "s")")
    }
}
