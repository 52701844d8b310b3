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
    /// The heap's block checksums (version 3 runs; nil before: their heap is checked by verify only).
    let blockChecks: HeapBlockChecks?

    @inline(__always) func isTombstone(_ position: Int) -> Bool { hasTombstones && metas[position] & 1 != 0 }

    /// The value at `position`, after checking the heap blocks it spans (first touch only).
    /// - Throws: `.corruption` naming the file and the damaged block's offset.
    @inline(__always)
    func value(_ position: Int) throws(OmenError) -> UnsafeRawBufferPointer {
        let value = unchecked(position)
        if let blockChecks { try blockChecks.check(value) }
        return value
    }

    @inline(__always)
    private func unchecked(_ position: Int) -> UnsafeRawBufferPointer {
        if fixedValueSize >= 0 {
            return UnsafeRawBufferPointer(start: heap + position &* fixedValueSize, count: fixedValueSize)
        }
        // Clamped to the heap: a damaged (yet checksum-passing) offset never reads outside it.
        let end = min(offsets[position + 1], heapLength)
        let start = min(offsets[position], end)
        return UnsafeRawBufferPointer(start: heap + Int(start), count: Int(end &- start))
    }
}
