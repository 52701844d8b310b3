import ArgumentParser
import OmenDB

/// `omendb load DIR [--table T]`: reads a dump (either format), checks all of it, then
/// loads it into the default table or table T (created when missing) in one bulk load:
/// all or nothing.
struct Load: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load a dump (text or binary, detected) into the database (or --table T), creating it if needed.",
        discussion: "The whole dump is read into memory and checked (format, order, counts, binary checksum) before anything is written; it is then written as one bulk load, a single atomic step: after an error or a crash either every entry is in the database or none is. Loaded entries replace existing values for the same keys.")

    @OptionGroup var database: DatabaseArgument
    @OptionGroup var tableOption: TableOption

    @Option(name: .shortAndLong, help: "Read from this file instead of standard input.")
    var input: String?

    func run() throws {
        let (bytes, name) = try readAll(path: input)
        let dump = try ParsedDump(bytes, name: name)
        let db = try openDatabase(database.directory, .create)
        let table = try tableOption.resolve(in: db, directory: database.directory, create: true)
        if !dump.keys.isEmpty {
            let display = TerminalProgress.display("load", unit: "keys")
            defer { display?.finish() }
            var failure: OmenError?
            dump.values.withUnsafeBytes { values in
                dump.keys.withUnsafeBufferPointer { keys in
                    do throws(OmenError) {
                        try db.bulkLoad(keys: keys, value: { i in
                            UnsafeRawBufferPointer(rebasing: values[dump.offsets[i]..<dump.offsets[i + 1]])
                        }, progress: display?.callback, table: table)
                    } catch {
                        failure = error
                    }
                }
            }
            if let failure { throw CLIFailure(failure) }
        }
        try closeDatabase(db)
        let into = tableOption.table.map { " into table \($0)" } ?? ""
        print("\(database.directory): loaded \(dump.keys.count) entries\(into) from \(name)")
    }
}
