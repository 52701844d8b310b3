import Glibc
import Synchronization

/// One writer, many lock-free readers (maps made with `init(concurrentReads: true)`).
///
/// Readers write nothing: they read the tree optimistically and validate what they
/// read against version counters the writer bumps around its changes (a seqlock per
/// data node plus one for the tree's shape):
///
/// - `structureVersion` is odd while the writer splits, expands or grows nodes. A
///   reader loads it first (even), and re-checks it after reading each inner node's
///   routing fields and before following the child pointer they give, and after its
///   data-node search; any change restarts the lookup.
/// - A data node's `version` is odd while the writer inserts or replaces in it. A
///   reader copies the node's `ALEXSlots` (arrays, capacity, model), checks the
///   version and shape, searches the copy, and checks them again.
///
/// Memory safety does not depend on the checks: memory the tree stops using (old
/// arrays, replaced nodes) goes to the graveyard and is freed only once every reader
/// that might hold it has left its read section (reader epochs; callers read inside
/// one), so a reader racing with the writer reads stale but valid memory, within the
/// bounds of the copy it validated, and retries. A lookup retries only when the writer touched
/// its own data node (or the shape) during the lookup's few hundred nanoseconds.
///
/// Under ThreadSanitizer these reads are data races by design; Tests/tsan.supp
/// suppresses exactly the functions named `optimistic*`.
extension ALEXMap {
    /// Runs a writer change of `node`'s contents with its version odd.
    @inline(__always)
    func changing(_ node: ALEXDataNode, _ body: () -> Void) {
        guard concurrentReads else { body(); return }
        Self.bracket(node.version, body)
    }

    /// Runs a writer change of the tree's shape with the structure version odd, then
    /// seals what it buried (freed once no reader can hold it).
    @inline(__always)
    func changingStructure(_ body: () -> Void) {
        guard concurrentReads else { body(); return }
        Self.bracket(structureVersion, body)
        graveyard.unsafelyUnwrapped.seal()
    }

    /// The seqlock writer: version odd, a release fence so no change below is seen
    /// before the odd value, the change, then the next even value with release. Only
    /// the one writer stores to a version, so plain stores do (no read-modify-write).
    @inline(__always)
    private static func bracket(_ version: borrowing Atomic<UInt64>, _ body: () -> Void) {
        let even = version.load(ordering: .relaxed)
        version.store(even &+ 1, ordering: .relaxed)
        atomicMemoryFence(ordering: .releasing)
        body()
        version.store(even &+ 2, ordering: .releasing)
    }

    /// The payload stored under `key`, or nil; safe while one writer changes the map.
    @inline(__always)
    func optimisticFind(_ key: Int64) -> UInt64? {
        let u = ALEXKeySpace.unsigned(key)
        var attempts = 0
        while true {
            let shape = structureVersion.load(ordering: .acquiring)
            if shape & 1 == 0, let leaf = optimisticLeaf(u, shape) {
                let found: (valid: Bool, payload: UInt64?) = leaf._withUnsafeGuaranteedRef { node in
                    let version = node.version.load(ordering: .acquiring)
                    guard version & 1 == 0, let slots = optimisticSlots(node, version, shape) else { return (false, nil) }
                    let payload = slots.slot(of: key).map { slots.payloads[$0] }
                    return (optimisticStillValid(node, version, shape), payload)
                }
                if found.valid { return found.payload }
            }
            backOff(&attempts)
        }
    }

    /// Copies up to `limit` entries in key order, starting at the first key >= `key`
    /// (forward) or the last key <= `key` (backward); returns how many. Safe while one
    /// writer changes the map: the copy is consistent with one moment of the map.
    func optimisticCollect(from key: Int64, forward: Bool, limit: Int,
                           keys: UnsafeMutablePointer<Int64>, payloads: UnsafeMutablePointer<UInt64>) -> Int {
        precondition(limit > 0)
        let u = ALEXKeySpace.unsigned(key)
        var attempts = 0
        retry: while true {
            let shape = structureVersion.load(ordering: .acquiring)
            guard shape & 1 == 0, var leaf = optimisticLeaf(u, shape) else { backOff(&attempts); continue }
            var copied = 0
            var first = true
            while true {
                let step: (valid: Bool, next: Unmanaged<ALEXDataNode>?) = leaf._withUnsafeGuaranteedRef { node in
                    let version = node.version.load(ordering: .acquiring)
                    guard version & 1 == 0, let slots = optimisticSlots(node, version, shape) else { return (false, nil) }
                    var slot: Int
                    if first {
                        slot = forward ? slots.firstSlot(atLeast: key) : slots.lastSlot(atMost: key)
                    } else {
                        slot = forward ? slots.nextOccupied(from: 0) : slots.previousOccupied(from: slots.capacity - 1)
                    }
                    while slot >= 0 && slot < slots.capacity && copied < limit {
                        keys[copied] = slots.keys[slot]
                        payloads[copied] = slots.payloads[slot]
                        copied += 1
                        slot = forward ? slots.nextOccupied(from: slot + 1) : slots.previousOccupied(from: slot - 1)
                    }
                    let neighbour = forward ? node.next : node.previous
                    let next = neighbour.map { Unmanaged.passUnretained($0) }
                    return (optimisticStillValid(node, version, shape), next)
                }
                guard step.valid else { backOff(&attempts); continue retry }
                guard copied < limit, let next = step.next else { return copied }
                leaf = next
                first = false
            }
        }
    }

    /// The data node for `u` at shape version `shape`, or nil when the shape changed.
    @inline(__always)
    private func optimisticLeaf(_ u: UInt64, _ shape: UInt64) -> Unmanaged<ALEXDataNode>? {
        let rootBits = rootAddress.load(ordering: .acquiring)
        var node = Unmanaged<ALEXNode>.fromOpaque(UnsafeRawPointer(bitPattern: rootBits).unsafelyUnwrapped)
        while true {
            let slot: UnsafeRawPointer? = node._withUnsafeGuaranteedRef { current in
                current.isDataNode ? nil : unsafeDowncast(current, to: ALEXInnerNode.self).optimisticChildSlot(for: u)
            }
            guard let slot else { return unsafeBitCast(node, to: Unmanaged<ALEXDataNode>.self) }
            // The slot address came from fields the writer may be changing: follow it
            // only if the shape did not change since `shape` was read.
            atomicMemoryFence(ordering: .acquiring)
            guard structureVersion.load(ordering: .relaxed) == shape else { return nil }
            node = slot.load(as: Unmanaged<ALEXNode>.self)
        }
    }

    /// `node`'s slots, if still consistent with `version` and `shape` after copying.
    @inline(__always)
    private func optimisticSlots(_ node: ALEXDataNode, _ version: UInt64, _ shape: UInt64) -> ALEXSlots? {
        let slots = node.slots
        return optimisticStillValid(node, version, shape) ? slots : nil
    }

    @inline(__always)
    private func optimisticStillValid(_ node: ALEXDataNode, _ version: UInt64, _ shape: UInt64) -> Bool {
        atomicMemoryFence(ordering: .acquiring)
        return node.version.load(ordering: .relaxed) == version && structureVersion.load(ordering: .relaxed) == shape
    }

    /// After a few quick retries, yields the CPU: a long structural change (a split
    /// of a big node) must not be starved by spinning readers on a busy machine.
    @inline(__always)
    private func backOff(_ attempts: inout Int) {
        attempts &+= 1
        if attempts > 8 { sched_yield() }
    }
}
