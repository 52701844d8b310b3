import Glibc

/// Opening a database directory: lock, manifest, runs, WAL replay, cleanup.
enum Recovery {
    struct Result {
        var lock: DirectoryLock
        var manifest: Manifest
        /// Every table's runs (`RunDescriptor.table`), newest first within a table.
        var runs: [RunFile]
        /// The hot tier of each table the manifest lists (and the default table's, id 0).
        var hotTiers: [UInt32: HotTier]
        /// The logs holding the hot tiers' records, oldest first (the active one last).
        var activeLogs: [UInt64]
        /// Whether any live log holds a record (of any table, a dropped one's too).
        var logsHoldRecords: Bool
        var wal: WALWriter?
        var lastSequence: UInt64
        var nextFileNumber: UInt64
    }

    /// A file of the database directory, parsed from its name.
    enum FileKind { case wal(UInt64), run(UInt64), other }

    static func classify(_ name: String) -> FileKind {
        func number(_ prefix: String, _ suffix: String) -> UInt64? {
            guard name.hasPrefix(prefix), name.hasSuffix(suffix), name.count == prefix.count + 12 + suffix.count else { return nil }
            // The largest number is never a file's: recovery gives out the next one.
            guard let n = UInt64(name.dropFirst(prefix.count).dropLast(suffix.count)), n < largestFileNumber else { return nil }
            return n
        }
        if let n = number("wal-", ".log") { return .wal(n) }
        if let n = number("run-", ".run") { return .run(n) }
        return .other
    }

    /// The directory holding `path` ("." for a bare name).
    static func parentDirectory(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
    }

    /// Whether `name` can be part of an OmenDB directory (a database or one being created).
    static func isOwnFile(_ name: String) -> Bool {
        if name == DirectoryLock.fileName || name == Manifest.fileName { return true }
        let base = name.hasSuffix(FileSystem.temporarySuffix) ? String(name.dropLast(FileSystem.temporarySuffix.count)) : name
        if base == Manifest.fileName { return true }
        if case .other = classify(base) { return false }
        return true
    }

    /// Opens the database in `directory` in two phases. The first reads and checks the
    /// whole state it recovers to (manifest, every listed run, every live log) and
    /// changes nothing; only when all of it holds does the second (read-write opens)
    /// change the directory: cut a torn log tail, remove files the state no longer
    /// names, start a log and store the manifest. A failed open leaves the directory
    /// as it found it (a database it was creating is removed again).
    static func open(directory: String, options: DatabaseOptions) throws(OmenError) -> Result {
        guard !directory.isEmpty else { throw OmenError(.invalidArgument, "the database path is empty") }
        var createdDirectory = false
        if !FileSystem.isDirectory(directory) {
            guard !FileSystem.exists(directory) else {
                throw OmenError(.ioError, "database path '\(directory)' exists and is not a directory (errno \(ENOTDIR))")
            }
            guard options.createIfMissing && !options.readOnly else {
                throw OmenError(.ioError, "database '\(directory)' does not exist (create_if_missing is off or the open is read-only)")
            }
            try FileSystem.makeDirectory(directory)
            do throws(OmenError) { try FileSystem.syncDirectory(parentDirectory(of: directory)) } catch {
                _ = rmdir(directory)  // the empty directory just made: the failed open leaves nothing
                throw error
            }
            createdDirectory = true
        }
        // Another program's directory is refused before anything (even the lock file) is written to it.
        if !options.readOnly && !options.createInNonEmptyDirectory {
            let names = try FileSystem.list(directory)
            if !names.contains(Manifest.fileName) {
                let foreign = names.filter { !isOwnFile($0) }.sorted()
                if !foreign.isEmpty {
                    let shown = foreign.prefix(5).map { "'\($0)'" }.joined(separator: ", ") + (foreign.count > 5 ? ", ..." : "")
                    throw OmenError(.invalidArgument, "'\(directory)' is not empty and holds no OmenDB database (it holds \(shown)); set create_in_nonempty_directory to create one there")
                }
            }
        }
        // A directory this open created is removed again when the open fails.
        func removeCreatedDirectory() {
            guard createdDirectory else { return }
            try? FileSystem.remove(directory + "/" + DirectoryLock.fileName)
            _ = rmdir(directory)
        }
        let lock: DirectoryLock
        let state: RecoveredState
        do throws(OmenError) {
            lock = try DirectoryLock(directory: directory, exclusive: !options.readOnly)
            state = try RecoveredState(directory: directory, names: try FileSystem.list(directory), options: options)
        } catch {
            removeCreatedDirectory()
            throw error
        }
        let creating = !state.manifestExists
        do throws(OmenError) {
            return try state.install(lock: lock, options: options)
        } catch {
            if creating && !options.readOnly {
                // The checked state held no data file, so every file of ours is this open's.
                for name in (try? FileSystem.list(directory)) ?? [] where isOwnFile(name) && name != DirectoryLock.fileName {
                    try? FileSystem.remove(directory + "/" + name)
                }
                removeCreatedDirectory()
            }
            throw error
        }
    }

    /// Replays the live WAL files in order into `tiers` (by table id; operations of a
    /// table not there, a dropped one, are skipped), changing no file. The newest may
    /// end in a torn record (a crash mid-append): its valid length is reported for the
    /// caller to cut. Returns the logs that hold records, those that hold none (and of
    /// those, the ones in an older format version, which are not appended to) and the
    /// torn tail, if any.
    static func replay(_ numbers: [UInt64], into tiers: [UInt32: HotTier], directory: String,
                       lastSequence: inout UInt64) throws(OmenError)
        -> (withRecords: [UInt64], empty: [UInt64], outdated: [UInt64], tornTail: (number: UInt64, validEnd: Int)?) {
        var withRecords: [UInt64] = []
        var empty: [UInt64] = []
        var outdated: [UInt64] = []
        var tornTail: (number: UInt64, validEnd: Int)?
        // Sequence numbers continue without gaps from the runs' last one: a gap means
        // a log file (or part of one) is missing.
        var previous = lastSequence
        for (i, number) in numbers.enumerated() {
            let path = directory + "/" + WALFormat.fileName(number)
            let isNewest = i == numbers.count - 1
            let result = try WALReader.replay(path: path, expectedNumber: number, tailMayBeTorn: isNewest) {
                (sequence, count, operations, offset) throws(OmenError) in
                guard sequence == previous + 1 else {
                    throw OmenError(.corruption, "\(path): sequence \(sequence) does not follow \(previous) (missing or damaged log) at offset \(offset - 20)")
                }
                var tables: [UInt32] = []
                try BatchDecoding.forEach(operations, count: count, fileName: path, fileOffset: offset) { (operation) throws(OmenError) in
                    if !tables.contains(operation.table) { tables.append(operation.table) }
                }
                for table in tables {
                    try tiers[table]?.apply(sequence: sequence, operations: operations, count: count, table: table)
                }
                previous = sequence
            }
            lastSequence = max(lastSequence, result.lastSequence)
            if result.records == 0 { empty.append(number) } else { withRecords.append(number) }
            if result.records == 0 && result.version != WALFormat.version { outdated.append(number) }
            // A log without a valid header (even an empty file) is a torn tail too: it is
            // removed before a newer log is created, after which it would read as damage.
            if result.validEnd < result.fileSize || result.validEnd == 0 { tornTail = (number, result.validEnd) }
        }
        return (withRecords, empty, outdated, tornTail)
    }
}

/// Phase one of `Recovery.open`: the state a directory recovers to, read and checked
/// without changing anything; `install` is phase two.
private struct RecoveredState {
    let directory: String
    var manifest: Manifest
    let manifestExists: Bool
    let runs: [RunFile]
    /// By table id: the default table's and each listed table's.
    let tiers: [UInt32: HotTier]
    /// Logs holding records, oldest first.
    let logsWithRecords: [UInt64]
    var lastSequence: UInt64
    var nextFileNumber: UInt64
    /// Live logs (at or above the watermark), oldest first, and those without records.
    let walNumbers: [UInt64]
    let emptyLogs: [UInt64]
    /// Empty logs whose header has an older format version (never appended to).
    let outdatedLogs: [UInt64]
    let tornTail: (number: UInt64, validEnd: Int)?
    /// Files the recovered state does not name: retired logs, runs of a flush or
    /// compaction cut short, temporary files of an interrupted creation.
    let obsolete: [String]

    init(directory: String, names: [String], options: DatabaseOptions) throws(OmenError) {
        self.directory = directory
        manifestExists = names.contains(Manifest.fileName)
        if manifestExists {
            guard !options.errorIfExists else { throw OmenError(.invalidArgument, "database '\(directory)' already exists (error_if_exists is set)") }
            manifest = try Manifest.load(directory: directory)
        } else {
            let hasData = names.contains { if case .other = Recovery.classify($0) { return false } else { return true } }
            if hasData { throw OmenError(.corruption, "\(directory)/\(Manifest.fileName) is missing but data files exist (offset 0)") }
            guard !options.readOnly else { throw OmenError(.ioError, "database '\(directory)' does not exist (read-only open)") }
            manifest = Manifest()
        }
        var runs: [RunFile] = []
        for descriptor in manifest.runs {
            guard names.contains(RunFormat.fileName(descriptor.number)) else {
                throw OmenError(.corruption, "\(directory)/\(RunFormat.fileName(descriptor.number)) listed in the manifest is missing (offset 0)")
            }
            runs.append(try RunFile(directory: directory, descriptor: descriptor, windowSearch: options.indexConfiguration.windowSearch))
        }
        self.runs = runs
        var largestNumber = manifest.nextFileNumber
        var walNumbers: [UInt64] = []
        var obsolete: [String] = []
        let liveRuns = Set(manifest.runs.map(\.number))
        for name in names {
            switch Recovery.classify(name) {
            case .wal(let n):
                largestNumber = max(largestNumber, n + 1)
                if n >= manifest.walWatermark { walNumbers.append(n) } else { obsolete.append(name) }
            case .run(let n):
                largestNumber = max(largestNumber, n + 1)
                if !liveRuns.contains(n) { obsolete.append(name) }
            case .other:
                if name.hasSuffix(FileSystem.temporarySuffix) && Recovery.isOwnFile(name) { obsolete.append(name) }
            }
        }
        walNumbers.sort()
        if manifest.activeWAL != 0 && manifest.activeWAL >= manifest.walWatermark && !walNumbers.contains(manifest.activeWAL) {
            throw OmenError(.corruption, "\(directory)/\(WALFormat.fileName(manifest.activeWAL)), the newest log named by the manifest, is missing (offset 0)")
        }
        var lastSequence = manifest.lastSequence
        for run in runs { lastSequence = max(lastSequence, run.descriptor.largestSequence) }
        var tiers: [UInt32: HotTier] = [0: HotTier()]
        for table in manifest.tables { tiers[table.id] = HotTier() }
        self.tiers = tiers
        let replayed = try Recovery.replay(walNumbers, into: tiers, directory: directory, lastSequence: &lastSequence)
        logsWithRecords = replayed.withRecords
        self.lastSequence = lastSequence
        self.walNumbers = walNumbers
        emptyLogs = replayed.empty
        outdatedLogs = replayed.outdated
        tornTail = replayed.tornTail
        self.obsolete = obsolete
        nextFileNumber = largestNumber
    }

    /// Phase two: for a read-write open, cuts the torn tail, removes obsolete files and
    /// starts the log (storing the manifest that names it); a read-only open changes nothing.
    consuming func install(lock: DirectoryLock, options: DatabaseOptions) throws(OmenError) -> Recovery.Result {
        var wal: WALWriter?
        var emptyLogs = emptyLogs
        var activeLogs = logsWithRecords
        if !options.readOnly {
            // A new database's manifest comes first: a crash before the log is named leaves
            // a database whose unnamed log recovery drops, never data files without a manifest.
            // (A creation that fails is undone by `open`, also when only the fsync failed.)
            if !manifestExists, let notDurable = try manifest.store(directory: directory) { throw notDurable }
            if let (number, validEnd) = tornTail {
                let path = directory + "/" + WALFormat.fileName(number)
                if validEnd == 0 {
                    // A log shorter than its header (a crash while creating it): nothing in it.
                    try FileSystem.remove(path)
                    emptyLogs.removeAll { $0 == number }
                } else {
                    let file = try PosixFile.open(path, O_WRONLY)
                    try file.truncate(to: validEnd)
                    try file.sync()
                }
            }
            for name in obsolete { try FileSystem.remove(directory + "/" + name) }
            if manifestExists && walNumbers.last == manifest.activeWAL && emptyLogs.contains(manifest.activeWAL)
                && !outdatedLogs.contains(manifest.activeWAL) {
                // The newest log is the manifest's active one and holds no record (replay cut
                // any torn tail back to its header): keep appending to it. The manifest already
                // names it, so nothing is written or synced; older empty logs can go.
                let writer = try WALWriter(reopening: directory, number: manifest.activeWAL)
                activeLogs.append(writer.number)
                wal = writer
                for number in emptyLogs where number != writer.number {
                    try FileSystem.remove(directory + "/" + WALFormat.fileName(number))
                }
            } else {
                let writer = try WALWriter(directory: directory, number: nextFileNumber)
                nextFileNumber += 1
                manifest.activeWAL = writer.number
                manifest.nextFileNumber = nextFileNumber
                let notDurable: OmenError?
                do throws(OmenError) { notDurable = try manifest.store(directory: directory) } catch {
                    try? FileSystem.remove(writer.file.path)
                    throw error
                }
                // The new manifest names the new log: both stay (the directory then holds a
                // state equivalent to the one found, which the next open reads), and the
                // open fails, as what is durable is unknown.
                if let notDurable { throw notDurable }
                activeLogs.append(writer.number)
                wal = writer
                // Logs without records (e.g. from opens without writes) are dropped only now
                // that the manifest names a newer active log.
                for number in emptyLogs { try FileSystem.remove(directory + "/" + WALFormat.fileName(number)) }
            }
        }
        return Recovery.Result(lock: lock, manifest: manifest, runs: runs, hotTiers: tiers, activeLogs: activeLogs,
                               logsHoldRecords: !logsWithRecords.isEmpty, wal: wal,
                               lastSequence: lastSequence, nextFileNumber: nextFileNumber)
    }
}
