import ArgumentParser
import OmenDB

/// `omendb stat DIR`: the database's tiers, runs, learned models and bytes per key,
/// like `mdb_stat`, then each table's figures, from a read-only open; `--table T`: the
/// figures of table T alone.
struct Stat: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show hot tiers, runs (keys, key range, index kind, model segments, bytes) and bytes per key.")

    @OptionGroup var database: DatabaseArgument
    @OptionGroup var tableOption: TableOption

    @Flag(help: "Print one JSON object instead of text (fields in docs/cli.md).")
    var json = false

    func run() throws {
        let db = try openDatabase(database.directory, .readOnly)
        if tableOption.table != nil {
            let table = try tableOption.resolve(in: db, directory: database.directory, create: false)
            let figures = TableFigures(name: table.name, statistics: db.statistics(table: table))
            try closeDatabase(db)
            print(json ? "{\"directory\":\(jsonString(database.directory)),\(figures.jsonFields)}\n"
                       : "Database \(database.directory)\n\(figures.text)", terminator: "")
            return
        }
        var tables = [TableFigures(name: "", statistics: db.statistics(table: db.defaultTable))]
        for name in db.tableNames() {
            let table = try engine { () throws(OmenError) in try db.openTable(name, create: false) }
            tables.append(TableFigures(name: name, statistics: db.statistics(table: table)))
        }
        let report = StatReport(directory: database.directory, statistics: db.statistics,
                                tiers: db.hotTierStatistics, runs: db.runStatistics, tables: tables)
        try closeDatabase(db)
        print(json ? report.json : report.text, terminator: "")
    }
}

/// What `stat` prints, in both forms.
struct StatReport {
    let directory: String
    let statistics: DatabaseStatistics
    let tiers: [HotTierStatistics]
    let runs: [RunStatistics]
    /// The default table (name "") first, then the named tables in name order.
    let tables: [TableFigures]

    /// Keys over all tiers (a key counted once per tier holding it).
    private var keys: Int { statistics.approximateCount }
    private var dataBytes: Int { statistics.hotBytes + runs.reduce(0) { $0 + Int($1.fileBytes) } }
    private var indexBytes: Int { tiers.reduce(0) { $0 + $1.indexBytes } + runs.reduce(0) { $0 + $1.index.sizeInBytes } }
    private var filterBytes: Int { runs.reduce(0) { $0 + $1.filterBytes } }
    private func perKey(_ bytes: Int) -> Double { keys == 0 ? 0 : Double(bytes) / Double(keys) }

    var text: String {
        var out = "Database \(directory)\n"
        out += "  Entries (over all tiers): \(keys)\n"
        out += "  Last sequence: \(statistics.lastSequence)\n"
        out += "  WAL bytes: \(statistics.walBytes)\n"
        out += "  Bytes per key: data \(format(perKey(dataBytes))), index \(format(perKey(indexBytes))), filters \(format(perKey(filterBytes)))\n"
        out += "Hot tiers: \(tiers.count)\n"
        for (i, tier) in tiers.enumerated() {
            out += "  \(i) \(tier.frozen ? "frozen" : "active"): \(tier.keys) keys, \(tier.bytes) bytes, index \(tier.indexBytes) bytes\n"
        }
        out += "Runs: \(runs.count) (newest first)\n"
        for run in runs {
            out += "  \(run.fileName): \(run.count) entries, keys \(run.minimumKey)...\(run.maximumKey), \(run.fileBytes) bytes\n"
            out += "    index \(run.index.kind.name): \(run.index.modelCount) segments, \(run.index.levelCount) levels, max error \(run.index.maximumError), \(run.index.sizeInBytes) bytes (\(format(run.index.bytesPerKey)) per key)\n"
            out += "    filter \(run.filterBytes) bytes in memory\(run.filterBuilt ? "" : " when built"), range tombstones \(run.rangeTombstones), largest sequence \(run.largestSequence)\n"
        }
        out += "Tables: \(tables.count) (the default table and \(tables.count - 1) named)\n"
        for table in tables { out += table.text }
        return out
    }

    var json: String {
        var out = "{\"directory\":\(quoted(directory)),\"entries\":\(keys),\"last_sequence\":\(statistics.lastSequence),"
        out += "\"wal_bytes\":\(statistics.walBytes),\"data_bytes\":\(dataBytes),\"index_bytes\":\(indexBytes),\"filter_bytes\":\(filterBytes),"
        out += "\"bytes_per_key\":{\"data\":\(perKey(dataBytes)),\"index\":\(perKey(indexBytes)),\"filters\":\(perKey(filterBytes))},"
        out += "\"hot_tiers\":[" + tiers.map {
            "{\"frozen\":\($0.frozen),\"keys\":\($0.keys),\"bytes\":\($0.bytes),\"index_bytes\":\($0.indexBytes)}"
        }.joined(separator: ",") + "],"
        out += "\"runs\":[" + runs.map {
            "{\"file\":\(quoted($0.fileName)),\"entries\":\($0.count),\"min_key\":\($0.minimumKey),\"max_key\":\($0.maximumKey),"
                + "\"bytes\":\($0.fileBytes),\"largest_sequence\":\($0.largestSequence),\"index_kind\":\(quoted("\($0.index.kind.name)")),"
                + "\"model_segments\":\($0.index.modelCount),\"index_levels\":\($0.index.levelCount),\"max_error\":\($0.index.maximumError),"
                + "\"index_bytes\":\($0.index.sizeInBytes),\"filter_bytes\":\($0.filterBytes),\"filter_built\":\($0.filterBuilt),\"range_tombstones\":\($0.rangeTombstones)}"
        }.joined(separator: ",") + "],"
        out += "\"tables\":[" + tables.map { "{\($0.jsonFields)}" }.joined(separator: ",") + "]}\n"
        return out
    }

    private func quoted(_ text: String) -> String { jsonString(text) }
}

/// One table's figures in `stat` (from `Database.statistics(table:)`).
struct TableFigures {
    let name: String
    let statistics: DatabaseStatistics

    var text: String {
        "  \(name.isEmpty ? "(default)" : name): \(statistics.approximateCount) entries over all tiers; hot \(statistics.hotKeys) keys, "
            + "\(statistics.hotBytes) bytes; \(statistics.runCount) runs, \(statistics.coldKeys) entries, \(statistics.coldBytes) bytes; "
            + "\(statistics.modelCount) model segments, index \(format(statistics.bytesPerKeyIndex)) bytes per key\n"
    }

    /// The JSON fields (without braces).
    var jsonFields: String {
        "\"table\":\(jsonString(name)),\"entries\":\(statistics.approximateCount),\"hot_keys\":\(statistics.hotKeys),"
            + "\"hot_bytes\":\(statistics.hotBytes),\"runs\":\(statistics.runCount),\"run_entries\":\(statistics.coldKeys),"
            + "\"run_bytes\":\(statistics.coldBytes),\"model_segments\":\(statistics.modelCount),"
            + "\"index_bytes_per_key\":\(statistics.bytesPerKeyIndex)"
    }
}

/// A number with two decimals.
private func format(_ value: Double) -> String {
    let hundredths = Int((value * 100).rounded())
    let fraction = hundredths % 100
    return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
}

/// A JSON string literal.
func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case _ where scalar.value < 0x20: out += "\\u00" + (scalar.value < 16 ? "0" : "") + String(scalar.value, radix: 16)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
