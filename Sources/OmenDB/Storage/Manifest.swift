/// The durable list of live runs and the WAL watermark, replaced atomically
/// (docs/format.md, "Manifest").
struct Manifest: Equatable {
    static let fileName = "MANIFEST"
    static let magic: UInt64 = 0x314E_414D_4E45_4D4F  // "OMENMAN1"
    static let version: UInt32 = 1

    /// The next number to give a new file (WAL or run).
    var nextFileNumber: UInt64 = 1
    /// Sequence numbers up to this one have been used (bulk loads leave no WAL record).
    var lastSequence: UInt64 = 0
    /// WAL files numbered below this hold only data that is in runs.
    var walWatermark: UInt64 = 0
    /// The WAL file taking writes (0 = none yet); it must exist when >= the watermark.
    var activeWAL: UInt64 = 0
    /// Live runs, newest first.
    var runs: [RunDescriptor] = []

    func encoded() -> [UInt8] {
        var writer = StorageByteWriter(capacity: 48 + runs.count * 48)
        writer.append(Self.magic)
        writer.append(Self.version)
        writer.append(UInt32(0))
        writer.append(nextFileNumber)
        writer.append(lastSequence)
        writer.append(walWatermark)
        writer.append(activeWAL)
        writer.append(UInt64(runs.count))
        for run in runs {
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
            guard version == Self.version else {
                throw OmenError(.unsupported, "\(path): manifest format version \(version) is not supported (this build reads version \(Self.version))")
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
            let count = try reader.read(UInt64.self)
            guard count <= UInt64(reader.remaining / 48) else { throw reader.corruption("run count \(count) exceeds the file") }
            for _ in 0..<count {
                manifest.runs.append(RunDescriptor(number: try reader.read(UInt64.self), count: try reader.read(UInt64.self),
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
    func store(directory: String) throws(OmenError) {
        try FileSystem.replaceAtomically(directory + "/" + Self.fileName, directory: directory, with: encoded())
    }
}
