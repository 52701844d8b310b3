import ArgumentParser
import OmenDB

/// `omendb verify DIR`: the engine's full consistency check, read-only.
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check every run's checksums, key order and model, the manifest and the live logs.",
        discussion: "Exit code 0 when the database is sound, 3 when it is damaged (the message names the file and offset).")

    @OptionGroup var database: DatabaseArgument

    func run() throws {
        let db = try openDatabase(database.directory, .readOnly)
        do {
            let display = TerminalProgress.display("verify", unit: "bytes")
            defer { display?.finish() }
            try engine { () throws(OmenError) in try db.verify(progress: display?.callback) }
        }
        try closeDatabase(db)
        print("\(database.directory): ok")
    }
}
