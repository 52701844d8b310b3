import Foundation
import XCTest
@testable import OmenDB

/// One run of a Hermitage scenario (github.com/ept/hermitage) at one isolation level.
///
/// Hermitage's table `test(id, value)` maps onto OmenDB as key = id and value = the Int64
/// `value` in 8 little-endian bytes; every run starts from a fresh database holding
/// `{1: 10, 2: 20}`. Transactions T1...T3 are driven step by step from one thread, as
/// Hermitage's terminals are. OmenDB is optimistic: writes never block, and a conflict
/// (`.conflict`, at commit or earlier) ends the transaction that got it; its later steps are
/// skipped and its reads count for nothing.
///
/// Reads are recorded as observations (row id and the value seen, nil for an absent row) so
/// that each scenario decides from what it observed whether its anomaly occurred.
final class HermitageRun {
    static let initialRows: [Int64: Int64] = [1: 10, 2: 20]

    let level: IsolationLevel
    private let db: Database
    private var transactions: [Int: Transaction] = [:]
    /// Transactions in the order their commits succeeded.
    private(set) var commitOrder: [Int] = []
    /// Per transaction, every row it read, in order (a scan contributes every row it returned).
    private(set) var observations: [Int: [(id: Int64, value: Int64?)]] = [:]
    /// Per transaction, its last write per row (nil: deleted).
    private(set) var writes: [Int: [Int64: Int64?]] = [:]
    /// What happened to transactions that did not commit, for the printed report.
    private(set) var events: [String] = []
    /// Which transaction wrote each (id, value); 0 is the initial state.
    private var versionWriters: [Int64: [Int64: Int]] = [:]

    init(_ test: XCTestCase, level: IsolationLevel) throws {
        self.level = level
        db = try Database(directory: temporaryDatabaseDirectory(test, "hermitage"), options: smallOptions(background: false))
        for (id, value) in Self.initialRows {
            try db.put(id, Self.bytes(value))
            versionWriters[id, default: [:]][value] = 0
        }
    }

    static func bytes(_ value: Int64) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }

    static func value(_ bytes: UnsafeRawBufferPointer) -> Int64 {
        precondition(bytes.count == 8, "a Hermitage value is 8 bytes, found \(bytes.count)")
        return Int64(littleEndian: bytes.loadUnaligned(as: Int64.self))
    }

    // MARK: steps (each a no-op once the transaction has ended)

    func begin(_ t: Int) throws {
        transactions[t] = try db.beginTransaction(TransactionOptions(isolation: level))
    }

    /// `select * from test where id = <id>`.
    @discardableResult
    func get(_ t: Int, _ id: Int64) throws -> Int64? {
        try step(t, "select id \(id)") { txn in
            let value = try txn.withValue(id) { $0.map(Self.value) }
            observations[t, default: []].append((id, value))
            return value
        } ?? nil
    }

    /// `select * from test where <predicate>`: a scan of the whole table through the
    /// transaction's iterator; every row the scan returned is observed, the matching ones returned.
    @discardableResult
    func select(_ t: Int, where predicate: (Int64) -> Bool = { _ in true }) throws -> [Int64: Int64] {
        try step(t, "select") { txn in
            let iterator = try txn.makeIterator()
            var rows: [Int64: Int64] = [:]
            try iterator.seekFirst()
            while iterator.isValid {
                let value = Self.value(iterator.value)
                observations[t, default: []].append((iterator.key, value))
                if predicate(value) { rows[iterator.key] = value }
                try iterator.next()
            }
            return rows
        } ?? [:]
    }

    /// `update test set value = <value> where id = <id>` and `insert`: a put.
    func put(_ t: Int, _ id: Int64, _ value: Int64) throws {
        try step(t, "write id \(id)") { txn in
            try txn.put(id, Self.bytes(value))
            writes[t, default: [:]][id] = value
            versionWriters[id, default: [:]][value] = t
        }
    }

    /// `update test set value = <newValue(value)> where <predicate>`: a scan, then a put per matching row.
    func update(_ t: Int, where predicate: (Int64) -> Bool, set newValue: (Int64) -> Int64) throws {
        for (id, value) in try select(t, where: predicate).sorted(by: { $0.key < $1.key }) {
            try put(t, id, newValue(value))
        }
    }

    /// `delete from test where <predicate>`: a scan, then a delete per matching row.
    func delete(_ t: Int, where predicate: (Int64) -> Bool) throws {
        for id in try select(t, where: predicate).keys.sorted() {
            try step(t, "delete id \(id)") { txn in
                try txn.delete(id)
                writes[t, default: [:]][id] = .some(nil)
            }
        }
    }

    func commit(_ t: Int) throws {
        try step(t, "commit") { txn in try txn.commit() }
        if transactions[t] != nil {
            commitOrder.append(t)
            transactions[t] = nil
        }
    }

    func rollback(_ t: Int) {
        guard let txn = transactions.removeValue(forKey: t) else { return }
        txn.rollback()
        events.append("T\(t) rolled back")
    }

    /// Runs one step of a live transaction; a conflict ends the transaction (nil result).
    private func step<T>(_ t: Int, _ what: String, _ body: (Transaction) throws -> T) throws -> T? {
        guard let txn = transactions[t] else { return nil }
        do {
            return try body(txn)
        } catch let error as OmenError where error.code == .conflict {
            txn.rollback()
            transactions[t] = nil
            events.append("T\(t) conflict at \(what): \(error.message)")
            return nil
        }
    }

    // MARK: what was observed

    func committed(_ t: Int) -> Bool { commitOrder.contains(t) }

    /// Whether a committed transaction `t` read row `id` with `value`.
    func saw(_ t: Int, _ id: Int64, _ value: Int64) -> Bool {
        committed(t) && (observations[t] ?? []).contains { $0.id == id && $0.value == value }
    }

    /// The committed table, read after every transaction has ended.
    func finalRows() throws -> [Int64: Int64] {
        let iterator = db.snapshot().makeIterator()
        var rows: [Int64: Int64] = [:]
        try iterator.seekFirst()
        while iterator.isValid {
            rows[iterator.key] = Self.value(iterator.value)
            try iterator.next()
        }
        return rows
    }

    /// The table the committed transactions' writes give when applied whole, in commit order.
    func committedWritesApplied() -> [Int64: Int64] {
        var rows = Self.initialRows
        for t in commitOrder {
            for (id, value) in writes[t] ?? [:] { rows[id] = value }
        }
        return rows
    }

    /// Position in the commit order; the initial state (0) precedes every commit.
    private func commitIndex(_ t: Int) -> Int? { t == 0 ? -1 : commitOrder.firstIndex(of: t) }

    /// The transaction whose write an observation saw (0: the initial state), nil when unknown.
    private func writer(of observation: (id: Int64, value: Int64?)) -> Int? {
        guard let value = observation.value else {
            if Self.initialRows[observation.id] == nil { return 0 }
            return writes.first { $0.value[observation.id] == .some(nil) }?.key
        }
        return versionWriters[observation.id]?[value]
    }

    /// Read skew (G-single): committed `observer` saw a version committed `writer` installed and
    /// also a version `writer` overwrote, so it saw the database both before and after `writer`.
    func readSkew(observer: Int, writer: Int) -> Bool {
        guard committed(observer), let writerIndex = commitIndex(writer), let written = writes[writer] else { return false }
        let seen = observations[observer] ?? []
        let sawAfter = seen.contains { self.writer(of: $0) == writer }
        let sawBefore = seen.contains { observation in
            guard written[observation.id] != nil, let other = self.writer(of: observation), other != writer, other != observer,
                  let otherIndex = commitIndex(other) else { return false }
            return otherIndex < writerIndex
        }
        return sawAfter && sawBefore
    }

    /// Observed Transaction Vanishes: committed `observer`, having seen a committed transaction's
    /// write, later reads a row that transaction wrote and sees an older version of it.
    func observedVanish(_ observer: Int) -> Bool {
        guard committed(observer) else { return false }
        var seenWriters: [Int] = []
        for observation in observations[observer] ?? [] {
            guard let w = writer(of: observation), let wIndex = commitIndex(w) else { continue }
            for x in seenWriters where x != w && writes[x]?[observation.id] != nil {
                if let xIndex = commitIndex(x), xIndex > wIndex { return true }
            }
            seenWriters.append(w)
        }
        return false
    }

    /// Rolls back what is still open and closes the database.
    func close() throws {
        for t in transactions.keys.sorted() { rollback(t) }
        try db.close()
    }
}
