import COmenDBShim

/// Checks a run's value bytes before a read hands them out (run format version 3):
/// each `RunFormat.heapBlockSize` block of the value heap has a stored CRC-32C, checked
/// the first time a read touches the block in this mapping and remembered in a bitmap
/// (one bit per block), so steady-state reads only test a bit and write nothing shared.
///
/// Point reads test `verified` (`RunFile.value`) and call `checkHeap` on a miss. Scans
/// test `scanVerified` through `RunColumns.isVerified` (a copy of the bitmap's pointer, so
/// hot loops never touch this object) and call `check` on a miss, which also checks the
/// run's key, meta and offsets columns (`ColumnBlockChecks.checkAll`, once per mapping)
/// before the first value of a scan is handed out: scans read keys without saying which.
///
/// The checksums section ends in the CRC-32C of its entries. Version 3 checks it at open;
/// version 4 only when a block fails, to report a damaged entry as such.
///
/// Thread safety: any number of threads may check at once. Bits are read and set with
/// relaxed atomics; two readers may both verify a block before either sets its bit
/// (harmless: the same bytes give the same answer). Owned by its `RunFile`, whose
/// mapping must outlive it.
///
/// Memory: 2 bits per 4 KiB of values (resident).
final class HeapBlockChecks {
    let heap: UnsafeRawPointer
    let heapLength: Int
    /// Where the heap starts in the file (for messages).
    let heapOffset: Int
    /// The stored checksums: `blockCount` little-endian UInt32s, in the mapping.
    let checksums: UnsafeRawPointer
    /// Where the checksums section starts in the file (for messages).
    private let checksumsOffset: Int
    let blockCount: Int
    /// Bit `b` set: block `b` matched its checksum in this mapping.
    let verified: UnsafeMutablePointer<UInt64>
    /// Bit `b` set: as `verified`, and every column block of the run matched too (scans).
    let scanVerified: UnsafeMutablePointer<UInt64>
    private let columns: ColumnBlockChecks
    /// The section's own CRC was checked at open (version 3), not only on a failure.
    private let sectionCheckedAtOpen: Bool
    /// The run file's path (for messages).
    let path: String

    init(heap: UnsafeRawPointer, heapLength: Int, heapOffset: Int, checksums: UnsafeRawPointer, checksumsOffset: Int,
         path: String, sectionCheckedAtOpen: Bool, columns: ColumnBlockChecks) {
        self.checksumsOffset = checksumsOffset
        self.heap = heap
        self.heapLength = heapLength
        self.heapOffset = heapOffset
        self.checksums = checksums
        self.path = path
        self.sectionCheckedAtOpen = sectionCheckedAtOpen
        self.columns = columns
        blockCount = RunFormat.heapBlockCount(UInt64(heapLength))
        let words = max((blockCount + 63) / 64, 1)
        verified = .allocate(capacity: words)
        verified.initialize(repeating: 0, count: words)
        scanVerified = .allocate(capacity: words)
        scanVerified.initialize(repeating: 0, count: words)
    }

    deinit {
        verified.deallocate()
        scanVerified.deallocate()
    }

    /// True when every block that `value` (a non-empty range of the heap at `heap`) spans
    /// has its bit set in `bitmap`: the read path's test (one relaxed load per block).
    @inline(__always)
    static func areVerified(_ value: UnsafeRawBufferPointer, heap: UnsafeRawPointer, bitmap: UnsafeMutablePointer<UInt64>) -> Bool {
        let start = heap.distance(to: value.baseAddress!)
        var block = start >> RunFormat.heapBlockShift
        let last = (start &+ value.count &- 1) >> RunFormat.heapBlockShift
        while true {
            if odb_shim_load_relaxed_u64(bitmap + (block >> 6)) & (1 << UInt64(block & 63)) == 0 { return false }
            if block == last { return true }
            block &+= 1
        }
    }

    /// A scan's slow path behind `RunColumns.isVerified`: checks the run's columns (once
    /// per mapping) and the blocks `value` (a range of the heap) spans, and marks them for scans.
    /// - Throws: `.corruption` naming the file and offset of the first damaged block.
    @inline(never)
    func check(_ value: UnsafeRawBufferPointer) throws(OmenError) {
        try columns.checkAll()
        try checkHeap(value)
        forEachBlock(value) { block in odb_shim_fetch_or_relaxed_u64(scanVerified + (block >> 6), 1 << UInt64(block & 63)) }
    }

    /// A point read's slow path: checks the blocks `value` spans that are not yet verified.
    /// - Throws: `.corruption` naming the file and offset of the first damaged block.
    @inline(never)
    func checkHeap(_ value: UnsafeRawBufferPointer) throws(OmenError) {
        try forEachBlock(value) { (block) throws(OmenError) in
            if odb_shim_load_relaxed_u64(verified + (block >> 6)) & (1 << UInt64(block & 63)) == 0 {
                try verify(block)
            }
        }
    }

    private func forEachBlock<E>(_ value: UnsafeRawBufferPointer, _ body: (Int) throws(E) -> Void) throws(E) {
        guard value.count > 0 else { return }
        let start = heap.distance(to: value.baseAddress!)
        var block = start >> RunFormat.heapBlockShift
        let last = (start &+ value.count &- 1) >> RunFormat.heapBlockShift
        while block <= last {
            try body(block)
            block &+= 1
        }
    }

    /// Checksums block `block` and marks it verified, or throws `.corruption`.
    func verify(_ block: Int) throws(OmenError) {
        let offset = block << RunFormat.heapBlockShift
        let length = min(RunFormat.heapBlockSize, heapLength - offset)
        let stored = checksums.loadUnaligned(fromByteOffset: 4 * block, as: UInt32.self).littleEndian
        guard CRC32C.update(0, heap + offset, length) == stored else {
            if !sectionCheckedAtOpen { try checkSection() }
            throw OmenError(.corruption, "\(path): value heap block \(block) checksum mismatch at offset \(heapOffset + offset) (\(length) bytes)")
        }
        odb_shim_fetch_or_relaxed_u64(verified + (block >> 6), 1 << UInt64(block & 63))
    }

    /// Checks every block (verify), whether or not a read already did.
    func verifyAll() throws(OmenError) {
        for block in 0..<blockCount { try verify(block) }
    }

    /// The checksums section's own CRC-32C (its last 4 bytes).
    private func checkSection() throws(OmenError) {
        let entries = 4 * blockCount
        let stored = checksums.loadUnaligned(fromByteOffset: entries, as: UInt32.self).littleEndian
        guard CRC32C.update(0, checksums, entries) == stored else {
            throw OmenError(.corruption, "\(path): heap block checksums section checksum mismatch (section at offset \(checksumsOffset), \(entries + 4) bytes)")
        }
    }
}
