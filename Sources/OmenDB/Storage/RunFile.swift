import Glibc

/// An immutable, memory-mapped run file: sorted keys with a learned model over them,
/// per-key sequence/tombstone, and values read in place (zero-copy).
///
/// Opening checks the footer, every section's CRC-32C and the model's structure, and
/// loads the stored model without retraining. Thread safety: immutable; any number of
/// threads may read it. The mapping lives as long as the object (snapshots keep it).
///
/// Memory (resident, beyond the page cache): 56 bytes per model segment.
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
    let model: PGMIndex
    /// Set when compaction retired this run: the file is removed when the last reader lets go.
    var removeWhenReleased = false

    init(directory: String, descriptor: RunDescriptor, windowSearch: WindowSearch) throws(OmenError) {
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
            try Self.checkLayout(footer, size: size, descriptor: descriptor, path: path)
            try Self.checkSections(footer, base: pointer, path: path)
            self.footer = footer
            count = Int(footer.count)
            keys = UnsafeRawPointer(pointer + Int(footer.keysOffset)).assumingMemoryBound(to: Int64.self)
            metas = UnsafeRawPointer(pointer + Int(footer.metaOffset)).assumingMemoryBound(to: UInt64.self)
            offsets = UnsafeRawPointer(pointer + Int(footer.offsetsOffset)).assumingMemoryBound(to: UInt64.self)
            heap = UnsafeRawPointer(pointer + Int(footer.heapOffset))
            try Self.checkColumns(keys: keys, offsets: offsets, count: count, footer: footer, path: path)
            model = try RunModelCoding.decode(pointer + Int(footer.modelOffset), length: Int(footer.modelLength),
                                              keys: keys, count: count, windowSearch: windowSearch,
                                              fileOffset: Int(footer.modelOffset), fileName: path)
        } catch {
            munmap(pointer, size)
            throw error
        }
    }

    deinit {
        munmap(mapping, mappingLength)
        if removeWhenReleased { try? FileSystem.remove(path) }
    }

    private static func checkLayout(_ footer: RunFooter, size: Int, descriptor: RunDescriptor, path: String) throws(OmenError) {
        let n = footer.count
        let footerStart = UInt64(size - RunFormat.footerSize)
        func section(_ offset: UInt64, _ length: UInt64, _ name: String) throws(OmenError) {
            guard offset % 8 == 0 || name == "heap", offset <= footerStart, length <= footerStart - offset else {
                throw OmenError(.corruption, "\(path): \(name) section [\(offset), +\(length)) lies outside the file, footer at offset \(footerStart)")
            }
        }
        guard n < (1 << 56) else { throw OmenError(.corruption, "\(path): implausible key count \(n) in footer at offset \(footerStart)") }
        try section(footer.heapOffset, footer.heapLength, "heap")
        try section(footer.keysOffset, 8 * n, "keys")
        try section(footer.metaOffset, 8 * n, "meta")
        try section(footer.offsetsOffset, 8 * (n + 1), "offsets")
        try section(footer.modelOffset, footer.modelLength, "model")
        guard n == descriptor.count, footer.minimumKey == descriptor.minimumKey, footer.maximumKey == descriptor.maximumKey,
              footer.largestSequence == descriptor.largestSequence else {
            throw OmenError(.corruption, "\(path): footer (at offset \(footerStart)) disagrees with the manifest")
        }
    }

    private static func checkSections(_ footer: RunFooter, base: UnsafeMutableRawPointer, path: String) throws(OmenError) {
        let n = Int(footer.count)
        let sections: [(String, UInt64, Int, UInt32)] = [
            ("header", 0, RunFormat.headerSize, footer.headerCRC),
            ("heap", footer.heapOffset, Int(footer.heapLength), footer.heapCRC),
            ("keys", footer.keysOffset, 8 * n, footer.keysCRC),
            ("meta", footer.metaOffset, 8 * n, footer.metaCRC),
            ("offsets", footer.offsetsOffset, 8 * (n + 1), footer.offsetsCRC),
            ("model", footer.modelOffset, Int(footer.modelLength), footer.modelCRC),
        ]
        for (name, offset, length, expected) in sections {
            let actual = CRC32C.update(0, base + Int(offset), length)
            guard actual == expected else {
                throw OmenError(.corruption, "\(path): \(name) section checksum mismatch (section at offset \(offset), \(length) bytes)")
            }
        }
        let magic = base.loadUnaligned(as: UInt64.self).littleEndian
        guard magic == RunFormat.magic else { throw OmenError(.corruption, "\(path): bad run header magic at offset 0") }
    }

    private static func checkColumns(keys: UnsafePointer<Int64>, offsets: UnsafePointer<UInt64>, count: Int,
                                     footer: RunFooter, path: String) throws(OmenError) {
        guard offsets[0] == 0, offsets[count] == footer.heapLength else {
            throw OmenError(.corruption, "\(path): value offsets do not span the heap (offsets at \(footer.offsetsOffset))")
        }
        for i in 0..<count {
            guard offsets[i] <= offsets[i + 1] else {
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

    // MARK: Reads

    /// The position of the first key >= `key` (`count` if none).
    @inline(__always)
    func lowerBound(_ key: Int64) -> Int { model.lowerBound(key) }

    /// The position of `key`, or nil. Fences skip the model for keys outside the run.
    @inline(__always)
    func position(of key: Int64) -> Int? {
        guard count > 0, key >= footer.minimumKey, key <= footer.maximumKey else { return nil }
        let position = model.lowerBound(key)
        return position < count && keys[position] == key ? position : nil
    }

    @inline(__always) func isTombstone(_ position: Int) -> Bool { metas[position] & 1 != 0 }
    @inline(__always) func sequence(_ position: Int) -> UInt64 { metas[position] >> 1 }

    @inline(__always)
    func value(_ position: Int) -> UnsafeRawBufferPointer {
        let start = Int(offsets[position])
        return UnsafeRawBufferPointer(start: heap + start, count: Int(offsets[position + 1]) - start)
    }

    /// Full check for `verify`: checksums were checked at open; this re-checks them and
    /// that the model finds every key at its position within its error bounds.
    func verify() throws(OmenError) {
        let base = UnsafeMutableRawPointer(mutating: mapping)
        try Self.checkSections(footer, base: base, path: path)
        try Self.checkColumns(keys: keys, offsets: offsets, count: count, footer: footer, path: path)
        for i in 0..<count where model.lowerBound(keys[i]) != i {
            throw OmenError(.corruption, "\(path): the model does not find key \(keys[i]) at position \(i) (model error bound violated)")
        }
    }
}
