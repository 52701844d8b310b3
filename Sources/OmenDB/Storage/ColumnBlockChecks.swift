import COmenDBShim

/// Checks a run's key, meta and offsets columns before a read's answer depends on them
/// (run format version 4), so that opening a run reads none of them.
///
/// Each 4 KiB block of each stored column has a CRC-32C (`RunFormat.columnBlockShift`:
/// 512 entries of 8 bytes). Entry block `b` (entries `512b ..< 512b + 512`) is checked as
/// one unit — its key block, its meta block, and the offsets blocks `b` and `b + 1` (the
/// offsets that bound its values) — the first time a read needs one of its entries, and
/// remembered in a bitmap (one bit per 512 entries), so steady-state reads only test a bit
/// and write nothing shared. Runs of versions 1–3 have no column block checksums (their
/// columns are checked whole at open): every bit starts set.
///
/// The checksums section ends in the CRC-32C of its entries; it is checked only when a
/// block fails, so that damage to an entry is reported as such, not as damage of the
/// block it guards.
///
/// Thread safety: any number of threads may check at once (relaxed atomics; two readers
/// may both verify a block — harmless). Owned by its `RunFile`, whose mapping must outlive it.
///
/// Memory: 1 bit per 512 entries (resident).
final class ColumnBlockChecks {
    /// Bit `b` set: entry block `b`'s column blocks matched their checksums in this mapping.
    let verified: UnsafeMutablePointer<UInt64>
    let blockCount: Int
    private let words: Int
    /// Nonzero once every block has been verified (`checkAll`'s one-word shortcut; scans
    /// test it for empty values, which touch no heap block).
    let allVerified = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)
    private let columns: [Column]
    /// The stored checksums section (nil: the run has none, every block is verified).
    private let section: (base: UnsafeRawPointer, fileOffset: Int, entries: Int)?
    /// The run file's path (for messages).
    let path: String

    /// One stored column: where it is, how many 8-byte entries, where its CRCs start.
    private struct Column {
        var name: StaticString
        var base: UnsafeRawPointer
        var fileOffset: Int
        var entries: Int
        var checksums: UnsafeRawPointer
        /// The offsets column (one entry more than the run): entry block `b` also needs its block `b + 1`.
        var boundsNextBlock: Bool
    }

    /// Every bit set: the columns were checked some other way (older versions at open; a
    /// run this process just wrote).
    init(preverifiedCount count: Int, path: String) {
        self.path = path
        blockCount = RunFormat.columnBlockCount(count)
        words = max((blockCount + 63) / 64, 1)
        verified = .allocate(capacity: words)
        verified.initialize(repeating: ~0, count: words)
        allVerified.initialize(to: 1)
        columns = []
        section = nil
    }

    /// Checks for the stored columns of a version 4 run (`base`: the mapping). The
    /// checksums section at `sectionOffset` holds the keys' block CRCs, then the meta
    /// column's and the offsets column's when they are stored, then the CRC of those.
    /// `preverified`: this process's `RunWriter` just computed them from the same bytes
    /// (every bit starts set; `verifyAll` still checks every block).
    init(footer: RunFooter, base: UnsafeRawPointer, sectionOffset: Int, preverified: Bool, path: String) {
        self.path = path
        let count = Int(footer.count)
        blockCount = RunFormat.columnBlockCount(count)
        words = max((blockCount + 63) / 64, 1)
        verified = .allocate(capacity: words)
        verified.initialize(repeating: preverified ? ~0 : 0, count: words)
        allVerified.initialize(to: preverified ? 1 : 0)
        var columns: [Column] = []
        var next = base + sectionOffset
        func add(_ name: StaticString, _ offset: UInt64, _ entries: Int) {
            columns.append(Column(name: name, base: base + Int(offset), fileOffset: Int(offset), entries: entries,
                                  checksums: next, boundsNextBlock: entries > count))
            next += 4 * RunFormat.columnBlockCount(entries)
        }
        add("keys", footer.keysOffset, count)
        if !footer.hasUniformMeta { add("meta", footer.metaOffset, count) }
        if !footer.hasEqualValueSizes { add("offsets", footer.offsetsOffset, count + 1) }
        self.columns = columns
        section = (base + sectionOffset, sectionOffset, (base + sectionOffset).distance(to: next))
    }

    deinit {
        verified.deallocate()
        allVerified.deallocate()
    }

    /// True when entry `position`'s block has been verified: the read path's test.
    @inline(__always)
    static func isVerified(_ bitmap: UnsafeMutablePointer<UInt64>, _ position: Int) -> Bool {
        let block = position >> RunFormat.columnBlockShift
        return odb_shim_load_relaxed_u64(bitmap + (block >> 6)) & (1 << UInt64(block & 63)) != 0
    }

    /// Checks the blocks of entries `first...last` not yet verified (the slow path behind
    /// `isVerified`). - Throws: `.corruption` naming the file, column and offset.
    @inline(never)
    func check(_ first: Int, _ last: Int) throws(OmenError) {
        var block = first >> RunFormat.columnBlockShift
        while block <= last >> RunFormat.columnBlockShift && block < blockCount {
            if odb_shim_load_relaxed_u64(verified + (block >> 6)) & (1 << UInt64(block & 63)) == 0 { try verify(block) }
            block += 1
        }
    }

    /// Checks every block, whether or not a read already did (verify).
    func verifyAll() throws(OmenError) {
        for block in 0..<blockCount { try verify(block) }
        if let section { try checkSection(section) }
        odb_shim_fetch_or_relaxed_u64(allVerified, 1)
    }

    /// Checks every block not yet verified, once per mapping: for readers that do not say
    /// which entries they read (scans, until they check per range; compaction).
    func checkAll() throws(OmenError) {
        guard odb_shim_load_relaxed_u64(allVerified) == 0 else { return }
        try check(0, max(blockCount << RunFormat.columnBlockShift, 1) - 1)
        odb_shim_fetch_or_relaxed_u64(allVerified, 1)
    }

    /// Checksums entry block `block`'s column blocks and marks it verified, or throws.
    private func verify(_ block: Int) throws(OmenError) {
        guard let section else { return }
        for column in columns {
            for b in block...(column.boundsNextBlock ? block + 1 : block) where b < RunFormat.columnBlockCount(column.entries) {
                let start = b << RunFormat.columnBlockShift
                let length = 8 * (min(column.entries, start + (1 << RunFormat.columnBlockShift)) - start)
                let stored = column.checksums.loadUnaligned(fromByteOffset: 4 * b, as: UInt32.self).littleEndian
                guard CRC32C.update(0, column.base + 8 * start, length) == stored else {
                    try checkSection(section)
                    throw OmenError(.corruption, "\(path): \(column.name) column block \(b) checksum mismatch at offset \(column.fileOffset + 8 * start) (\(length) bytes)")
                }
            }
        }
        odb_shim_fetch_or_relaxed_u64(verified + (block >> 6), 1 << UInt64(block & 63))
    }

    /// The checksums section's own CRC-32C (its last 4 bytes).
    private func checkSection(_ section: (base: UnsafeRawPointer, fileOffset: Int, entries: Int)) throws(OmenError) {
        let stored = (section.base + section.entries).loadUnaligned(as: UInt32.self).littleEndian
        guard CRC32C.update(0, section.base, section.entries) == stored else {
            throw OmenError(.corruption, "\(path): column block checksums section checksum mismatch (section at offset \(section.fileOffset), \(section.entries + 4) bytes)")
        }
    }
}
