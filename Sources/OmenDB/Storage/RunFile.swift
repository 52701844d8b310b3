import Glibc

/// An immutable, memory-mapped run file: sorted keys with a learned model over them,
/// per-key sequence/tombstone, and values read in place (zero-copy).
///
/// Opening reads the footer, the header and the model (any array kind of the learned
/// index, `IndexModel`), and checks the layout and the model's structure, without
/// retraining and without reading the columns: for version 4 runs it does no work in
/// proportion to the keys but the model's own size. The columns and the value heap are
/// checked block by block on first touch (`ColumnBlockChecks`, `HeapBlockChecks`) before
/// a read's answer depends on them; `verify` checks every byte. Versions 1–3 check the
/// whole key, meta and offsets columns at open, as they have no column block checksums.
/// Thread safety: immutable; any number of threads may read it. The mapping lives as
/// long as the object (snapshots keep it).
///
/// Memory (resident, beyond the page cache): the model (`IndexStatistics.sizeInBytes`:
/// e.g. 56 bytes per PGM segment, 16 per RMI leaf), 1 bit per 512 entries and 1 bit
/// per 4 KiB of values.
final class RunFile {
    let path: String
    let descriptor: RunDescriptor
    private let mapping: UnsafeMutableRawPointer
    private let mappingLength: Int
    let footer: RunFooter
    let keys: UnsafePointer<Int64>
    let metas: UnsafePointer<UInt64>
    let offsets: UnsafePointer<UInt64>
    let heap: UnsafeRawPointer
    let count: Int
    let model: IndexModel
    private let heapLength: UInt64
    private let hasTombstones: Bool
    /// The size of every value when all have one size (checked at open), else -1: then a
    /// value's place is computed from its position, without reading the offsets column.
    private let fixedValueSize: Int
    /// The same columns as a trivial value (reads and scans go through it).
    let columns: RunColumns
    /// The heap's block checksums and verified-block bitmap (version 3 runs; nil before).
    let blockChecks: HeapBlockChecks?
    /// The key, meta and offsets columns' block checks (every block preverified before version 4).
    let columnChecks: ColumnBlockChecks
    /// `columnChecks.verified`, held here so that a lookup tests it without touching that object.
    private let verifiedEntryBlocks: UnsafeMutablePointer<UInt64>
    /// The run's key filter once the background worker has built it (`buildFilter`).
    /// Allocated last in `init`, so that an open that fails leaks nothing (`deinit`,
    /// which frees it, does not run then).
    let filterCell: RunFilterCell
    /// The run's range tombstones (version 5, when flagged), read and checked at open:
    /// they hide keys of older runs (never this run's own entries).
    let rangeTombstones: RangeTombstoneList?
    /// Set when compaction retired this run: the file is removed when the last reader lets go.
    var removeWhenReleased = false

    /// Maps and checks run `descriptor`. `justWritten`: this process's `RunWriter` has just
    /// computed the section checksums from the same bytes, so they are not re-read.
    init(directory: String, descriptor: RunDescriptor, windowSearch: WindowSearch, justWritten: Bool = false) throws(OmenError) {
        let name = RunFormat.fileName(descriptor.number)
        path = directory + "/" + name
        self.descriptor = descriptor
        let file = try PosixFile.open(path, O_RDONLY)
        let size = try file.size()
        guard size >= RunFormat.headerSize + RunFormat.footerSize else {
            throw OmenError(.corruption, "\(path): run file truncated to \(size) bytes at offset \(size)")
        }
        guard UInt64(size) == descriptor.fileSize else {
            throw OmenError(.corruption, "\(path): run file is \(size) bytes, the manifest says \(descriptor.fileSize), at offset \(min(size, Int(clamping: descriptor.fileSize)))")
        }
        guard let pointer = mmap(nil, size, PROT_READ, MAP_SHARED, file.descriptor, 0), pointer != MAP_FAILED else {
            throw ioError("mmap", path)
        }
        mapping = pointer
        mappingLength = size
        do throws(OmenError) {
            let footer = try RunFooter.decode(pointer + size - RunFormat.footerSize, fileOffset: size - RunFormat.footerSize, fileName: path)
            let tombstones = try Self.loadRangeTombstones(footer, base: pointer, size: size, path: path)
            try Self.checkLayout(footer, size: size, descriptor: descriptor, path: path,
                                 tail: tombstones.isEmpty ? 0 : tombstones.count * RunFormat.rangeTombstoneEntrySize + RunFormat.rangeTombstoneTrailerSize)
            rangeTombstones = tombstones.isEmpty ? nil : RangeTombstoneList(tombstones)
            self.footer = footer
            count = Int(footer.count)
            keys = UnsafeRawPointer(pointer + Int(footer.keysOffset)).assumingMemoryBound(to: Int64.self)
            metas = UnsafeRawPointer(pointer + Int(footer.metaOffset)).assumingMemoryBound(to: UInt64.self)
            offsets = UnsafeRawPointer(pointer + Int(footer.offsetsOffset)).assumingMemoryBound(to: UInt64.self)
            // Equal-size values: stated by the footer (the offsets column is then omitted),
            // or found by one pass over a stored offsets column (version 1 runs); the column
            // is then fully determined (and just checked), reads never use it, and verify
            // still checks its CRC.
            let heapChecksOffset = Int(footer.modelOffset + footer.modelLength)
            fixedValueSize = footer.hasEqualValueSizes ? Int(footer.heapLength / footer.count)
                : footer.hasColumnBlockChecksums ? -1 : Self.fixedValueSize(offsets, count: count, heapLength: footer.heapLength)
            if footer.hasColumnBlockChecksums {
                try Self.checkHeader(footer, base: pointer, path: path)
                columnChecks = ColumnBlockChecks(footer: footer, base: pointer,
                                                 sectionOffset: heapChecksOffset + footer.heapBlockChecksumsLength,
                                                 preverified: justWritten, path: path)
            } else {
                if !justWritten {
                    try Self.checkSections(footer, base: pointer, path: path, includingHeap: false,
                                           includingOffsets: fixedValueSize < 0)
                    try Self.checkBlockChecksums(footer, base: pointer, offset: heapChecksOffset, path: path)
                }
                columnChecks = ColumnBlockChecks(preverifiedCount: count, path: path)
            }
            verifiedEntryBlocks = columnChecks.verified
            heap = UnsafeRawPointer(pointer + Int(footer.heapOffset))
            heapLength = footer.heapLength
            hasTombstones = footer.tombstoneCount != 0
            try Self.checkColumns(keys: keys, offsets: offsets, count: count, footer: footer, path: path, everyEntry: false)
            model = footer.hasColumnBlockChecksums
                ? try Self.loadModel(footer, base: pointer, keys: keys, count: count, windowSearch: windowSearch, path: path)
                : try RunModelCoding.decode(pointer + Int(footer.modelOffset), length: Int(footer.modelLength),
                                            keys: keys, count: count, windowSearch: windowSearch,
                                            fileOffset: Int(footer.modelOffset), fileName: path)
            blockChecks = footer.hasHeapBlockChecksums
                ? HeapBlockChecks(heap: heap, heapLength: Int(heapLength), heapOffset: Int(footer.heapOffset),
                                   checksums: UnsafeRawPointer(pointer + heapChecksOffset), checksumsOffset: heapChecksOffset, path: path,
                                   sectionCheckedAtOpen: !footer.hasColumnBlockChecksums, columns: columnChecks)
                : nil
            columns = RunColumns(keys: keys, metas: metas, offsets: offsets, heap: heap, heapLength: heapLength,
                                 count: count, hasTombstones: hasTombstones, fixedValueSize: fixedValueSize,
                                 verifiedBlocks: blockChecks?.scanVerified, verifiedColumns: columnChecks.allVerified)
            filterCell = RunFilterCell()
        } catch {
            munmap(pointer, size)
            throw error
        }
    }

    /// Loads a version 4 run's model (`IndexFormat`, any array kind) over the mapped keys.
    /// The key column is not read here: its blocks are checked on first touch, and the
    /// model's structure keeps every lookup inside the column regardless.
    private static func loadModel(_ footer: RunFooter, base: UnsafeMutableRawPointer, keys: UnsafePointer<Int64>, count: Int,
                                  windowSearch: WindowSearch, path: String) throws(OmenError) -> IndexModel {
        let bytes = UnsafeRawBufferPointer(start: base + Int(footer.modelOffset), count: Int(footer.modelLength))
        let where_ = "model section at offset \(footer.modelOffset), \(footer.modelLength) bytes"
        let loaded: IndexLoader.Loaded
        do throws(OmenError) {
            loaded = try IndexLoader.load(bytes, keys: UnsafeBufferPointer(start: keys, count: count),
                                          keysCheckedByCaller: true, windowSearch: windowSearch)
        } catch {
            // A model over other keys (e.g. a damaged fingerprint field) is damage here, not a caller's mistake.
            throw OmenError(error.code == .invalidArgument ? .corruption : error.code, "\(path): \(where_): \(error.message)")
        }
        guard loaded.model.kind != .alex else {
            throw OmenError(.corruption, "\(path): \(where_): an ALEX model, which runs never hold")
        }
        return loaded.model
    }

    /// Version 4: the header's CRC-32C and magic (32 bytes; the other sections are checked
    /// block by block on first touch, and whole by `verify`).
    private static func checkHeader(_ footer: RunFooter, base: UnsafeMutableRawPointer, path: String) throws(OmenError) {
        guard CRC32C.update(0, base, RunFormat.headerSize) == footer.headerCRC else {
            throw OmenError(.corruption, "\(path): header section checksum mismatch (section at offset 0, \(RunFormat.headerSize) bytes)")
        }
        guard base.loadUnaligned(as: UInt64.self).littleEndian == RunFormat.magic else {
            throw OmenError(.corruption, "\(path): bad run header magic at offset 0")
        }
    }

    deinit {
        filterCell.deallocate()
        munmap(mapping, mappingLength)
        if removeWhenReleased { try? FileSystem.remove(path) }
    }

    /// Reads and checks the range tombstones section (version 5, flagged): its trailer's
    /// count and CRC-32C, and that the tombstones are sorted, disjoint and well formed.
    private static func loadRangeTombstones(_ footer: RunFooter, base: UnsafeMutableRawPointer, size: Int,
                                            path: String) throws(OmenError) -> [RangeTombstone] {
        guard footer.hasRangeTombstones else { return [] }
        let footerStart = size - RunFormat.footerSize
        let trailer = footerStart - RunFormat.rangeTombstoneTrailerSize
        guard trailer >= RunFormat.headerSize else {
            throw OmenError(.corruption, "\(path): range tombstones section does not fit before the footer at offset \(footerStart)")
        }
        let count = (base + trailer).loadUnaligned(as: UInt64.self).littleEndian
        let entries = UInt64(RunFormat.rangeTombstoneEntrySize)
        guard count > 0, count <= UInt64(trailer - RunFormat.headerSize) / entries else {
            throw OmenError(.corruption, "\(path): implausible range tombstone count \(count) at offset \(trailer)")
        }
        let start = trailer - Int(count * entries)
        let stored = (base + trailer + 8).loadUnaligned(as: UInt32.self).littleEndian
        guard CRC32C.update(0, base + start, Int(count * entries) + 8) == stored else {
            throw OmenError(.corruption, "\(path): range tombstones section checksum mismatch (section at offset \(start), \(Int(count * entries) + 16) bytes)")
        }
        var reader = StorageByteReader(base + start, count: Int(count * entries), fileOffset: start, fileName: path)
        var tombstones: [RangeTombstone] = []
        for _ in 0..<count {
            let t = RangeTombstone(first: try reader.read(Int64.self), last: try reader.read(Int64.self),
                                   sequence: try reader.read(UInt64.self))
            guard t.first <= t.last, t.sequence <= footer.largestSequence,
                  tombstones.last.map({ $0.last < t.first }) ?? true else {
                throw reader.corruption("range tombstone \(t.first)...\(t.last) out of order or malformed")
            }
            tombstones.append(t)
        }
        return tombstones
    }

    private static func checkLayout(_ footer: RunFooter, size: Int, descriptor: RunDescriptor, path: String,
                                    tail: Int) throws(OmenError) {
        let n = footer.count
        // The range tombstones section (checked already) sits between the block checksums and the footer.
        let footerStart = UInt64(size - RunFormat.footerSize - tail)
        func section(_ offset: UInt64, _ length: UInt64, _ name: String) throws(OmenError) {
            guard offset % 8 == 0 || name == "heap", offset <= footerStart, length <= footerStart - offset else {
                throw OmenError(.corruption, "\(path): \(name) section [\(offset), +\(length)) lies outside the file, footer at offset \(footerStart)")
            }
        }
        guard n < (1 << 56) else { throw OmenError(.corruption, "\(path): implausible key count \(n) in footer at offset \(footerStart)") }
        try section(footer.heapOffset, footer.heapLength, "heap")
        try section(footer.keysOffset, 8 * n, "keys")
        try section(footer.metaOffset, footer.metaLength, "meta")
        try section(footer.offsetsOffset, footer.offsetsLength, "offsets")
        try section(footer.modelOffset, footer.modelLength, "model")
        // Version 3: the heap block checksums fill the space between the model and the footer;
        // version 4: they and the column block checksums do.
        let blockChecksLength = UInt64(footer.heapBlockChecksumsLength + footer.columnBlockChecksumsLength)
        guard !footer.hasHeapBlockChecksums || (blockChecksLength <= footerStart
                && footer.modelOffset + footer.modelLength == footerStart - blockChecksLength) else {
            throw OmenError(.corruption, "\(path): block checksums (\(blockChecksLength) bytes) do not fit between the model and the footer (or range tombstones) at offset \(footerStart)")
        }
        guard n == descriptor.count, footer.minimumKey == descriptor.minimumKey, footer.maximumKey == descriptor.maximumKey,
              footer.largestSequence == descriptor.largestSequence else {
            throw OmenError(.corruption, "\(path): footer (at offset \(footerStart)) disagrees with the manifest")
        }
    }

    /// Checks the sections' CRC-32Cs; the value heap (the bulk of the file) only when
    /// `includingHeap` (verify), so opening reads O(keys), not O(bytes). Version 4 stores
    /// no whole-column CRCs (its column block checksums cover the columns).
    private static func checkSections(_ footer: RunFooter, base: UnsafeMutableRawPointer, path: String,
                                      includingHeap: Bool, includingOffsets: Bool = true) throws(OmenError) {
        let n = Int(footer.count)
        let sections: [(String, UInt64, Int, UInt32)] = [
            ("header", 0, RunFormat.headerSize, footer.headerCRC),
            ("heap", footer.heapOffset, Int(footer.heapLength), footer.heapCRC),
            ("keys", footer.keysOffset, 8 * n, footer.keysCRC),
            ("meta", footer.metaOffset, Int(footer.metaLength), footer.metaCRC),
            ("offsets", footer.offsetsOffset, Int(footer.offsetsLength), footer.offsetsCRC),
            ("model", footer.modelOffset, Int(footer.modelLength), footer.modelCRC),
        ]
        let columnsByBlock = footer.hasColumnBlockChecksums
        for (name, offset, length, expected) in sections
        where (includingHeap || name != "heap") && (includingOffsets || name != "offsets")
            && !(columnsByBlock && ["keys", "meta", "offsets"].contains(name)) {
            let actual = CRC32C.update(0, base + Int(offset), length)
            guard actual == expected else {
                throw OmenError(.corruption, "\(path): \(name) section checksum mismatch (section at offset \(offset), \(length) bytes)")
            }
        }
        let magic = base.loadUnaligned(as: UInt64.self).littleEndian
        guard magic == RunFormat.magic else { throw OmenError(.corruption, "\(path): bad run header magic at offset 0") }
    }

    /// Checks the heap block checksums section's own CRC-32C (its last 4 bytes), so that a
    /// damaged entry is reported as such, not as damage of the heap block it guards.
    private static func checkBlockChecksums(_ footer: RunFooter, base: UnsafeMutableRawPointer, offset: Int,
                                            path: String) throws(OmenError) {
        guard footer.hasHeapBlockChecksums else { return }
        let entries = footer.heapBlockChecksumsLength - 4
        let stored = (base + offset + entries).loadUnaligned(as: UInt32.self).littleEndian
        guard CRC32C.update(0, base + offset, entries) == stored else {
            throw OmenError(.corruption, "\(path): heap block checksums section checksum mismatch (section at offset \(offset), \(entries + 4) bytes)")
        }
    }

    /// Checks that the offsets span the heap and the fences match the keys; with
    /// `everyEntry` (verify) also that offsets never decrease and keys strictly increase.
    /// (Both columns are checksummed at open; reads clamp offsets to the heap regardless.)
    private static func checkColumns(keys: UnsafePointer<Int64>, offsets: UnsafePointer<UInt64>, count: Int,
                                     footer: RunFooter, path: String, everyEntry: Bool) throws(OmenError) {
        let hasOffsets = !footer.hasEqualValueSizes
        guard !hasOffsets || (offsets[0] == 0 && offsets[count] == footer.heapLength) else {
            throw OmenError(.corruption, "\(path): value offsets do not span the heap (offsets at \(footer.offsetsOffset))")
        }
        for i in 0..<(everyEntry ? count : 0) {
            guard !hasOffsets || offsets[i] <= offsets[i + 1] else {
                throw OmenError(.corruption, "\(path): value offset \(i + 1) decreases at offset \(Int(footer.offsetsOffset) + 8 * (i + 1))")
            }
            if i > 0 && keys[i - 1] >= keys[i] {
                throw OmenError(.corruption, "\(path): keys not strictly increasing at position \(i), offset \(Int(footer.keysOffset) + 8 * i)")
            }
        }
        if count > 0 && (keys[0] != footer.minimumKey || keys[count - 1] != footer.maximumKey) {
            throw OmenError(.corruption, "\(path): key fences disagree with the keys column at offset \(footer.keysOffset)")
        }
    }

    /// The common size of all values when `offsets[i] == i * size` for every i, else -1.
    /// Stops at the first mismatch, so runs of mixed sizes pay little.
    private static func fixedValueSize(_ offsets: UnsafePointer<UInt64>, count: Int, heapLength: UInt64) -> Int {
        guard count > 0, heapLength % UInt64(count) == 0, heapLength / UInt64(count) <= UInt64(Int32.max) else { return -1 }
        let size = heapLength / UInt64(count)
        var expected: UInt64 = 0
        for i in 0...count {
            if offsets[i] != expected { return -1 }
            expected &+= size
        }
        return Int(size)
    }

    // MARK: Reads

    /// The position of the first key >= `key` (`count` if none).
    @inline(__always)
    func lowerBound(_ key: Int64) -> Int { model.lowerBound(key) }

    /// The position of `key`, or nil. Fences skip the model for keys outside the run.
    ///
    /// The model's window is prefetched (its key lines) together with what the value
    /// read will need, so that miss overlaps the search instead of following it: with
    /// equal-size values the window's value lines when they are at most
    /// `valuePrefetchLines`, else the value at the window's middle (which at least
    /// resolves the page's address translation); with mixed sizes the window's offsets.
    /// Measured by `bench/getpath/run.sh` (docs/performance.md, "Point reads").
    ///
    /// The answer depends on the entry block(s) of the keys it rests on — `keys[p] == key`
    /// (then `p`'s meta and offsets are read next), or, for an absent key, `keys[p - 1] <
    /// key < keys[p]` — so those blocks are checked first (on first touch; a bitmap test after).
    /// - Throws: `.corruption` naming the file and the damaged block's offset.
    @inline(__always)
    func position(of key: Int64) throws(OmenError) -> Int? {
        guard count > 0, key >= footer.minimumKey, key <= footer.maximumKey else { return nil }
        let window = model.prefetchWindow(key)
        if fixedValueSize > 0 {
            Self.prefetchSpan(heap + window.lo &* fixedValueSize, heap + window.hi &* fixedValueSize)
        } else if fixedValueSize < 0 {
            Self.prefetchSpan(UnsafeRawPointer(offsets + window.lo), UnsafeRawPointer(offsets + window.hi + 1))
        }
        let position = model.lowerBound(key, in: window)
        if position < count && keys[position] == key {
            if !ColumnBlockChecks.isVerified(verifiedEntryBlocks, position) { try columnChecks.check(position, position) }
            return position
        }
        try checkAbsence(of: key, at: position)
        return nil
    }

    /// The number of keys below `key` (the position of the first key >= `key`), after
    /// checking the entry blocks it rests on and that the keys there bracket `key`.
    /// - Throws: `.corruption` naming the file and the damaged block's offset.
    func rank(of key: Int64) throws(OmenError) -> Int {
        guard count > 0 else { return 0 }
        let position = model.lowerBound(key)
        let below = max(position - 1, 0), at = min(position, count - 1)
        try columnChecks.check(below, at)
        guard (position == 0 || keys[position - 1] < key) && (position == count || keys[position] >= key) else {
            throw OmenError(.corruption, "\(path): the model places key \(key) at position \(position), which the keys there do not bracket (model or keys column damaged near offset \(Int(footer.keysOffset) + 8 * at))")
        }
        return position
    }

    /// For a lookup that found no `key` at `position`: checks the entry blocks of
    /// `position - 1` and `position` and that those keys bracket `key` (which, with the
    /// keys genuine, proves the key absent whatever the search read elsewhere).
    @inline(__always)
    private func checkAbsence(of key: Int64, at position: Int) throws(OmenError) {
        let below = max(position - 1, 0), at = min(position, count - 1)
        if !ColumnBlockChecks.isVerified(verifiedEntryBlocks, below) || !ColumnBlockChecks.isVerified(verifiedEntryBlocks, at) {
            try columnChecks.check(below, at)
        }
        guard (position == 0 || keys[position - 1] < key) && (position == count || keys[position] > key) else {
            throw OmenError(.corruption, "\(path): the model places key \(key) at position \(position), which the keys there do not bracket (model or keys column damaged near offset \(Int(footer.keysOffset) + 8 * at))")
        }
    }

    /// Builds and publishes the run's key filter (background worker; at most one thread
    /// at a time): first checks every column block, so a filter never vouches for damaged
    /// keys. Returns quietly when `cancelled` turns true or a block is damaged (the reads
    /// that touch it report that).
    func buildFilter(cancelled: () -> Bool) {
        guard !filterCell.isBuilt, count > 0 else { return }
        do throws(OmenError) { try columnChecks.checkAll() } catch { return }
        _ = filterCell.build(keys, count: count, cancelled: cancelled)
    }

    /// The most value cache lines a point read prefetches (a window of 256 8-byte values).
    static let valuePrefetchLines: UInt = 32

    /// Prefetches the lines of `[start, end]` when they are at most `valuePrefetchLines`,
    /// else the line in the middle.
    @inline(__always)
    private static func prefetchSpan(_ start: UnsafeRawPointer, _ end: UnsafeRawPointer) {
        var line = UInt(bitPattern: start) & ~63
        let last = UInt(bitPattern: end) & ~63
        guard last &- line <= 64 &* valuePrefetchLines else {
            odb_prefetch(start + start.distance(to: end) / 2)
            return
        }
        while line <= last {
            odb_prefetch(UnsafeRawPointer(bitPattern: line).unsafelyUnwrapped)
            line &+= 64
        }
    }

    @inline(__always) func isTombstone(_ position: Int) -> Bool { columns.isTombstone(position) }
    @inline(__always)
    func sequence(_ position: Int) -> UInt64 { footer.hasUniformMeta ? footer.largestSequence : metas[position] >> 1 }

    /// The value at `position` (found by `position(of:)`, which checked its entry block),
    /// after checking the heap blocks it spans (on their first touch).
    /// - Throws: `.corruption` naming the file and the damaged block's offset.
    @inline(__always)
    func value(_ position: Int) throws(OmenError) -> UnsafeRawBufferPointer {
        let value = columns.uncheckedValue(position)
        if let blockChecks, !HeapBlockChecks.areVerified(value, heap: heap, bitmap: blockChecks.verified) {
            try blockChecks.checkHeap(value)
        }
        return value
    }

    /// Before compaction copies the run: checks every column block, and for runs without
    /// heap block checksums (versions 1 and 2) the whole heap's checksum, so that compaction
    /// never copies damaged bytes into a run whose checksums would then vouch for them.
    /// Version 3 and later reads check their heap blocks anyway.
    func checkBeforeCopy() throws(OmenError) {
        try columnChecks.checkAll()
        guard blockChecks == nil else { return }
        guard CRC32C.update(0, heap, Int(heapLength)) == footer.heapCRC else {
            throw OmenError(.corruption, "\(path): heap section checksum mismatch (section at offset \(footer.heapOffset), \(heapLength) bytes)")
        }
    }

    /// Full check for `verify`: every checksum, whether or not open or a read checked it
    /// (sections, column blocks and heap blocks, naming the first damaged block), the
    /// columns' order, and that the model finds every key at its position.
    /// `progress` moves from `start` to `start` + the file size: half after the checksums,
    /// the rest over the model check, every 64Ki keys.
    func verify(progress: ProgressMeter? = nil, start: UInt64 = 0) throws(OmenError) {
        let base = UnsafeMutableRawPointer(mutating: mapping)
        try Self.checkBlockChecksums(footer, base: base, offset: Int(footer.modelOffset + footer.modelLength), path: path)
        try columnChecks.verifyAll()
        try blockChecks?.verifyAll()
        try Self.checkSections(footer, base: base, path: path, includingHeap: true)
        try Self.checkColumns(keys: keys, offsets: offsets, count: count, footer: footer, path: path, everyEntry: true)
        let half = descriptor.fileSize / 2
        try progress?.advance(to: start + half)
        for i in 0..<count {
            if model.lowerBound(keys[i]) != i {
                throw OmenError(.corruption, "\(path): the model does not find key \(keys[i]) at position \(i) (model error bound violated)")
            }
            if i & 0xFFFF == 0xFFFF { try progress?.advance(to: start + half + (descriptor.fileSize - half) * UInt64(i) / UInt64(count)) }
        }
        try progress?.advance(to: start + descriptor.fileSize)
    }
}
