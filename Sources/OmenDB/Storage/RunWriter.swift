import COmenDBShim
import Glibc

/// Writes one immutable run file from entries given in strictly increasing key order.
/// The value heap streams to the file; the key, meta and offset columns (24 bytes per
/// key) and the heap block checksums (4 bytes per 4 KiB of values) are kept in memory
/// until `finish` writes them with their block checksums and the model: the configured
/// kind, or under `.auto` the kind `AutoSelection` picks for this run's keys.
final class RunWriter {
    let path: String
    let number: UInt64
    private let file: PosixFile
    private let configuration: IndexConfiguration
    private var keys: [Int64] = []
    /// The meta and offset columns are materialized only once an entry breaks uniformity
    /// (another meta than the first / another value size than the first): a bulk load of
    /// equal-size values keeps 8 bytes per key in memory, not 24.
    private var metas: [UInt64] = []
    private var offsets: [UInt64] = []
    private var firstMeta: UInt64 = 0
    private var uniformMeta = true
    /// Heap bytes not yet written (`buffered` of `bufferLimit`); checksummed when drained.
    private let buffer: UnsafeMutableRawPointer
    private var buffered = 0
    private var fileOffset = RunFormat.headerSize
    private var heapCRC: UInt32 = 0
    /// CRC-32C of each full heap block so far, and of the bytes of the block being filled.
    private var blockChecksums: [UInt32] = []
    private var blockCRC: UInt32 = 0
    private var blockFill = 0
    private var heapLength = 0
    private var tombstones: UInt64 = 0
    private var largestSequence: UInt64 = 0
    /// Every value so far had the first one's size / every entry the first one's sequence.
    private var equalValueSizes = true
    private var firstValueSize = 0
    private static let bufferLimit = 1 << 20
    /// Written bytes not yet handed to the kernel's writeback (see `startWriteback`).
    private var writebackStart = 0
    private static let writebackChunk = 8 << 20

    init(directory: String, number: UInt64, configuration: IndexConfiguration) throws(OmenError) {
        path = directory + "/" + RunFormat.fileName(number)
        self.number = number
        self.configuration = configuration
        file = try PosixFile.open(path, O_WRONLY | O_CREAT | O_TRUNC)
        buffer = .allocate(byteCount: Self.bufferLimit, alignment: 16)
    }

    deinit { buffer.deallocate() }

    /// Reserves the in-memory columns for `count` more entries (bulk loads know it).
    func reserve(_ count: Int) {
        keys.reserveCapacity(keys.count + count)
    }

    var count: Int { keys.count }

    /// Appends an entry; keys must strictly increase.
    func append(key: Int64, sequence: UInt64, isTombstone: Bool, value: UnsafeRawBufferPointer) throws(OmenError) {
        precondition(keys.isEmpty || key > keys[keys.count - 1], "run entries must be in increasing key order")
        guard keys.count < Int(UInt32.max) else { throw OmenError(.tooLarge, "a run holds fewer than 2^32 keys") }
        keys.append(key)
        let meta = RunFormat.meta(sequence: sequence, tombstone: isTombstone)
        if keys.count == 1 {
            firstValueSize = value.count
            firstMeta = meta
        }
        if uniformMeta && meta != firstMeta {
            uniformMeta = false
            metas.reserveCapacity(keys.capacity)
            metas.append(contentsOf: repeatElement(firstMeta, count: keys.count - 1))
        }
        if !uniformMeta { metas.append(meta) }
        if equalValueSizes && value.count != firstValueSize {
            // Offsets of the earlier entries and of this one's start: i · size.
            equalValueSizes = false
            offsets.reserveCapacity(keys.capacity + 1)
            for i in 0..<keys.count { offsets.append(UInt64(i) &* UInt64(firstValueSize)) }
        }
        if isTombstone { tombstones += 1 }
        largestSequence = max(largestSequence, sequence)
        if value.count > 0 {
            if value.count > Self.bufferLimit &- buffered { try drain() }
            if value.count >= Self.bufferLimit {
                checksumHeap(value.baseAddress!, value.count)
                try file.write(value.baseAddress!, value.count, at: fileOffset)
                fileOffset += value.count
                startWriteback()
            } else {
                (buffer + buffered).copyMemory(from: value.baseAddress!, byteCount: value.count)
                buffered &+= value.count
            }
        }
        heapLength += value.count
        if !equalValueSizes { offsets.append(UInt64(heapLength)) }
    }

    /// Writes the buffered heap bytes, extending the heap's checksum over them.
    private func drain() throws(OmenError) {
        guard buffered > 0 else { return }
        checksumHeap(buffer, buffered)
        try file.write(buffer, buffered, at: fileOffset)
        fileOffset += buffered
        buffered = 0
        startWriteback()
    }

    /// Extends the heap's checksum and its blocks' checksums over the next `count` heap bytes.
    private func checksumHeap(_ bytes: UnsafeRawPointer, _ count: Int) {
        heapCRC = CRC32C.update(heapCRC, bytes, count)
        var done = 0
        while done < count {
            let chunk = min(count - done, RunFormat.heapBlockSize - blockFill)
            blockCRC = CRC32C.update(blockCRC, bytes + done, chunk)
            blockFill += chunk
            done += chunk
            if blockFill == RunFormat.heapBlockSize { closeBlock() }
        }
    }

    private func closeBlock() {
        blockChecksums.append(blockCRC)
        blockCRC = 0
        blockFill = 0
    }

    /// Starts the kernel's writeback of every further full chunk written so far, without
    /// waiting (`sync_file_range(SYNC_FILE_RANGE_WRITE)`): the disk writes while the rest
    /// of the run is built, so `finish`'s fsync waits for little. Only a hint: the
    /// fsync in `finish` is still what makes the run durable.
    private func startWriteback() {
        guard fileOffset - writebackStart >= Self.writebackChunk else { return }
        _ = odb_shim_start_writeback(file.descriptor, Int64(writebackStart), Int64(fileOffset - writebackStart))
        writebackStart = fileOffset
    }

    private func writeSection(_ bytes: UnsafeRawBufferPointer) throws(OmenError) -> (offset: UInt64, crc: UInt32) {
        let offset = fileOffset
        let crc = CRC32C.checksum(bytes)
        if bytes.count > 0 { try file.write(bytes.baseAddress!, bytes.count, at: offset) }
        fileOffset += bytes.count
        return (UInt64(offset), crc)
    }

    /// Writes a column and appends the CRC-32C of each of its 4 KiB blocks to `checksums`.
    private func writeColumn(_ bytes: UnsafeRawBufferPointer, _ checksums: inout StorageByteWriter) throws(OmenError) -> UInt64 {
        let offset = fileOffset
        let blockBytes = 8 << RunFormat.columnBlockShift
        for start in stride(from: 0, to: bytes.count, by: blockBytes) {
            checksums.append(CRC32C.update(0, bytes.baseAddress! + start, min(blockBytes, bytes.count - start)))
        }
        if bytes.count > 0 { try file.write(bytes.baseAddress!, bytes.count, at: offset) }
        fileOffset += bytes.count
        return UInt64(offset)
    }

    /// The model of this run's keys in `IndexFormat`: the configured kind, or under `.auto`
    /// `AutoSelection`'s pick. ALEX is never a run's model (it keeps its own copy of every
    /// key in gapped arrays, about 23 bytes per key, where a run's keys are already an
    /// immutable sorted column the array kinds search in place): when `.auto` picks it,
    /// the run takes PGM.
    private func model(_ keys: UnsafeBufferPointer<Int64>) throws(OmenError) -> [UInt8] {
        let base = keys.baseAddress ?? UnsafePointer(KeyStorage.empty)
        var built: IndexModel
        if configuration.kind == .auto {
            built = try AutoSelection.choose(base, keys.count, configuration).model
            if built.kind == .alex { built = try IndexModel.build(.pgm, base, keys.count, configuration) }
        } else {
            built = try IndexModel.build(configuration.kind, base, keys.count, configuration)
        }
        return IndexSerializer.serialize(LearnedIndex(loaded: built, keys: keys, owner: nil, configuration: configuration, note: ""))
    }

    /// Trains the model over the keys, writes the columns, model and footer, and
    /// fsyncs the file. Returns a description for the manifest.
    func finish() throws(OmenError) -> RunDescriptor {
        try drain()
        // Pad the heap so the columns that follow are 8-byte aligned in the mapping.
        let padding = (8 - fileOffset % 8) % 8
        if padding > 0 {
            let zeros: UInt64 = 0
            try withUnsafeBytes(of: zeros) { (raw) throws(OmenError) in try file.write(raw.baseAddress!, padding, at: fileOffset) }
            fileOffset += padding
        }
        var footer = RunFooter()
        footer.count = UInt64(keys.count)
        footer.minimumKey = keys.first ?? 0
        footer.maximumKey = keys.last ?? 0
        footer.largestSequence = largestSequence
        footer.heapOffset = UInt64(RunFormat.headerSize)
        footer.heapLength = UInt64(heapLength)
        footer.heapCRC = heapCRC
        footer.tombstoneCount = tombstones
        // Columns that are fully determined by the footer are omitted (docs/format.md).
        if !keys.isEmpty && equalValueSizes { footer.flags |= RunFormat.flagEqualValueSizes }
        if !keys.isEmpty && uniformMeta && tombstones == 0 { footer.flags |= RunFormat.flagUniformMeta }
        // Uniform columns that cannot be omitted (tombstones; no entry) are written out.
        if uniformMeta && !footer.hasUniformMeta { metas = Array(repeating: firstMeta, count: keys.count) }
        if equalValueSizes && !footer.hasEqualValueSizes { offsets = [0] }
        // The column block checksums: keys', then meta's and offsets' when stored (the
        // footer's whole-column CRC fields stay 0 in this version).
        var columnChecks = StorageByteWriter(capacity: RunFormat.columnBlockChecksumsLength(
            count: keys.count, meta: !footer.hasUniformMeta, offsets: !footer.hasEqualValueSizes))
        footer.keysOffset = try withRawBytes(of: keys) { (raw) throws(OmenError) in try writeColumn(raw, &columnChecks) }
        footer.metaOffset = try withRawBytes(of: footer.hasUniformMeta ? [] : metas) {
            (raw) throws(OmenError) in try writeColumn(raw, &columnChecks)
        }
        footer.offsetsOffset = try withRawBytes(of: footer.hasEqualValueSizes ? [] : offsets) {
            (raw) throws(OmenError) in try writeColumn(raw, &columnChecks)
        }
        columnChecks.append(CRC32C.checksum(columnChecks.bytes))
        let model = try keys.withUnsafeBufferPointer { (buffer) throws(OmenError) in try self.model(buffer) }
        footer.modelLength = UInt64(model.count)
        (footer.modelOffset, footer.modelCRC) = try withRawBytes(of: model) { (raw) throws(OmenError) in try writeSection(raw) }
        if blockFill > 0 { closeBlock() }
        precondition(blockChecksums.count == RunFormat.heapBlockCount(UInt64(heapLength)))
        var blockSection = StorageByteWriter(capacity: RunFormat.heapBlockChecksumsLength(UInt64(heapLength)))
        for crc in blockChecksums { blockSection.append(crc) }
        blockSection.append(CRC32C.checksum(blockSection.bytes))
        _ = try withRawBytes(of: blockSection.bytes) { (raw) throws(OmenError) in try writeSection(raw) }
        _ = try withRawBytes(of: columnChecks.bytes) { (raw) throws(OmenError) in try writeSection(raw) }
        var header = StorageByteWriter(capacity: RunFormat.headerSize)
        header.append(RunFormat.magic)
        header.append(RunFormat.version)
        header.append(UInt32(0))
        header.append(number)
        header.append(UInt64(0))
        footer.headerCRC = CRC32C.checksum(header.bytes)
        try withRawBytes(of: header.bytes) { (raw) throws(OmenError) in try file.write(raw.baseAddress!, raw.count, at: 0) }
        let encodedFooter = footer.encoded()
        _ = try withRawBytes(of: encodedFooter) { (raw) throws(OmenError) in try writeSection(raw) }
        try file.sync()
        return RunDescriptor(number: number, count: footer.count, minimumKey: footer.minimumKey,
                             maximumKey: footer.maximumKey, largestSequence: largestSequence,
                             fileSize: UInt64(fileOffset))
    }

    /// Removes a partly written file after a failure.
    func abandon() {
        try? FileSystem.remove(path)
    }
}

/// What the manifest records about one run.
struct RunDescriptor: Equatable {
    var number: UInt64
    var count: UInt64
    var minimumKey: Int64
    var maximumKey: Int64
    var largestSequence: UInt64
    var fileSize: UInt64
}
