/// The durable list of tables and live runs and the WAL watermark, replaced atomically
/// (docs/format.md, "Manifest").
struct Manifest: Equatable {
    static let fileName = "MANIFEST"
    static let magic: UInt64 = 0x314E_414D_4E45_4D4F  // "OMENMAN1"
    /// Version 2 adds named tables (the table list, the next table id, a table id per
    /// run); version 1 manifests (one keyspace) read as the default table alone.
    static let version: UInt32 = 2
    static let oldestReadableVersion: UInt32 = 1

    /// The next number to give a new file (WAL or run).
    var nextFileNumber: UInt64 = 1
    /// Sequence numbers up to this one have been used (bulk loads leave no WAL record).
    var lastSequence: UInt64 = 0
    /// WAL files numbered below this hold only data that is in runs.
    var walWatermark: UInt64 = 0
    /// The WAL file taking writes (0 = none yet); it must exist when >= the watermark.
    var activeWAL: UInt64 = 0
    /// Live runs, newest first within each table (`RunDescriptor.table`).
    var runs: [RunDescriptor] = []
    /// The named tables (the default table, id 0, is implicit), in creation order.
    var tables: [TableEntry] = []
    /// The id the next created table gets (ids are never reused).
    var nextTableID: UInt32 = 1

    struct TableEntry: Equatable {
        var id: UInt32
        var name: String
    }

    /// Whether table `id` exists (the default table always does).
    func hasTable(_ id: UInt32) -> Bool { id == 0 || tables.contains { $0.id == id } }

    func encoded() -> [UInt8] {
        var writer = StorageByteWriter(capacity: 48 + runs.count * 48)
        writer.append(Self.magic)
        writer.append(Self.version)
        writer.append(UInt32(0))
        writer.append(nextFileNumber)
        writer.append(lastSequence)
        writer.append(walWatermark)
        writer.append(activeWAL)
        writer.append(nextTableID)
        writer.append(UInt32(tables.count))
        for table in tables {
            let name = Array(table.name.utf8)
            writer.append(table.id)
            writer.append(UInt16(name.count))
            name.withUnsafeBytes { writer.append($0) }
        }
        writer.append(UInt64(runs.count))
        for run in runs {
            writer.append(run.table)
            writer.append(run.number)
            writer.append(run.count)
            writer.append(run.minimumKey)
            writer.append(run.maximumKey)
            writer.append(run.largestSequence)
            writer.append(run.fileSize)
        }
        let crc = CRC32C.checksum(writer.bytes)
        writer.append(crc)
        return writer.bytes
    }

    static func decode(_ bytes: [UInt8], path: String) throws(OmenError) -> Manifest {
        try withRawBytes(of: bytes) { (raw) throws(OmenError) -> Manifest in
            guard raw.count >= 60 else { throw OmenError(.corruption, "\(path): manifest truncated to \(raw.count) bytes at offset \(raw.count)") }
            let base = raw.baseAddress!
            var reader = StorageByteReader(base, count: raw.count - 4, fileName: path)
            guard try reader.read(UInt64.self) == magic else { throw OmenError(.corruption, "\(path): bad manifest magic at offset 0") }
            let version = try reader.read(UInt32.self)
            guard version >= oldestReadableVersion && version <= Self.version else {
                throw OmenError(.unsupported, "\(path): manifest format version \(version) is not supported (this build reads versions \(oldestReadableVersion)-\(Self.version))")
            }
            let stored = (base + raw.count - 4).loadUnaligned(as: UInt32.self).littleEndian
            guard CRC32C.update(0, base, raw.count - 4) == stored else {
                throw OmenError(.corruption, "\(path): manifest checksum mismatch (checksum at offset \(raw.count - 4))")
            }
            _ = try reader.read(UInt32.self)
            var manifest = Manifest()
            manifest.nextFileNumber = try reader.read(UInt64.self)
            manifest.lastSequence = try reader.read(UInt64.self)
            manifest.walWatermark = try reader.read(UInt64.self)
            manifest.activeWAL = try reader.read(UInt64.self)
            if version >= 2 {
                manifest.nextTableID = try reader.read(UInt32.self)
                let tableCount = try reader.read(UInt32.self)
                guard tableCount <= UInt32(reader.remaining / 6) else { throw reader.corruption("table count \(tableCount) exceeds the file") }
                for _ in 0..<tableCount {
                    let id = try reader.read(UInt32.self)
                    let length = Int(try reader.read(UInt16.self))
                    let bytes = UnsafeRawBufferPointer(start: try reader.bytes(length), count: length)
                    guard let name = String(validating: bytes, as: UTF8.self), Table.nameProblem(name) == nil else {
                        throw reader.corruption("table \(id) has an invalid name")
                    }
                    guard id > 0, id < manifest.nextTableID, !manifest.tables.contains(where: { $0.id == id || $0.name == name }) else {
                        throw reader.corruption("table id \(id) ('\(name)') is 0, not below the next table id \(manifest.nextTableID), or repeated")
                    }
                    manifest.tables.append(TableEntry(id: id, name: name))
                }
            }
            let runSize = version >= 2 ? 52 : 48
            let count = try reader.read(UInt64.self)
            guard count <= UInt64(reader.remaining / runSize) else { throw reader.corruption("run count \(count) exceeds the file") }
            for _ in 0..<count {
                let table = version >= 2 ? try reader.read(UInt32.self) : 0
                guard manifest.hasTable(table) else { throw reader.corruption("a run of table \(table), which the manifest does not list") }
                manifest.runs.append(RunDescriptor(table: table, number: try reader.read(UInt64.self), count: try reader.read(UInt64.self),
                                                   minimumKey: try reader.read(Int64.self), maximumKey: try reader.read(Int64.self),
                                                   largestSequence: try reader.read(UInt64.self), fileSize: try reader.read(UInt64.self)))
            }
            guard reader.remaining == 0 else { throw reader.corruption("\(reader.remaining) stray bytes") }
            // The watermark is at most one past a log that existed when the manifest was
            // stored; beyond the next file number it would hide the logs written after it.
            guard manifest.walWatermark <= manifest.nextFileNumber else {
                throw OmenError(.corruption, "\(path): WAL watermark \(manifest.walWatermark) is beyond the next file number \(manifest.nextFileNumber) (offset 16)")
            }
            // A larger number would name a file with more than 12 digits, which no open finds.
            guard manifest.nextFileNumber <= largestFileNumber else {
                throw OmenError(.corruption, "\(path): next file number \(manifest.nextFileNumber) exceeds \(largestFileNumber) (offset 16)")
            }
            return manifest
        }
    }

    static func load(directory: String) throws(OmenError) -> Manifest {
        let path = directory + "/" + fileName
        return try decode(try FileSystem.readAll(path), path: path)
    }

    /// Writes the manifest atomically (temporary file, fsync, rename, directory fsync).
    /// - Throws: when the stored manifest is unchanged.
    /// - Returns: nil when the new manifest is durable, else the error of the directory
    ///   fsync after it was renamed into place (see `FileSystem.replaceAtomically`).
    func store(directory: String) throws(OmenError) -> OmenError? {
        try FileSystem.replaceAtomically(directory + "/" + Self.fileName, directory: directory, with: encoded())
    }
}
