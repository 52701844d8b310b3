import COmenDBShim

/// A run's mapped columns as plain pointers: what a read needs per entry. A trivial
/// value, so scan loops can hold it without touching (retaining) the `RunFile`, which
/// must outlive it.
struct RunColumns {
    let keys: UnsafePointer<Int64>
    let metas: UnsafePointer<UInt64>
    let offsets: UnsafePointer<UInt64>
    let heap: UnsafeRawPointer
    let heapLength: UInt64
    let count: Int
    /// False when the footer counts no tombstone: the meta column is then not read.
    let hasTombstones: Bool
    /// The size of every value when all have one size, else -1: then a value's place is
    /// computed from its position, without reading the offsets column.
    let fixedValueSize: Int
    /// One bit per heap block whose checksum matched in this mapping, and (version 4)
    /// every column block of the run too (version 3 and later; nil before: their heap is
    /// checked by verify only). Owned by the run's `HeapBlockChecks`.
    let verifiedBlocks: UnsafeMutablePointer<UInt64>?
    /// Nonzero once every column block of the run matched (`ColumnBlockChecks.allVerified`;
    /// set from the start before version 4): what an empty value, which spans no heap
    /// block, needs before a scan hands it out.
    let verifiedColumns: UnsafeMutablePointer<UInt64>

    @inline(__always) func isTombstone(_ position: Int) -> Bool { hasTombstones && metas[position] & 1 != 0 }

    /// True when every heap block `value` (from `uncheckedValue`) spans has been verified,
    /// or the run has no block checksums: the bytes may be handed out. Otherwise the run's
    /// `HeapBlockChecks.check` must pass first. Reads shared state only (relaxed loads).
    @inline(__always)
    func isVerified(_ value: UnsafeRawBufferPointer) -> Bool {
        guard let verifiedBlocks else { return true }
        guard value.count > 0 else { return odb_shim_load_relaxed_u64(verifiedColumns) != 0 }
        return HeapBlockChecks.areVerified(value, heap: heap, bitmap: verifiedBlocks)
    }

    /// The value at `position`, not checked: hand it out only once `isVerified` (or the
    /// run's block check) passed — `RunFile.value` does both.
    @inline(__always)
    func uncheckedValue(_ position: Int) -> UnsafeRawBufferPointer {
        if fixedValueSize >= 0 {
            return UnsafeRawBufferPointer(start: heap + position &* fixedValueSize, count: fixedValueSize)
        }
        // Clamped to the heap: a damaged (yet checksum-passing) offset never reads outside it.
        let end = min(offsets[position + 1], heapLength)
        let start = min(offsets[position], end)
        return UnsafeRawBufferPointer(start: heap + Int(start), count: Int(end &- start))
    }
}
