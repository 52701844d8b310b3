import COmenDBShim
import Glibc

/// Checks a run's value bytes before a read hands them out (run format version 3):
/// each `RunFormat.heapBlockSize` block of the value heap has a stored CRC-32C, checked
/// the first time a read touches the block in this mapping and remembered in a bitmap
/// (one bit per block), so steady-state reads only test a bit and write nothing shared.
///
/// Thread safety: any number of threads may check at once. Bits are read and set with
/// relaxed atomics; two readers may both verify a block before either sets its bit
/// (harmless: the same bytes give the same answer). A trivial value (pointers only),
/// owned by its `RunFile`, which allocates it with `make` and frees it with `deallocate`.
///
/// Memory: 1 bit per 4 KiB of values (resident), plus the path.
struct HeapBlockChecks {
    let heap: UnsafeRawPointer
    let heapLength: Int
    /// Where the heap starts in the file (for messages).
    let heapOffset: Int
    /// The stored checksums: `blockCount` little-endian UInt32s, in the mapping.
    let checksums: UnsafeRawPointer
    let blockCount: Int
    /// Bit `b` set: block `b` matched its checksum in this mapping.
    let verified: UnsafeMutablePointer<UInt64>
    /// The run file's path (NUL-terminated, for messages).
    let path: UnsafeMutablePointer<CChar>

    static func make(heap: UnsafeRawPointer, heapLength: Int, heapOffset: Int, checksums: UnsafeRawPointer,
                     path: String) -> HeapBlockChecks {
        let blocks = RunFormat.heapBlockCount(UInt64(heapLength))
        let words = (blocks + 63) / 64
        let verified = UnsafeMutablePointer<UInt64>.allocate(capacity: max(words, 1))
        verified.initialize(repeating: 0, count: max(words, 1))
        return HeapBlockChecks(heap: heap, heapLength: heapLength, heapOffset: heapOffset, checksums: checksums,
                               blockCount: blocks, verified: verified, path: strdup(path)!)
    }

    func deallocate() {
        verified.deallocate()
        free(path)
    }

    /// Throws `.corruption` naming the file and offset of the first damaged block among
    /// those `value` (a range of the heap) spans; checks each block once per mapping.
    @inline(__always)
    func check(_ value: UnsafeRawBufferPointer) throws(OmenError) {
        guard value.count > 0 else { return }
        let start = heap.distance(to: value.baseAddress!)
        var block = start >> RunFormat.heapBlockShift
        let last = (start &+ value.count &- 1) >> RunFormat.heapBlockShift
        while block <= last {
            if odb_shim_load_relaxed_u64(verified + (block >> 6)) & (1 << UInt64(block & 63)) == 0 {
                try verify(block)
            }
            block &+= 1
        }
    }

    /// Checksums block `block` and marks it verified, or throws `.corruption`.
    @inline(never)
    func verify(_ block: Int) throws(OmenError) {
        let offset = block << RunFormat.heapBlockShift
        let length = min(RunFormat.heapBlockSize, heapLength - offset)
        let stored = checksums.loadUnaligned(fromByteOffset: 4 * block, as: UInt32.self).littleEndian
        guard CRC32C.update(0, heap + offset, length) == stored else {
            throw OmenError(.corruption, "\(String(cString: path)): value heap block \(block) checksum mismatch at offset \(heapOffset + offset) (\(length) bytes)")
        }
        odb_shim_fetch_or_relaxed_u64(verified + (block >> 6), 1 << UInt64(block & 63))
    }

    /// Checks every block (verify), whether or not a read already did.
    func verifyAll() throws(OmenError) {
        for block in 0..<blockCount { try verify(block) }
    }
}
