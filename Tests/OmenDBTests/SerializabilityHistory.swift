/// A recorded concurrent history over the keys `0..<keyCount`: what each transaction read
/// and wrote, in program order, and how it ended. Every written value is unique in the run,
/// so a read names the write it saw. `Step`s count the scheduler's actions, so "committed
/// before this read" is a comparison of steps.
struct History {
    let keyCount: Int64
    /// The committed state when the history began (the versions of "T0").
    let initial: [Int64: UInt64]
    var transactions: [RecordedTransaction] = []
    /// Indices into `transactions`, in the order their commits succeeded.
    var commitOrder: [Int] = []
    /// The committed state after the history, read from the database.
    var final: [Int64: UInt64] = [:]

    init(keyCount: Int64, initial: [Int64: UInt64]) {
        self.keyCount = keyCount
        self.initial = initial
    }

    /// The history, one transaction a line, for failure messages.
    var description: String {
        var lines = ["initial \(Self.describe(initial))"]
        for (index, txn) in transactions.enumerated() {
            let operations = txn.operations.map(\.description).joined(separator: " ")
            lines.append("T\(index + 1) [\(txn.label) @\(txn.began)]: \(operations) -> \(txn.ending)")
        }
        lines.append("commit order \(commitOrder.map { "T\($0 + 1)" }.joined(separator: " "))")
        lines.append("final \(Self.describe(final))")
        return lines.joined(separator: "\n")
    }

    static func describe(_ state: [Int64: UInt64]) -> String {
        "{" + state.sorted { $0.key < $1.key }.map { "\($0.key): v\($0.value)" }.joined(separator: ", ") + "}"
    }
}

struct RecordedTransaction {
    /// "txn", "read-only" (a read-only transaction), or "put" (a plain `Database.put`: a one-write commit).
    let label: String
    let began: Int
    var operations: [RecordedOperation] = []
    /// The step at which the commit succeeded; nil if the transaction did not commit.
    var committedAt: Int?
    var ending = "open"

    init(label: String, began: Int) {
        self.label = label
        self.began = began
    }

    var isCommitted: Bool { committedAt != nil }
}

enum RecordedOperation {
    /// A point read: the value seen, nil when the key was absent.
    case read(key: Int64, value: UInt64?, step: Int)
    /// A scan of `[lower, upper)` (nil: unbounded) and the rows it returned, in the order returned.
    case scan(lower: Int64?, upper: Int64?, reverse: Bool, rows: [(key: Int64, value: UInt64)], step: Int)
    /// A put, or a delete (nil value).
    case write(key: Int64, value: UInt64?)

    var description: String {
        switch self {
        case let .read(key, value, step):
            return "r\(key)=\(value.map { "v\($0)" } ?? "-")@\(step)"
        case let .scan(lower, upper, reverse, rows, step):
            let range = "[\(lower.map(String.init) ?? "min"),\(upper.map(String.init) ?? "max"))"
            return "scan\(reverse ? "<" : ">")\(range)={\(rows.map { "\($0.key):v\($0.value)" }.joined(separator: ","))}@\(step)"
        case let .write(key, value):
            return value.map { "w\(key)=v\($0)" } ?? "d\(key)"
        }
    }
}
