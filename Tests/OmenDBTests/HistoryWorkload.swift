import Foundation
@testable import OmenDB
import OmenTestSupport

/// Generates and runs random concurrent histories on one database, single-threaded: a
/// seeded scheduler interleaves the steps (begin, reads, writes, deletes, range scans,
/// commit or rollback) of 2-4 transactions (some read-only) over a few keys, so conflicts
/// are frequent, with now and then a plain `Database.put` and a flush between steps. Each
/// run is recorded as a `History` for `SerializabilityChecker`.
struct HistoryWorkload {
    static let keyCount: Int64 = 6

    let db: Database
    let isolation: IsolationLevel
    /// The next written value: unique across the run, so a read names the write it saw.
    private var nextValue: UInt64 = 1

    init(db: Database, isolation: IsolationLevel) {
        self.db = db
        self.isolation = isolation
    }

    private enum Action {
        case read(Int64), write(Int64), delete(Int64), scan(lower: Int64?, upper: Int64?, reverse: Bool), commit, rollback
    }

    /// Runs one random history and returns its record.
    mutating func run(_ rng: inout SeededGenerator) throws -> History {
        var history = History(keyCount: Self.keyCount, initial: try committedState())
        let count = Int.random(in: 2...4, using: &rng)
        // Only one transaction may delete a given key in a history, and only a key present at
        // the start: then an absent read names its version (T0's absence, or that delete).
        var deleter: [Int64: Int] = [:]
        for key in history.initial.keys { deleter[key] = Int.random(in: 0..<count, using: &rng) }
        let readOnly = (0..<count).map { _ in Int.random(in: 0..<100, using: &rng) < 15 }
        var plans: [[Action]] = (0..<count).map { index in
            var actions: [Action] = []
            for _ in 0..<Int.random(in: 1...5, using: &rng) {
                let key = Int64.random(in: 0..<Self.keyCount, using: &rng)
                switch Int.random(in: 0..<100, using: &rng) {
                case 0..<35: actions.append(.read(key))
                case 35..<60: actions.append(readOnly[index] ? .read(key) : .write(key))
                case 60..<75: actions.append(readOnly[index] ? .read(key) : deleter[key] == index ? .delete(key) : .write(key))
                default:
                    if Int.random(in: 0..<4, using: &rng) == 0 {
                        actions.append(.scan(lower: nil, upper: nil, reverse: Bool.random(using: &rng)))
                    } else {
                        let lower = Int64.random(in: 0..<Self.keyCount, using: &rng)
                        let upper = Int.random(in: 0..<5, using: &rng) == 0 ? nil : Int64.random(in: lower + 1...Self.keyCount, using: &rng)
                        actions.append(.scan(lower: lower, upper: upper, reverse: Bool.random(using: &rng)))
                    }
                }
            }
            actions.append(Int.random(in: 0..<100, using: &rng) < 85 ? .commit : .rollback)
            return actions
        }
        var transactions: [Transaction?] = Array(repeating: nil, count: count)
        var slots: [Int] = Array(repeating: -1, count: count)   // index in history.transactions; -1 before begin
        var step = 0
        while true {
            let pending = plans.indices.filter { !plans[$0].isEmpty }
            guard let index = pending.randomElement(using: &rng) else { break }
            step += 1
            switch Int.random(in: 0..<1000, using: &rng) {
            case 0..<40: try plainPut(Int64.random(in: 0..<Self.keyCount, using: &rng), &history, step: step)
            case 40..<45: try db.flush()
            default: break
            }
            step += 1
            guard slots[index] >= 0 else {   // a transaction's first step begins it
                transactions[index] = try db.beginTransaction(TransactionOptions(isolation: isolation, readOnly: readOnly[index]))
                slots[index] = history.transactions.count
                history.transactions.append(RecordedTransaction(label: readOnly[index] ? "read-only" : "txn", began: step))
                continue
            }
            let txn = transactions[index]!, action = plans[index].removeFirst(), slot = slots[index]
            do {
                if let operation = try perform(action, txn, step: step) {
                    history.transactions[slot].operations.append(operation)
                }
                switch action {
                case .commit:
                    history.transactions[slot].committedAt = step
                    history.transactions[slot].ending = "committed"
                    history.commitOrder.append(slot)
                case .rollback:
                    history.transactions[slot].ending = "rolled back"
                default: break
                }
            } catch let error as OmenError where error.code == .conflict {
                txn.rollback()
                history.transactions[slot].ending = "conflict at step \(step): \(error.message)"
                plans[index].removeAll()
            }
        }
        history.final = try committedState()
        return history
    }

    /// Runs one action of a live transaction; returns what it recorded (nil for commit and rollback).
    private mutating func perform(_ action: Action, _ txn: Transaction, step: Int) throws -> RecordedOperation? {
        switch action {
        case let .read(key):
            let value: UInt64?
            switch step % 3 {   // the three read paths: copy, borrowed, zero-copy
            case 0: value = try txn.get(key).map { $0.withUnsafeBytes(Self.decode) }
            case 1: value = try txn.withValue(key) { $0.map(Self.decode) }
            default: value = try txn.value(key).map(Self.decode)
            }
            return .read(key: key, value: value, step: step)
        case let .write(key):
            let value = takeValue()
            try txn.put(key, Self.encode(value))
            return .write(key: key, value: value)
        case let .delete(key):
            try txn.delete(key)
            return .write(key: key, value: nil)
        case let .scan(lower, upper, reverse):
            let iterator = try txn.makeIterator()
            if let lower { iterator.setBounds(lower: lower, upper: upper) }
            var rows: [(key: Int64, value: UInt64)] = []
            if reverse {
                try iterator.seekLast()
                while iterator.isValid {
                    rows.append((iterator.key, Self.decode(iterator.value)))
                    try iterator.previous()
                }
            } else {
                try iterator.seekFirst()
                while iterator.isValid {
                    rows.append((iterator.key, Self.decode(iterator.value)))
                    try iterator.next()
                }
            }
            return .scan(lower: lower, upper: upper, reverse: reverse, rows: rows, step: step)
        case .commit:
            try txn.commit()
            return nil
        case .rollback:
            txn.rollback()
            return nil
        }
    }

    /// A plain `Database.put`: a commit of one write, recorded as a transaction of its own.
    private mutating func plainPut(_ key: Int64, _ history: inout History, step: Int) throws {
        let value = takeValue()
        try db.put(key, Self.encode(value))
        var record = RecordedTransaction(label: "put", began: step)
        record.operations = [.write(key: key, value: value)]
        record.committedAt = step
        record.ending = "committed"
        history.commitOrder.append(history.transactions.count)
        history.transactions.append(record)
    }

    private mutating func takeValue() -> UInt64 {
        defer { nextValue += 1 }
        return nextValue
    }

    /// The database's committed state over the key space.
    private func committedState() throws -> [Int64: UInt64] {
        let iterator = db.snapshot().makeIterator()
        var state: [Int64: UInt64] = [:]
        try iterator.seekFirst()
        while iterator.isValid {
            state[iterator.key] = Self.decode(iterator.value)
            try iterator.next()
        }
        return state
    }

    static func encode(_ value: UInt64) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }

    static func decode(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        precondition(bytes.count == 8, "a history value is 8 bytes, found \(bytes.count)")
        return UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
    }
}
