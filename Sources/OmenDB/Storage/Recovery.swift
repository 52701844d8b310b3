import Glibc

/// Opening a database directory: lock, manifest, runs, WAL replay, cleanup.
enum Recovery {
    struct Result {
        var lock: DirectoryLock
        var manifest: Manifest
        var runs: [RunFile]
        var hotTier: HotTier
        var wal: WALWriter?
        var lastSequence: UInt64
        var nextFileNumber: UInt64
    }

    /// A file of the database directory, parsed from its name.
    enum FileKind { case wal(UInt64), run(UInt64), other }

    static func classify(_ name: String) -> FileKind {
        func number(_ prefix: String, _ suffix: String) -> UInt64? {
            guard name.hasPrefix(prefix), name.hasSuffix(suffix), name.count == prefix.count + 12 + suffix.count else { return nil }
            return UInt64(name.dropFirst(prefix.count).dropLast(suffix.count))
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

    static func open(directory: String, options: DatabaseOptions) throws(OmenError) -> Result {
        guard !directory.isEmpty else { throw OmenError(.invalidArgument, "the database path is empty") }
        if !FileSystem.isDirectory(directory) {
            guard !FileSystem.exists(directory) else { throw OmenError(.invalidArgument, "'\(directory)' exists and is not a directory") }
            guard options.createIfMissing && !options.readOnly else {
                throw OmenError(.ioError, "database '\(directory)' does not exist (create_if_missing is off or the open is read-only)")
            }
            try FileSystem.makeDirectory(directory)
            try FileSystem.syncDirectory(parentDirectory(of: directory))
        }
        let lock = try DirectoryLock(directory: directory, exclusive: !options.readOnly)
        let names = try FileSystem.list(directory)
        var manifest: Manifest
        if names.contains(Manifest.fileName) {
            guard !options.errorIfExists else { throw OmenError(.invalidArgument, "database '\(directory)' already exists (error_if_exists is set)") }
            manifest = try Manifest.load(directory: directory)
        } else {
            let hasData = names.contains { if case .other = classify($0) { return false } else { return true } }
            if hasData { throw OmenError(.corruption, "\(directory)/\(Manifest.fileName) is missing but data files exist (offset 0)") }
            guard !options.readOnly else { throw OmenError(.ioError, "database '\(directory)' does not exist (read-only open)") }
            manifest = Manifest()
            try manifest.store(directory: directory)
        }
        var runs: [RunFile] = []
        for descriptor in manifest.runs {
            guard names.contains(RunFormat.fileName(descriptor.number)) else {
                throw OmenError(.corruption, "\(directory)/\(RunFormat.fileName(descriptor.number)) listed in the manifest is missing (offset 0)")
            }
            runs.append(try RunFile(directory: directory, descriptor: descriptor, windowSearch: options.indexConfiguration.windowSearch))
        }
        var largestNumber = manifest.nextFileNumber
        var walNumbers: [UInt64] = []
        let liveRuns = Set(manifest.runs.map(\.number))
        for name in names {
            switch classify(name) {
            case .wal(let n):
                largestNumber = max(largestNumber, n + 1)
                if n >= manifest.walWatermark { walNumbers.append(n) } else if !options.readOnly { try FileSystem.remove(directory + "/" + name) }
            case .run(let n):
                largestNumber = max(largestNumber, n + 1)
                // A run not in the manifest is the leftover of a flush or compaction cut short.
                if !liveRuns.contains(n) && !options.readOnly { try FileSystem.remove(directory + "/" + name) }
            case .other:
                if name == Manifest.fileName + ".tmp" && !options.readOnly { try FileSystem.remove(directory + "/" + name) }
            }
        }
        walNumbers.sort()
        if manifest.activeWAL != 0 && manifest.activeWAL >= manifest.walWatermark && !walNumbers.contains(manifest.activeWAL) {
            throw OmenError(.corruption, "\(directory)/\(WALFormat.fileName(manifest.activeWAL)), the newest log named by the manifest, is missing (offset 0)")
        }
        var lastSequence = manifest.lastSequence
        for run in runs { lastSequence = max(lastSequence, run.descriptor.largestSequence) }
        let tier = HotTier()
        let emptyLogs = try replay(walNumbers, into: tier, directory: directory, readOnly: options.readOnly,
                                   lastSequence: &lastSequence)
        var nextFileNumber = largestNumber
        var wal: WALWriter?
        if !options.readOnly && walNumbers.last == manifest.activeWAL && emptyLogs.contains(manifest.activeWAL) {
            // The newest log is the manifest's active one and holds no record (replay cut
            // any torn tail back to its header): keep appending to it. The manifest already
            // names it, so nothing is written or synced; older empty logs can go.
            let writer = try WALWriter(reopening: directory, number: manifest.activeWAL)
            tier.walNumbers.append(writer.number)
            wal = writer
            for number in emptyLogs where number != writer.number {
                try FileSystem.remove(directory + "/" + WALFormat.fileName(number))
            }
        } else if !options.readOnly {
            let writer = try WALWriter(directory: directory, number: nextFileNumber)
            nextFileNumber += 1
            tier.walNumbers.append(writer.number)
            wal = writer
            manifest.activeWAL = writer.number
            manifest.nextFileNumber = nextFileNumber
            try manifest.store(directory: directory)
            // Logs without records (e.g. from opens without writes) are dropped only now
            // that the manifest names a newer active log.
            for number in emptyLogs { try FileSystem.remove(directory + "/" + WALFormat.fileName(number)) }
        }
        return Result(lock: lock, manifest: manifest, runs: runs, hotTier: tier, wal: wal,
                      lastSequence: lastSequence, nextFileNumber: nextFileNumber)
    }

    /// Replays the live WAL files in order. The newest may end in a torn record (a
    /// crash mid-append): it is cut at the last valid record (unless read-only).
    /// Returns the logs that hold no record (removable once a newer log is named active).
    private static func replay(_ numbers: [UInt64], into tier: HotTier, directory: String, readOnly: Bool,
                               lastSequence: inout UInt64) throws(OmenError) -> [UInt64] {
        var empty: [UInt64] = []
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
                do throws(OmenError) {
                    try BatchDecoding.forEach(operations, count: count, fileName: path, fileOffset: offset) { _ throws(OmenError) in }
                } catch { throw error }
                try tier.apply(sequence: sequence, operations: operations, count: count)
                previous = sequence
            }
            lastSequence = max(lastSequence, result.lastSequence)
            if result.records == 0 { empty.append(number) } else { tier.walNumbers.append(number) }
            // A log without a valid header (even an empty file) never held a record; it
            // goes now, before a newer log is created: once that exists, it would no
            // longer be the newest and would read as damage.
            if (result.validEnd < result.fileSize || result.validEnd == 0) && !readOnly {
                if result.validEnd == 0 {
                    try FileSystem.remove(path)
                    empty.removeAll { $0 == number }
                } else {
                    let file = try PosixFile.open(path, O_WRONLY)
                    try file.truncate(to: result.validEnd)
                    try file.sync()
                }
            }
        }
        return empty
    }
}
