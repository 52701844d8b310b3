/// A node of an ALEX tree: an inner (routing) node or a data node.
///
/// Every node occupies a contiguous group of slots in its parent's child array:
/// `slotStart ..< slotStart + slotSpan` (several slots may point to the same child).
class ALEXNode {
    /// True for `ALEXDataNode`, false for `ALEXInnerNode` (checked instead of a dynamic cast).
    final let isDataNode: Bool
    /// The first slot of the parent's child array that points to this node.
    final var slotStart: Int = 0
    /// How many consecutive parent slots point to this node.
    final var slotSpan: Int = 1

    init(isDataNode: Bool) {
        self.isDataNode = isDataNode
    }
}

/// An inner node: routes a key to a child by a linear model with no search.
///
/// The model is `slot = (u - base) >> shift` on the key's unsigned image `u`,
/// clamped to `0 ..< fanout`: a linear model whose slope is a power of two, so routing
/// is exact integer arithmetic and expansions keep every existing key's slot.
final class ALEXInnerNode: ALEXNode {
    // Stored properties marked @exclusivity(unchecked) skip Swift's dynamic exclusivity
    // checks on this hot path (docs/performance.md, "Exclusivity checks").
    /// The unsigned key where slot 0 starts.
    @exclusivity(unchecked) private(set) var base: UInt64
    /// log2 of the number of keys each slot covers.
    private(set) var shift: Int {
        didSet { routingShift = UInt64(shift) }
    }
    @exclusivity(unchecked) private var routingShift: UInt64
    /// Number of child slots.
    @exclusivity(unchecked) private(set) var fanout: Int
    @exclusivity(unchecked) private var lastSlot: UInt64
    /// Set once a key was stored below `base` (in the sliver no expansion can cover):
    /// the node must then never grow to the left, or that key would be re-routed.
    @exclusivity(unchecked) var frozenBelowBase = false
    /// `fanout` strong references; a child spanning k slots appears k times.
    @exclusivity(unchecked) private(set) var children: UnsafeMutablePointer<ALEXNode>

    /// An inner node whose every slot points to `filler` (callers then assign children).
    init(base: UInt64, shift: Int, fanout: Int, filler: ALEXNode) {
        precondition(fanout >= 1 && shift >= 0 && shift < 64)
        self.base = base
        self.shift = shift
        self.routingShift = UInt64(shift)
        self.fanout = fanout
        self.lastSlot = UInt64(fanout - 1)
        self.children = .allocate(capacity: fanout)
        children.initialize(repeating: filler, count: fanout)
        super.init(isDataNode: false)
        filler.slotStart = 0
        filler.slotSpan = fanout
    }

    deinit {
        children.deinitialize(count: fanout)
        children.deallocate()
    }

    /// The child slot for unsigned key `u`.
    @inline(__always)
    func slot(for u: UInt64) -> Int {
        if u < base { return 0 }
        return Int(truncatingIfNeeded: min((u &- base) &>> routingShift, lastSlot))
    }

    /// True when `u` lies outside the model's slots and the node may still grow towards it.
    @inline(__always)
    func needsExpansion(for u: UInt64) -> Bool {
        if u < base { return !frozenBelowBase }
        return (u &- base) &>> routingShift > lastSlot
    }

    /// The child of inner node `node` for unsigned key `u`, unretained.
    @inline(__always)
    static func childReference(_ node: ALEXNode, _ u: UInt64) -> Unmanaged<ALEXNode> {
        let inner = unsafeDowncast(node, to: ALEXInnerNode.self)
        let slot = inner.slot(for: u)
        return UnsafeRawPointer(inner.children + slot).load(as: Unmanaged<ALEXNode>.self)
    }

    /// The child for unsigned key `u`.
    @inline(__always)
    func child(for u: UInt64) -> ALEXNode {
        children[slot(for: u)]
    }

    /// Points slots `start ..< start + span` at `child` and records the group in it.
    func assign(_ child: ALEXNode, start: Int, span: Int) {
        precondition(start >= 0 && span >= 1 && start + span <= fanout)
        child.slotStart = start
        child.slotSpan = span
        (children + start).update(repeating: child, count: span)
    }

    /// Calls `body` once per distinct child, left to right.
    func forEachChild(_ body: (ALEXNode) -> Void) {
        var slot = 0
        while slot < fanout {
            let child = children[slot]
            let span = child.slotSpan  // read first: `body` may change it
            body(child)
            slot += span
        }
    }

    /// The lowest unsigned key routed to slot `slot` when the node's own range
    /// starts at `reachLow` (slot 0 also takes every key below `base`).
    func lowerEdge(ofSlot slot: Int, reachLow: UInt64) -> UInt64 {
        if slot == 0 { return reachLow }
        return ALEXKeySpace.boundary(base: base, slot: slot, shift: shift) ?? UInt64.max
    }

    /// The highest unsigned key routed to slots before `end` (the last slot also
    /// takes every key above the modelled range, up to `reachHigh`).
    func upperEdge(beforeSlot end: Int, reachHigh: UInt64) -> UInt64 {
        if end >= fanout { return reachHigh }
        guard let edge = ALEXKeySpace.boundary(base: base, slot: end, shift: shift) else { return reachHigh }
        return edge == 0 ? 0 : edge - 1
    }

    /// Doubles the fanout by halving every slot's width (shift - 1). Every child keeps
    /// the same keys; its slot group doubles.
    /// Old child arrays go to `graveyard` when given (here and below).
    func doubleFanout(retiringInto graveyard: ALEXGraveyard? = nil) {
        precondition(shift > 0 && fanout * 2 <= ALEXTuning.maximumFanout)
        let wider = UnsafeMutablePointer<ALEXNode>.allocate(capacity: fanout * 2)
        for i in 0..<fanout {
            (wider + 2 * i).initialize(to: children[i])
            (wider + 2 * i + 1).initialize(to: children[i])
        }
        forEachChild { child in
            child.slotStart *= 2
            child.slotSpan *= 2
        }
        children.deinitialize(count: fanout)
        retire(children, into: graveyard)
        children = wider
        fanout *= 2
        shift -= 1
        lastSlot = UInt64(fanout - 1)
    }

    /// Appends `extra` slots on the right, all pointing to `filler`.
    func appendSlots(_ extra: Int, filler: ALEXNode, retiringInto graveyard: ALEXGraveyard? = nil) {
        let wider = UnsafeMutablePointer<ALEXNode>.allocate(capacity: fanout + extra)
        wider.moveInitialize(from: children, count: fanout)
        (wider + fanout).initialize(repeating: filler, count: extra)
        retire(children, into: graveyard)
        children = wider
        filler.slotStart = fanout
        filler.slotSpan = extra
        fanout += extra
        lastSlot = UInt64(fanout - 1)
    }

    /// Prepends `extra` slots on the left, all pointing to `filler`; `base` moves
    /// down by `extra` slot widths, so every existing key keeps its child.
    func prependSlots(_ extra: Int, filler: ALEXNode, retiringInto graveyard: ALEXGraveyard? = nil) {
        let width = UInt64(extra) << UInt64(shift)
        precondition(base >= width)
        forEachChild { child in child.slotStart += extra }
        let wider = UnsafeMutablePointer<ALEXNode>.allocate(capacity: fanout + extra)
        wider.initialize(repeating: filler, count: extra)
        (wider + extra).moveInitialize(from: children, count: fanout)
        retire(children, into: graveyard)
        children = wider
        filler.slotStart = 0
        filler.slotSpan = extra
        fanout += extra
        base -= width
        lastSlot = UInt64(fanout - 1)
    }

    /// Frees a child array the node no longer uses (its elements already moved or
    /// deinitialized), or hands it to `graveyard`.
    private func retire(_ old: UnsafeMutablePointer<ALEXNode>, into graveyard: ALEXGraveyard?) {
        if let graveyard { graveyard.bury(old, count: fanout) } else { old.deallocate() }
    }

    /// The address of the child slot for unsigned key `u`, for an optimistic reader:
    /// computed from fields a writer may be changing, so the caller validates the
    /// map's structure version before loading through it.
    @inline(__always)
    func optimisticChildSlot(for u: UInt64) -> UnsafeRawPointer {
        UnsafeRawPointer(children + slot(for: u))
    }

    /// Bytes of this node: the object and its child array.
    var sizeInBytes: Int { 64 + fanout * MemoryLayout<ALEXNode>.stride }
}
