import COmenDBShim
import Glibc

/// Writes one immutable run file from entries given in strictly increasing key order.
/// The value heap streams to the file; the key, meta and offset columns (24 bytes per
/// key) and the heap block checksums (4 bytes per 4 KiB of values) are kept in memory
/// until `finish` writes them with their block checksums and the model: the configured
/// kind, or under `.auto` the kind `AutoSelection` picks for this run's keys. A bulk
/// load (`appendAll`) hands over all its keys at once: they are not copied, and the
/// model is fitted on a second thread while the heap and the columns are written.
final class RunWriter {
    let path: String
    let number: UInt64
    private let file: PosixFile
    private let configuration: IndexConfiguration
    private var keys: [Int64] = []
    /// The caller's keys of `appendAll` (then `keys` stays empty), alive until `finish`.
    private var borrowedKeys: UnsafeBufferPointer<Int64>?
    private var modelFit: RunModelFit?
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

    var count: Int { borrowedKeys?.count ?? keys.count }

    /// The run's range tombstones (stored coalesced: disjoint and sorted). A run may hold
    /// tombstones and no entry.
    var rangeTombstones: [RangeTombstone] = [] {
        didSet { rangeTombstones = RangeTombstoneList.coalesced(rangeTombstones) }
    }

    /// Whether `finish` has anything to write.
    var isEmpty: Bool { count == 0 && rangeTombstones.isEmpty }

    /// Appends an entry; keys must strictly increase.
    func append(key: Int64, sequence: UInt64, isTombstone: Bool, value: UnsafeRawBufferPointer) throws(OmenError) {
        precondition(keys.isEmpty || key > keys[keys.count - 1], "run entries must be in increasing key order")
        guard keys.count < Int(UInt32.max) else { throw OmenError(.tooLarge, "a run holds fewer than 2^32 keys") }
        keys.append(key)
        let meta = RunFormat.meta(sequence: sequence, tombstone: isTombstone)
        if keys.count == 1 { firstMeta = meta }
        if uniformMeta && meta != firstMeta {
            uniformMeta = false
            metas.reserveCapacity(keys.capacity)
            metas.append(contentsOf: repeatElement(firstMeta, count: keys.count - 1))
        }
        if !uniformMeta { metas.append(meta) }
        if isTombstone { tombstones += 1 }
        largestSequence = max(largestSequence, sequence)
        try appendValue(value, entry: keys.count - 1)
    }

    /// Appends all the entries of a bulk load to an empty writer: `keys` strictly increase
    /// (checked by the caller) and stay alive and unchanged until `finish` returns; value
    /// `i` is `value(i)`, every entry has `sequence` and none is a tombstone.
    /// `progress` advances every 64Ki entries.
    func appendAll(keys: UnsafeBufferPointer<Int64>, sequence: UInt64,
                   value: (Int) -> UnsafeRawBufferPointer, progress: ProgressMeter? = nil) throws(OmenError) {
        try beginAll(keys: keys, sequence: sequence)
        for i in 0..<keys.count {
            try appendValue(value(i), entry: i)
            if i & 0xFFFF == 0xFFFF { try progress?.advance(to: UInt64(i + 1)) }
        }
        try progress?.advance(to: UInt64(keys.count))
    }

    /// `appendAll` for values of `valueSize` bytes each, back to back at `values`: the heap
    /// is written straight from them, without a copy. `progress` advances every 64Ki
    /// entries or 8 MiB of values, whichever is fewer entries.
    func appendAll(keys: UnsafeBufferPointer<Int64>, sequence: UInt64,
                   values: UnsafeRawPointer?, valueSize: Int, progress: ProgressMeter? = nil) throws(OmenError) {
        try beginAll(keys: keys, sequence: sequence)
        firstValueSize = valueSize
        let length = keys.count * valueSize
        if length > 0 {
            // Without a callback, one call: the heap written in the writer's own pieces.
            let chunk = progress == nil ? keys.count : max(1, min(1 << 16, (8 << 20) / valueSize))
            var entry = 0
            while entry < keys.count {
                let entries = min(chunk, keys.count - entry)
                try writeHeap(values! + entry * valueSize, entries * valueSize)
                entry += entries
                try progress?.advance(to: UInt64(entry))
            }
        }
        try progress?.advance(to: UInt64(keys.count))
        heapLength = length
    }

    private func beginAll(keys: UnsafeBufferPointer<Int64>, sequence: UInt64) throws(OmenError) {
        precondition(count == 0, "appendAll needs an empty run writer")
        guard keys.count < Int(UInt32.max) else { throw OmenError(.tooLarge, "a run holds fewer than 2^32 keys") }
        guard !keys.isEmpty else { return }
        borrowedKeys = keys
        firstMeta = RunFormat.meta(sequence: sequence, tombstone: false)
        largestSequence = sequence
        modelFit = RunModelFit(keys: keys, configuration: configuration)
    }

    /// Adds entry `entry`'s value to the heap (buffered) and, once sizes differ, to the offsets.
    private func appendValue(_ value: UnsafeRawBufferPointer, entry: Int) throws(OmenError) {
        if entry == 0 { firstValueSize = value.count }
        if equalValueSizes && value.count != firstValueSize {
            // Offsets of the earlier entries and of this one's start: i · size.
            equalValueSizes = false
            offsets.reserveCapacity(max(keys.capacity, borrowedKeys?.count ?? 0) + 1)
            for i in 0...entry { offsets.append(UInt64(i) &* UInt64(firstValueSize)) }
        }
        if value.count > 0 {
            if value.count > Self.bufferLimit &- buffered { try drain() }
            if value.count >= Self.bufferLimit {
                try writeHeap(value.baseAddress!, value.count)
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
        try writeHeap(buffer, buffered)
        buffered = 0
    }

    /// Writes `count` heap bytes at the end of the file (the buffer must be drained), one
    /// buffer's worth at a time: each piece is checksummed and then copied to the kernel
    /// while it is still in the CPU cache.
    private func writeHeap(_ bytes: UnsafeRawPointer, _ count: Int) throws(OmenError) {
        var done = 0
        while done < count {
            let piece = min(count - done, Self.bufferLimit)
            checksumHeap(bytes + done, piece)
            try file.write(bytes + done, piece, at: fileOffset)
            fileOffset += piece
            done += piece
            startWriteback()
        }
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

    /// Writes a column and appends the CRC-32C of each of its 4 KiB blocks to `checksums`,
    /// one write piece (`bufferLimit`, a whole number of blocks) at a time: each piece is
    /// checksummed right before the kernel copies it, while it is still in the CPU cache.
    private func writeColumn(_ bytes: UnsafeRawBufferPointer, _ checksums: inout StorageByteWriter) throws(OmenError) -> UInt64 {
        let offset = fileOffset
        let blockBytes = 8 << RunFormat.columnBlockShift
        var done = 0
        while done < bytes.count {
            let piece = min(bytes.count - done, Self.bufferLimit)
            let start = bytes.baseAddress! + done
            for block in stride(from: 0, to: piece, by: blockBytes) {
                checksums.append(CRC32C.update(0, start + block, min(blockBytes, piece - block)))
            }
            try file.write(start, piece, at: fileOffset)
            fileOffset += piece
            done += piece
            startWriteback()
        }
        return UInt64(offset)
    }

    /// The model of a run over `keys` in `IndexFormat`: the configured kind, or under `.auto`
    /// `AutoSelection`'s pick. ALEX is never a run's model (it keeps its own copy of every
    /// key in gapped arrays, about 23 bytes per key, where a run's keys are already an
    /// immutable sorted column the array kinds search in place): `.auto` chooses among
    /// the array kinds only.
    static func encodeModel(keys: UnsafeBufferPointer<Int64>, configuration: IndexConfiguration) throws(OmenError) -> [UInt8] {
        let base = keys.baseAddress ?? UnsafePointer(KeyStorage.empty)
        let built: IndexModel
        if configuration.kind == .auto {
            built = try AutoSelection.choose(base, keys.count, configuration, arrayKindsOnly: true).model
        } else {
            built = try IndexModel.build(configuration.kind, base, keys.count, configuration)
        }
        return IndexSerializer.serialize(LearnedIndex(loaded: built, keys: keys, owner: nil, configuration: configuration, note: ""))
    }

    /// Trains the model over the keys, writes the columns, model and footer, and
    /// fsyncs the file. Returns a description for the manifest.
    func finish() throws(OmenError) -> RunDescriptor {
        if let borrowedKeys { return try finish(keys: borrowedKeys) }
        return try keys.withUnsafeBufferPointer { (keys) throws(OmenError) in try finish(keys: keys) }
    }

    private func finish(keys: UnsafeBufferPointer<Int64>) throws(OmenError) -> RunDescriptor {
        // The model is fitted on a second thread while the columns are written.
        let fit = modelFit ?? RunModelFit(keys: keys, configuration: configuration)
        modelFit = nil
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
        footer.keysOffset = try writeColumn(UnsafeRawBufferPointer(keys), &columnChecks)
        footer.metaOffset = try withRawBytes(of: footer.hasUniformMeta ? [] : metas) {
            (raw) throws(OmenError) in try writeColumn(raw, &columnChecks)
        }
        footer.offsetsOffset = try withRawBytes(of: footer.hasEqualValueSizes ? [] : offsets) {
            (raw) throws(OmenError) in try writeColumn(raw, &columnChecks)
        }
        columnChecks.append(CRC32C.checksum(columnChecks.bytes))
        // While the model is still being fitted, wait for the data written so far to reach
        // the device, so that the fsync below has little left to write.
        _ = odb_shim_wait_writeback(file.descriptor, 0, Int64(fileOffset))
        let model = try fit.join()
        footer.modelLength = UInt64(model.count)
        (footer.modelOffset, footer.modelCRC) = try withRawBytes(of: model) { (raw) throws(OmenError) in try writeSection(raw) }
        if blockFill > 0 { closeBlock() }
        precondition(blockChecksums.count == RunFormat.heapBlockCount(UInt64(heapLength)))
        var blockSection = StorageByteWriter(capacity: RunFormat.heapBlockChecksumsLength(UInt64(heapLength)))
        for crc in blockChecksums { blockSection.append(crc) }
        blockSection.append(CRC32C.checksum(blockSection.bytes))
        _ = try withRawBytes(of: blockSection.bytes) { (raw) throws(OmenError) in try writeSection(raw) }
        _ = try withRawBytes(of: columnChecks.bytes) { (raw) throws(OmenError) in try writeSection(raw) }
        if !rangeTombstones.isEmpty {
            footer.flags |= RunFormat.flagRangeTombstones
            var section = StorageByteWriter(capacity: rangeTombstones.count * RunFormat.rangeTombstoneEntrySize
                                                      + RunFormat.rangeTombstoneTrailerSize)
            for t in rangeTombstones {
                section.append(t.first)
                section.append(t.last)
                section.append(t.sequence)
                largestSequence = max(largestSequence, t.sequence)
            }
            section.append(UInt64(rangeTombstones.count))
            section.append(CRC32C.checksum(section.bytes))
            section.append(UInt32(0))
            _ = try withRawBytes(of: section.bytes) { (raw) throws(OmenError) in try writeSection(raw) }
            footer.largestSequence = largestSequence
        }
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
        modelFit = nil
        try? FileSystem.remove(path)
    }
}

/// What the manifest records about one run.
struct RunDescriptor: Equatable {
    /// The table the run belongs to (kept in the manifest, not in the run file).
    var table: UInt32 = 0
    var number: UInt64
    var count: UInt64
    var minimumKey: Int64
    var maximumKey: Int64
    var largestSequence: UInt64
    var fileSize: UInt64
}
