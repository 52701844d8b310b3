/// Online checkpoints (backups): a consistent, openable copy of the database in a new
/// directory, made while reads and writes go on (docs/storage.md, "Checkpoints").
///
/// The copy holds exactly the state at one sequence number S, the visible sequence when
/// the checkpoint starts: the catalog of that moment (every table's runs and hot tiers)
/// is captured together with S; its run files (immutable) are hard-linked or copied, its hot tiers'
/// log files copied byte for byte up to the last record at or below S, and a manifest
/// naming exactly those files is written fresh. The view keeps its runs from being
/// removed; the logs are kept from flushes by `logCopiers` until they are copied.
extension Database {
    /// Makes a consistent copy of the database in `destination`, which must not exist
    /// (its parent directory must), and returns the copy's sequence number S: the copy
    /// opens to exactly the state a snapshot at S reads.
    ///
    /// The copy is built in a temporary directory next to `destination`
    /// (`<destination>.tmp-XXXXXX`), every file and the directory fsynced, then renamed
    /// to `destination` and the parent directory fsynced: on failure or cancellation no
    /// `destination` exists (a crash may leave the temporary directory, which names no
    /// database at `destination`; delete it).
    ///
    /// - Parameters:
    ///   - copyFiles: copy the run files; otherwise they are hard-linked, and copied only
    ///     where the file system refuses the link (another file system, no hard links).
    ///   - progress: counts bytes: the logs, then the run files, as found at the start.
    /// - Throws: `.invalidArgument` when `destination` is empty or exists; `.ioError`
    ///   for a missing parent or a refused file operation; `.misuse` when the database is
    ///   closed; `.cancelled` when `progress` cancels; `.corruption` for a damaged log.
    @discardableResult
    public func checkpoint(to destination: String, copyFiles: Bool = false,
                           progress: ProgressCallback? = nil) throws(OmenError) -> UInt64 {
        if closedFlag.load(ordering: .acquiring) { throw OmenError(.misuse, "database '\(directory)' is closed") }
        let staging = try CheckpointDirectory(destination: destination)
        let (catalog, sequence, nextNumber) = viewLock.withLock { () -> (CatalogView, UInt64, UInt64) in
            logCopiers += 1
            return (self.catalog, max(visibleSequence, self.catalog.floor), nextFileNumber)
        }
        // Table ids only grow: the live manifest's next id is past every id the copied logs name.
        let nextTableID = manifestLock.withLock { manifest.nextTableID }
        let runs = catalog.views.flatMap { $0?.runs ?? [] }
        var logsPinned = true
        defer { if logsPinned { releaseLogs() } }
        do throws(OmenError) {
            let logs = catalog.liveLogs
            let logSizes = logs.map { FileSystem.size(directory + "/" + WALFormat.fileName($0)) }
            let meter = ProgressMeter(progress, operation: "checkpoint",
                                      total: runs.reduce(logSizes.reduce(0, +)) { $0 + $1.descriptor.fileSize })
            try meter?.start()
            // The logs first, so that flushes wait for as short a time as possible to remove them.
            var firstRecord: UInt64?
            for (i, number) in logs.enumerated() {
                let first = try copyLog(number, through: sequence, newest: i == logs.count - 1, into: staging)
                if firstRecord == nil { firstRecord = first }
                try meter?.advance(by: logSizes[i])
            }
            releaseLogs()
            logsPinned = false
            for run in runs {
                try staging.add(RunFormat.fileName(run.descriptor.number), from: run.path, link: !copyFiles, progress: meter)
            }
            var manifest = Manifest()
            manifest.nextFileNumber = nextNumber
            // Recovery continues the sequence from here: the first copied record follows it.
            manifest.lastSequence = firstRecord.map { $0 - 1 } ?? sequence
            manifest.walWatermark = logs.min() ?? 0
            manifest.activeWAL = logs.max() ?? 0
            manifest.runs = runs.map(\.descriptor)
            manifest.tables = catalog.tableIDs.dropFirst().map { Manifest.TableEntry(id: $0, name: catalog.names[Int($0)]) }
            manifest.nextTableID = nextTableID
            // The lock file every database directory has (read-only opens need it): empty,
            // so the directory's fsync in `publish` makes it durable.
            try staging.write(DirectoryLock.fileName, UnsafeRawBufferPointer(start: nil, count: 0), sync: false)
            try meter?.finish()
            // Written in place: the whole directory appears at once, so no file needs the
            // temporary-name-and-rename of `Manifest.store`.
            try withRawBytes(of: manifest.encoded()) { (bytes) throws(OmenError) in try staging.write(Manifest.fileName, bytes) }
            try staging.publish()
        } catch {
            staging.discard()
            throw error
        }
        return sequence
    }

    /// Copies log `number` into `staging`, up to the end of its last record at or below
    /// `sequence` (its header alone when it has none). The newest log may end in a record
    /// being appended now, read torn. Returns the sequence of its first copied record.
    private func copyLog(_ number: UInt64, through sequence: UInt64, newest: Bool,
                         into staging: CheckpointDirectory) throws(OmenError) -> UInt64? {
        let name = WALFormat.fileName(number)
        let path = directory + "/" + name
        let bytes = try FileSystem.readAll(path)
        return try withRawBytes(of: bytes) { (raw) throws(OmenError) -> UInt64? in
            var end = WALFormat.headerSize
            var first: UInt64?
            _ = try WALReader.replay(raw, path: path, expectedNumber: number, tailMayBeTorn: newest) {
                (recordSequence, _, operations, offset) throws(OmenError) in
                guard recordSequence <= sequence else { return }
                if first == nil { first = recordSequence }
                end = offset + operations.count
            }
            try staging.write(name, UnsafeRawBufferPointer(rebasing: raw[0..<end]))
            return first
        }
    }

    /// Removes `numbers`' log files (retired by a flush), or leaves that to the last
    /// checkpoint copying logs now.
    func retireLogs(_ numbers: [UInt64]) {
        let removeNow = viewLock.withLock { () -> Bool in
            if logCopiers == 0 { return true }
            retiredLogs += numbers
            return false
        }
        if removeNow { removeLogs(numbers) }
    }

    /// Ends a checkpoint's hold on the log files; the last one removes those retired meanwhile.
    private func releaseLogs() {
        let retired = viewLock.withLock { () -> [UInt64] in
            logCopiers -= 1
            guard logCopiers == 0 else { return [] }
            defer { retiredLogs = [] }
            return retiredLogs
        }
        removeLogs(retired)
    }

    private func removeLogs(_ numbers: [UInt64]) {
        for number in numbers { try? FileSystem.remove(directory + "/" + WALFormat.fileName(number)) }
    }
}
