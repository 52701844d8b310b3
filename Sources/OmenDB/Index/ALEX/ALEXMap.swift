import Synchronization

/// An updatable learned ordered map from Int64 keys to UInt64 payloads (ALEX:
/// model-routed inner nodes, gapped-array data nodes with a presence bitmap,
/// exponential search from the prediction, cost-model-driven expand/split).
///
/// - Inner nodes route with a power-of-two-slope linear model and no search; a
///   child may own several consecutive slots.
/// - Data nodes are gapped arrays (see `ALEXDataNode` for the gap fill policy).
/// - A full data node expands (retrains with more slots) unless it is too large or
///   its observed insert cost drifted far above what its model promised; then it
///   splits sideways (into two children under the same parent, doubling the parent's
///   fanout first if the node owns a single slot) or, when the parent cannot grow,
///   downward (it becomes an inner node over its key range).
/// - Every inner node's model covers the keys it was built from; a key outside it
///   (inside the range its parent routes to it) expands the node in place (more
///   slots) or, past the fanout limit, adds a level above it — so appends and
///   prepends, Int64.min and Int64.max included, never deepen the tree one level per
///   data node.
/// - Removals leave gaps; a data node that becomes sparse shrinks, an underfull one
///   merges with a small sibling, and an inner node left with one child is replaced
///   by it.
///
/// Memory: about 16 bytes per slot (key + payload) at 70-80% occupancy plus a bit
/// per slot and the inner nodes' pointers; `sizeInBytes` reports the exact figure.
///
/// Not thread-safe: callers serialize access (lookups never modify the map, so a
/// reader/writer lock around it is enough) — except a map made with
/// `init(concurrentReads:)`: one writer and any number of optimistic readers
/// (`optimisticFind`, `optimisticCollect`) at once, see ALEXMap+Optimistic.swift.
public final class ALEXMap {
    var root: ALEXNode {
        didSet { rootAddress.store(UInt(bitPattern: Unmanaged.passUnretained(root).toOpaque()), ordering: .releasing) }
    }
    /// `root`'s address, for optimistic readers (no reference counting).
    let rootAddress = Atomic<UInt>(0)
    /// Concurrent-read maps: odd while the writer changes the tree's shape (splits,
    /// expansions, inner-node growth); replaced memory goes to `graveyard`.
    let structureVersion = Atomic<UInt64>(0)
    let graveyard: ALEXGraveyard?
    /// `graveyard != nil`, as a plain flag (testing the optional reference costs a
    /// retain and a release per write).
    let concurrentReads: Bool
    // Stored properties marked @exclusivity(unchecked) skip Swift's dynamic exclusivity
    // checks on this hot path (docs/performance.md, "Exclusivity checks").
    /// Number of keys stored.
    @exclusivity(unchecked) public private(set) var count: Int = 0
    /// Bumps on every mutation; cursors use it to notice that they must re-position.
    @exclusivity(unchecked) public private(set) var version: UInt64 = 0
    /// How often each kind of structural change happened (for tests and tuning).
    @exclusivity(unchecked) public internal(set) var events = ALEXEvents()

    /// An empty map.
    public init() {
        root = ALEXDataNode()
        graveyard = nil
        concurrentReads = false
        rootAddress.store(UInt(bitPattern: Unmanaged.passUnretained(root).toOpaque()), ordering: .releasing)
    }

    /// An empty map that one writer may change while other threads read it with the
    /// optimistic lookups (the hot tier's map).
    init(concurrentReads: Bool) {
        root = ALEXDataNode()
        graveyard = concurrentReads ? ALEXGraveyard() : nil
        self.concurrentReads = concurrentReads
        rootAddress.store(UInt(bitPattern: Unmanaged.passUnretained(root).toOpaque()), ordering: .releasing)
    }

    /// Bulk-loads sorted, distinct keys with their payloads.
    /// - Throws: `.invalidArgument` when the counts differ or the keys are not
    ///   strictly increasing (naming the first offending position).
    public init(sortedKeys: UnsafeBufferPointer<Int64>, payloads: UnsafeBufferPointer<UInt64>) throws(OmenError) {
        guard sortedKeys.count == payloads.count else {
            throw OmenError(.invalidArgument, "\(sortedKeys.count) keys but \(payloads.count) payloads")
        }
        let n = sortedKeys.count
        if n > 1 {
            for i in 1..<n where sortedKeys[i] <= sortedKeys[i - 1] {
                throw OmenError(.invalidArgument,
                    "keys are not strictly increasing: keys[\(i)] = \(sortedKeys[i]) after keys[\(i - 1)] = \(sortedKeys[i - 1])")
            }
        }
        graveyard = nil
        concurrentReads = false
        guard n > 0, let keyBase = sortedKeys.baseAddress, let payloadBase = payloads.baseAddress else {
            root = ALEXDataNode()
            rootAddress.store(UInt(bitPattern: Unmanaged.passUnretained(root).toOpaque()), ordering: .releasing)
            return
        }
        var builder = ALEXBuilder(keys: keyBase, payloads: payloadBase)
        root = builder.buildRoot(count: n)
        rootAddress.store(UInt(bitPattern: Unmanaged.passUnretained(root).toOpaque()), ordering: .releasing)
        count = n
    }

    /// A map over an already-built tree of `count` keys whose leaf chain is linked
    /// (the caller validated it: see `ALEXModelCoding`).
    init(root: ALEXNode, count: Int) {
        self.root = root
        self.count = count
        graveyard = nil
        concurrentReads = false
        rootAddress.store(UInt(bitPattern: Unmanaged.passUnretained(root).toOpaque()), ordering: .releasing)
    }

    // MARK: - Lookups

    /// The data node that owns `key` (routing only, no search).
    @inline(__always)
    func leaf(for key: Int64) -> ALEXDataNode {
        leafReference(for: ALEXKeySpace.unsigned(key))._withUnsafeGuaranteedRef { $0 }
    }

    /// The data node for unsigned key `u`, as an unretained reference: the walk down
    /// costs no reference counting.
    @inline(__always)
    func leafReference(for u: UInt64) -> Unmanaged<ALEXDataNode> {
        var node = Unmanaged.passUnretained(root)
        while let child = node._withUnsafeGuaranteedRef({ $0.isDataNode ? nil : ALEXInnerNode.childReference($0, u) }) {
            node = child
        }
        return unsafeBitCast(node, to: Unmanaged<ALEXDataNode>.self)
    }

    /// The payload stored under `key`, or nil.
    public func find(_ key: Int64) -> UInt64? {
        leafReference(for: ALEXKeySpace.unsigned(key))._withUnsafeGuaranteedRef { node in
            guard let slot = node.slot(of: key) else { return nil }
            return node.payloads[slot]
        }
    }

    /// True when `key` is present.
    public func contains(_ key: Int64) -> Bool { find(key) != nil }

    // MARK: - Updates

    /// What an upsert did in its data node.
    private enum UpsertStep {
        case replaced(UInt64)
        case inserted
        case full
    }

    /// Inserts or replaces; returns the previous payload if the key was present.
    @discardableResult
    public func upsert(_ key: Int64, _ payload: UInt64) -> UInt64? {
        upsert(key) { _ in payload }
    }

    /// Inserts or replaces `key` with the payload `make` returns, given the previous
    /// payload (nil when the key is new); called once, before the payload is stored
    /// (so it is complete before any concurrent reader can see it). Returns the
    /// previous payload.
    @discardableResult
    func upsert(_ key: Int64, _ make: (UInt64?) -> UInt64) -> UInt64? {
        version &+= 1
        let u = ALEXKeySpace.unsigned(key)
        while true {
            // Checked on every pass: making room may have changed the path.
            guard let reference = leafIfCovered(u) else {
                changingStructure { expandPath(for: u) }
                continue
            }
            let step: UpsertStep = reference._withUnsafeGuaranteedRef { node in
                let predicted = node.predictedSlot(key)
                let bound = node.lowerBound(key, from: predicted)
                if bound < node.capacity && node.keys[bound] == key {
                    let slot = node.isOccupied(bound) ? bound : node.nextOccupied(from: bound)
                    if slot < node.capacity && node.keys[slot] == key {
                        let old = node.payloads[slot]
                        let new = make(old)
                        changing(node) { _ = node.replacePayload(at: slot, with: new) }
                        return .replaced(old)
                    }
                }
                guard !node.isFull && !node.isDueForCostCheck else { return .full }
                let new = make(nil)
                changing(node) { node.insert(key, new, lowerBound: bound, predicted: predicted) }
                return .inserted
            }
            switch step {
            case .replaced(let old):
                return old
            case .inserted:
                count += 1
                return nil
            case .full:
                // A strong reference: the node may leave the tree.
                let node = reference.takeUnretainedValue()
                changingStructure { makeRoom(in: node, for: key) }
            }
        }
    }

    /// Removes `key`; returns its payload if it was present.
    @discardableResult
    public func remove(_ key: Int64) -> UInt64? {
        precondition(!concurrentReads, "a concurrent-read map never removes")
        let reference = leafReference(for: ALEXKeySpace.unsigned(key))
        let removed: (payload: UInt64, shrank: Bool, underfull: Bool)? = reference._withUnsafeGuaranteedRef { node in
            guard let slot = node.slot(of: key) else { return nil }
            let payload = node.remove(at: slot)
            return (payload, node.shrinkIfSparse(), node.count < ALEXTuning.mergeThresholdKeys)
        }
        guard let removed else { return nil }
        version &+= 1
        count -= 1
        if removed.shrank { events.shrinks += 1 }
        if removed.underfull { mergeIfUnderfull(reference.takeUnretainedValue(), key: key) }
        return removed.payload
    }

    /// Removes every key.
    public func removeAll() {
        precondition(!concurrentReads, "a concurrent-read map never removes")
        version &+= 1
        root = ALEXDataNode()
        count = 0
    }
}
