import Glibc
import OmenDB

/// The memory behind an opaque C handle: a tag saying what it is (or that it was
/// freed) and the Swift object it stands for.
struct HandleSlot {
    var tag: UInt64
    var object: Unmanaged<AnyObject>?
}

/// Maps opaque C handles to Swift objects of one type.
///
/// Slots are recycled, never returned to the system, so a handle that was already
/// freed still points at readable memory: it is reported as `OMENDB_MISUSE` (or, if
/// its slot was reused, aliases a newer handle of the same type) instead of crashing.
final class HandleTable<Object: AnyObject> {
    private let liveTag: UInt64
    private static var freedTag: UInt64 { 0xDEAD_DEAD_DEAD_DEAD }
    private var freeSlots: [UnsafeMutablePointer<HandleSlot>] = []
    private var lock = pthread_mutex_t()

    init(tag: UInt64) {
        liveTag = tag
        pthread_mutex_init(&lock, nil)
    }

    /// A new handle that owns a reference to `object`.
    func insert(_ object: Object) -> OpaquePointer {
        pthread_mutex_lock(&lock)
        let slot = freeSlots.popLast() ?? UnsafeMutablePointer<HandleSlot>.allocate(capacity: 1)
        pthread_mutex_unlock(&lock)
        slot.initialize(to: HandleSlot(tag: liveTag, object: Unmanaged.passRetained(object as AnyObject)))
        return OpaquePointer(slot)
    }

    /// The object behind a live handle, or the status to return for a NULL or freed one.
    @inline(__always)
    func resolve(_ handle: OpaquePointer?, _ function: StaticString) -> Result<Unmanaged<Object>, HandleFailure> {
        Self.resolve(handle, tag: liveTag, function)
    }

    /// `resolve` without the table: only the tag is needed.
    @inline(__always)
    static func resolve(_ handle: OpaquePointer?, tag liveTag: UInt64, _ function: StaticString) -> Result<Unmanaged<Object>, HandleFailure> {
        guard let handle else { return .failure(HandleFailure(status: ThreadError.invalid(function, "handle is NULL"))) }
        let slot = UnsafeMutablePointer<HandleSlot>(handle)
        guard slot.pointee.tag == liveTag, let object = slot.pointee.object else {
            let hint = liveTag == HandleTag.table ? " (a table's handle is freed when its table is dropped or its database closed)" : ""
            return .failure(HandleFailure(status: ThreadError.record(.misuse,
                "\(function): the handle was already freed or is not a handle of this type\(hint)")))
        }
        return .success(Unmanaged<Object>.fromOpaque(object.toOpaque()))
    }

    /// Frees a handle: drops its reference and recycles its slot. NULL is ignored;
    /// a handle that is not live is reported through the thread's error message.
    func remove(_ handle: OpaquePointer?, _ function: StaticString) {
        guard let handle else { return }
        let slot = UnsafeMutablePointer<HandleSlot>(handle)
        guard slot.pointee.tag == liveTag, let object = slot.pointee.object else {
            ThreadError.record(.misuse, "\(function): the handle was already freed or is not a handle of this type")
            return
        }
        slot.pointee = HandleSlot(tag: Self.freedTag, object: nil)
        object.release()
        pthread_mutex_lock(&lock)
        freeSlots.append(slot)
        pthread_mutex_unlock(&lock)
    }
}

/// A NULL or stale handle; `status` is what the C function returns.
struct HandleFailure: Error {
    let status: Int32
}

/// Runs `body` with a borrowed reference to the object behind `handle`
/// (no retain/release), or returns the handle's failure status.
@inline(__always)
func withHandle<Object: AnyObject>(_ table: HandleTable<Object>, _ handle: OpaquePointer?,
                                   _ function: StaticString, _ body: (Object) -> Int32) -> Int32 {
    switch table.resolve(handle, function) {
    case .success(let unmanaged): return unmanaged._withUnsafeGuaranteedRef(body)
    case .failure(let failure): return failure.status
    }
}

/// Handle tags of the database API. Literal constants are statically initialized, so
/// the hot calls resolve handles by tag without touching the (lazily initialized)
/// global tables, whose every access would otherwise run a `swift_once` check.
enum HandleTag {
    static let databaseOptions: UInt64 = 0x4F4D_4E5F_444F_5054  // "OMN_DOPT"
    static let database: UInt64 = 0x4F4D_4E5F_4442_5F5F         // "OMN_DB__"
    static let batch: UInt64 = 0x4F4D_4E5F_4254_4348            // "OMN_BTCH"
    static let snapshot: UInt64 = 0x4F4D_4E5F_534E_4150         // "OMN_SNAP"
    static let iterator: UInt64 = 0x4F4D_4E5F_4954_4552         // "OMN_ITER"
    static let transactionOptions: UInt64 = 0x4F4D_4E5F_544F_5054 // "OMN_TOPT"
    static let transaction: UInt64 = 0x4F4D_4E5F_5458_4E5F      // "OMN_TXN_"
    static let table: UInt64 = 0x4F4D_4E5F_5441_424C            // "OMN_TABL"
}

/// `withHandle` for a handle of type `Object` with tag `tag` (see `HandleTag`).
@inline(__always)
func withHandle<Object: AnyObject>(_ type: Object.Type, _ tag: UInt64, _ handle: OpaquePointer?,
                                   _ function: StaticString, _ body: (Object) -> Int32) -> Int32 {
    switch HandleTable<Object>.resolve(handle, tag: tag, function) {
    case .success(let unmanaged): return unmanaged._withUnsafeGuaranteedRef(body)
    case .failure(let failure): return failure.status
    }
}

/// An iterator handle's object: a snapshot iterator or a transaction's iterator.
final class IteratorHandle {
    let cursor: any OrderedCursor
    init(_ cursor: any OrderedCursor) { self.cursor = cursor }
}

/// `withHandle` for iterator handles, passing the cursor.
@inline(__always)
func withIterator(_ handle: OpaquePointer?, _ function: StaticString, _ body: (any OrderedCursor) -> Int32) -> Int32 {
    withHandle(IteratorHandle.self, HandleTag.iterator, handle, function) { body($0.cursor) }
}
