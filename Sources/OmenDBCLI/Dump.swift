import ArgumentParser
import OmenDB

/// `omendb dump DIR [--table T]`: every entry of the default table or table T (or those
/// in [--lo, --hi]) in key order, as a dump stream (`DumpFormat`), from one snapshot of a
/// read-only open.
struct Dump: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the database's entries, in key order, as a text or binary dump.")

    @OptionGroup var database: DatabaseArgument
    @OptionGroup var tableOption: TableOption

    @Option(name: .shortAndLong, help: "Write to this file (created or truncated, fsynced) instead of standard output.")
    var output: String?

    @Option(help: "text (key<TAB>hex per line) or binary (little-endian records, CRC-32C trailer).")
    var format: DumpFormat = .text

    @Option(parsing: .unconditional, help: "The smallest key to dump (inclusive; may be negative).")
    var lo: Int64 = .min

    @Option(parsing: .unconditional, help: "The largest key to dump (inclusive; may be negative).")
    var hi: Int64 = .max

    func validate() throws {
        guard lo <= hi else { throw ValidationError("--lo \(lo) is above --hi \(hi)") }
    }

    func run() throws {
        let db = try openDatabase(database.directory, .readOnly)
        let table = try tableOption.resolve(in: db, directory: database.directory, create: false)
        let estimate = UInt64(db.statistics(table: table).approximateCount)
        let writer = try DumpWriter(try OutputStream(path: output), format: format)
        let iterator = db.makeIterator(table: table)
        iterator.setBounds(lower: lo, upper: hi == .max ? nil : hi + 1)
        do {
            let display = TerminalProgress.display("dump", unit: "keys (estimated total)")
            defer { display?.finish() }
            try engine { () throws(OmenError) in try iterator.seekFirst() }
            while iterator.isValid {
                try writer.append(iterator.key, iterator.value)
                if writer.count & 0xFFFF == 0 { display?.draw(writer.count, max(estimate, writer.count)) }
                try engine { () throws(OmenError) in try iterator.next() }
            }
            try writer.finish()
            display?.draw(writer.count, writer.count)
        }
        try closeDatabase(db)
    }
}
