/// An ordered cursor over key-value entries: `StorageIterator` (a snapshot) and
/// `TransactionIterator` (a transaction's view). Entries are borrowed from the
/// cursor's owner; moves throw `.corruption` on damaged values (and `.misuse` on an
/// ended transaction).
public protocol OrderedCursor: AnyObject {
    var isValid: Bool { get }
    var key: Int64 { get }
    var value: UnsafeRawBufferPointer { get }
    /// Restricts the cursor to `[lower, upper)` (nil upper: none); invalid until the next seek.
    func setBounds(lower: Int64, upper: Int64?)
    func seek(_ target: Int64) throws(OmenError)
    func seekForPrevious(_ target: Int64) throws(OmenError)
    func seekFirst() throws(OmenError)
    func seekLast() throws(OmenError)
    func next() throws(OmenError)
    func previous() throws(OmenError)
    /// Copies many entries per call (see the default implementation in
    /// StorageIteratorBatch.swift). A requirement, so that a call through
    /// `any OrderedCursor` dispatches once and then runs code specialized for the
    /// concrete cursor, with its moves inlined.
    func copyEntries(forward: Bool, maxEntries: Int, keys: UnsafeMutablePointer<Int64>?,
                     lengths: UnsafeMutablePointer<Int>, buffer: UnsafeMutableRawPointer?,
                     capacity: Int) throws(OmenError) -> CursorCopyOutcome
    /// Hands out many entries per call without copying their values (default
    /// implementation in StorageIteratorBatch.swift; a requirement for the same reason).
    func borrowEntries(forward: Bool, maxEntries: Int, keys: UnsafeMutablePointer<Int64>?,
                       values: UnsafeMutablePointer<UnsafeRawPointer?>,
                       lengths: UnsafeMutablePointer<Int>) throws(OmenError) -> Int
    /// Moves the cursor to its owner's current state (`StorageIterator.refresh`);
    /// `.misuse` for cursors that cannot (a transaction's, a fixed snapshot's).
    func refresh() throws(OmenError)
}

extension StorageIterator: OrderedCursor {}
extension TransactionIterator: OrderedCursor {}
