/// Checks a recorded `History` against serializability (Adya's direct serialization graph).
///
/// Nodes are T0 (the initial state) and the committed transactions. Each key's versions are
/// ordered by commit order (ww edges between consecutive writers). Every read of a committed
/// transaction names the version it saw (values are unique; an absent key is T0's version
/// when the key began absent, else the version of the one transaction allowed to delete it
/// in the history), giving a wr edge from that version's writer and an rw anti-dependency to
/// the writer of the next version. A scan of `[lower, upper)` reads every key of the range,
/// the keys it did not return as absent: that is the predicate read, so phantoms give rw
/// edges like any other read. The history is serializable iff this graph has no cycle.
///
/// Independently of the graph, every read at every level must see either the transaction's
/// own latest write of the key or the final write of a transaction that had committed before
/// the read (no dirty, aborted or intermediate reads); scans return their range's keys in
/// order; and the database after the history holds the committed writes applied in commit
/// order. With `commitOrderReplay` (what OmenDB's SERIALIZABLE promises: commit validation
/// against everything committed since the snapshot), the reads of each committed transaction
/// that wrote must equal a serial replay in commit order at its commit, and those of a
/// committed read-only transaction the replay at some earlier point.
struct SerializabilityChecker {
    let history: History

    /// What the check found: broken rules, and a cycle (described edge by edge) if any.
    struct Result {
        var violations: [String] = []
        var cycle: String?
    }

    /// One read of a key another transaction wrote (or T0), with the node whose version it saw.
    private struct ExternalRead {
        let key: Int64
        let value: UInt64?
        let step: Int
    }

    func check(commitOrderReplay: Bool) -> Result {
        var result = Result()
        let transactions = history.transactions
        var externalReads: [[ExternalRead]] = []
        var finalWrites: [[Int64: UInt64?]] = []
        for (index, txn) in transactions.enumerated() {
            let (reads, writes) = collect(txn, name: "T\(index + 1)", into: &result.violations)
            externalReads.append(reads)
            finalWrites.append(writes)
        }

        // Each value's writer (T0 is node 0, transaction i is node i + 1).
        var writerOfValue: [UInt64: (node: Int, key: Int64)] = [:]
        for (key, value) in history.initial { writerOfValue[value] = (0, key) }
        for (index, txn) in transactions.enumerated() {
            for case let .write(key, value?) in txn.operations { writerOfValue[value] = (index + 1, key) }
        }
        func versionNode(_ read: ExternalRead, reader: String) -> Int? {
            if let value = read.value {
                guard let (node, key) = writerOfValue[value], key == read.key else {
                    result.violations.append("\(reader) read key \(read.key) = v\(value), a value never written to that key")
                    return nil
                }
                if node == 0 { return 0 }
                let writer = transactions[node - 1]
                guard let committedAt = writer.committedAt, committedAt < read.step, finalWrites[node - 1][read.key] == .some(value) else {
                    result.violations.append("\(reader) read key \(read.key) = v\(value), written by T\(node), which \(writer.ending)"
                                             + " (\(writer.committedAt.map { "at step \($0)" } ?? "never committed")), at step \(read.step)")
                    return nil
                }
                return node
            }
            var candidates = history.initial[read.key] == nil ? [0] : []
            for (index, txn) in transactions.enumerated() where finalWrites[index][read.key] == .some(nil) {
                if let committedAt = txn.committedAt, committedAt < read.step { candidates.append(index + 1) }
            }
            guard candidates.count == 1 else {
                result.violations.append("\(reader) read key \(read.key) as absent at step \(read.step); committed absent versions: "
                                         + "\(candidates.map { $0 == 0 ? "T0" : "T\($0)" })")
                return nil
            }
            return candidates[0]
        }

        // Version order per key: T0, then the committed writers in commit order.
        var versions: [Int64: [Int]] = [:]
        for key in 0..<history.keyCount { versions[key] = [0] }
        for index in history.commitOrder {
            for key in finalWrites[index].keys { versions[key, default: [0]].append(index + 1) }
        }
        let nodeCount = transactions.count + 1
        var edges = [[(to: Int, label: String)]](repeating: [], count: nodeCount)
        func addEdge(_ from: Int, _ to: Int, _ label: String) {
            if from != to { edges[from].append((to, label)) }
        }
        for (key, order) in versions.sorted(by: { $0.key < $1.key }) {   // sorted: the same cycle reported every run
            for (a, b) in zip(order, order.dropFirst()) { addEdge(a, b, "ww(\(key))") }
        }
        for (index, txn) in transactions.enumerated() {
            let reader = index + 1
            for read in externalReads[index] {
                guard let node = versionNode(read, reader: "T\(reader)"), txn.isCommitted else { continue }
                addEdge(node, reader, "wr(\(read.key))")
                let order = versions[read.key] ?? [0]
                if let position = order.firstIndex(of: node), position + 1 < order.count {
                    addEdge(reader, order[position + 1], "rw(\(read.key))")
                }
            }
        }
        result.cycle = findCycle(edges)

        // Serial replay in commit order.
        var states = [history.initial]
        for index in history.commitOrder {
            var state = states.last!
            for (key, value) in finalWrites[index] { state[key] = value }
            states.append(state)
        }
        if history.final != states.last! {
            result.violations.append("the database holds \(History.describe(history.final)); the commits, applied in order, "
                                     + "give \(History.describe(states.last!))")
        }
        if commitOrderReplay {
            for (position, index) in history.commitOrder.enumerated() {
                let reads = externalReads[index]
                func matches(_ state: [Int64: UInt64]) -> Bool { reads.allSatisfy { state[$0.key] == $0.value } }
                if !finalWrites[index].isEmpty ? !matches(states[position]) : !states[0...position].contains(where: matches) {
                    result.violations.append("T\(index + 1)'s reads differ from a serial replay in commit order"
                                             + (finalWrites[index].isEmpty ? " at any point before its commit" : " at its commit"))
                }
            }
        }
        return result
    }

    /// A transaction's reads of versions it did not write itself (scans expanded to every key
    /// of their range) and its last write per key; checks own-write reads and scan order.
    private func collect(_ txn: RecordedTransaction, name: String, into violations: inout [String])
        -> ([ExternalRead], [Int64: UInt64?]) {
        var own: [Int64: UInt64?] = [:]
        var reads: [ExternalRead] = []
        func read(_ key: Int64, _ value: UInt64?, _ step: Int) {
            if let mine = own[key] {
                if mine != value {
                    violations.append("\(name) read key \(key) = \(value.map { "v\($0)" } ?? "absent") after writing \(mine.map { "v\($0)" } ?? "a delete")")
                }
            } else {
                reads.append(ExternalRead(key: key, value: value, step: step))
            }
        }
        for operation in txn.operations {
            switch operation {
            case let .read(key, value, step):
                read(key, value, step)
            case let .scan(lower, upper, reverse, rows, step):
                let low = max(lower ?? 0, 0), high = min(upper ?? history.keyCount, history.keyCount)
                let keys = rows.map(\.key)
                if keys != (reverse ? keys.sorted(by: >) : keys.sorted()) || Set(keys).count != keys.count
                    || !keys.allSatisfy({ $0 >= low && $0 < high }) {
                    violations.append("\(name) \(operation.description): keys out of order or outside the bounds")
                }
                let returned = Dictionary(rows.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
                for key in low..<max(low, high) { read(key, returned[key], step) }
            case let .write(key, value):
                own[key] = .some(value)
            }
        }
        return (reads, own)
    }

    /// A cycle in the graph, as "T1 -rw(3)-> T2 -wr(1)-> T1", or nil (iterative DFS, three colours).
    private func findCycle(_ edges: [[(to: Int, label: String)]]) -> String? {
        var colour = [UInt8](repeating: 0, count: edges.count)   // 0 new, 1 on the stack, 2 done
        for root in edges.indices where colour[root] == 0 {
            var stack: [(node: Int, edge: Int)] = [(root, 0)]
            colour[root] = 1
            while let (node, edge) = stack.last {
                guard edge < edges[node].count else {
                    colour[node] = 2
                    stack.removeLast()
                    continue
                }
                stack[stack.count - 1].edge += 1
                let next = edges[node][edge].to
                if colour[next] == 1 {
                    let start = stack.firstIndex { $0.node == next }!
                    var text = "T\(next)"
                    for frame in stack[start...] {
                        let taken = edges[frame.node][frame.edge - 1]
                        text += " -\(taken.label)-> T\(taken.to)"
                    }
                    return text
                }
                if colour[next] == 0 {
                    colour[next] = 1
                    stack.append((next, 0))
                }
            }
        }
        return nil
    }
}
