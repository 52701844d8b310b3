/// The anomalies Hermitage probes, in its table's order, with PostgreSQL's published results.
enum HermitageAnomaly: String, CaseIterable {
    case g0 = "G0", g1a = "G1a", g1b = "G1b", g1c = "G1c", otv = "OTV", pmp = "PMP", pmpWrite = "PMP-write"
    case p4 = "P4", gSingle = "G-single", g2Item = "G2-item", g2 = "G2"

    var title: String {
        switch self {
        case .g0: return "write cycles (dirty writes)"
        case .g1a: return "aborted reads"
        case .g1b: return "intermediate reads"
        case .g1c: return "circular information flow"
        case .otv: return "observed transaction vanishes"
        case .pmp: return "predicate-many-preceders"
        case .pmpWrite: return "predicate-many-preceders, write predicate"
        case .p4: return "lost update"
        case .gSingle: return "single anti-dependency cycle (read skew)"
        case .g2Item: return "item anti-dependency cycle (write skew)"
        case .g2: return "anti-dependency cycle through a predicate read"
        }
    }

    /// Prevented by PostgreSQL at (read committed, repeatable read, serializable), as Hermitage
    /// published (ept/hermitage, postgres.md and the README's summary table).
    var preventedByPostgreSQL: [Bool] {
        switch self {
        case .g0, .g1a, .g1b, .g1c, .otv: return [true, true, true]
        case .pmp, .pmpWrite, .p4, .gSingle: return [false, true, true]
        case .g2Item, .g2: return [false, false, true]
        }
    }
}

/// One Hermitage test case: its interleaving, and the check deciding from the observations
/// whether the anomaly occurred (true) or not.
struct HermitageScenario {
    let name: String
    let anomaly: HermitageAnomaly
    let run: (HermitageRun) throws -> Bool
}

/// Every Hermitage test case, step for step as in Hermitage's postgres.md (and, for the
/// G-single write variants, its foundationdb.md). `select ... where value % 3 = 0` and the
/// like are scans of the whole table filtered by the client, as a key-value store runs them.
let hermitageScenarios: [HermitageScenario] = [
    HermitageScenario(name: "G0", anomaly: .g0) { r in
        try r.begin(1); try r.begin(2)
        try r.put(1, 1, 11)
        try r.put(2, 1, 12)
        try r.put(1, 2, 21)
        try r.commit(1)
        try r.put(2, 2, 22)
        try r.commit(2)
        // Dirty writes interleave: the table is not what the commits give, applied whole in order.
        return try r.finalRows() != r.committedWritesApplied()
    },
    HermitageScenario(name: "G1a", anomaly: .g1a) { r in
        try r.begin(1); try r.begin(2)
        try r.put(1, 1, 101)
        try r.select(2)
        r.rollback(1)
        try r.select(2)
        try r.commit(2)
        return r.saw(2, 1, 101)
    },
    HermitageScenario(name: "G1b", anomaly: .g1b) { r in
        try r.begin(1); try r.begin(2)
        try r.put(1, 1, 101)
        try r.select(2)
        try r.put(1, 1, 11)
        try r.commit(1)
        try r.select(2)
        try r.commit(2)
        return r.saw(2, 1, 101)
    },
    HermitageScenario(name: "G1c", anomaly: .g1c) { r in
        try r.begin(1); try r.begin(2)
        try r.put(1, 1, 11)
        try r.put(2, 2, 22)
        try r.get(1, 2)
        try r.get(2, 1)
        try r.commit(1)
        try r.commit(2)
        // Hermitage's check: T1 still sees 2 => 20 and T2 still sees 1 => 10.
        return r.saw(1, 2, 22) || r.saw(2, 1, 11)
    },
    HermitageScenario(name: "OTV", anomaly: .otv) { r in
        try r.begin(1); try r.begin(2); try r.begin(3)
        try r.put(1, 1, 11)
        try r.put(1, 2, 19)
        try r.put(2, 1, 12)
        try r.commit(1)
        try r.get(3, 1)
        try r.put(2, 2, 18)
        try r.get(3, 2)
        try r.commit(2)
        try r.get(3, 2)
        try r.get(3, 1)
        try r.commit(3)
        return r.observedVanish(3)
    },
    HermitageScenario(name: "PMP", anomaly: .pmp) { r in
        try r.begin(1); try r.begin(2)
        try r.select(1, where: { $0 == 30 })
        try r.put(2, 3, 30)
        try r.commit(2)
        try r.select(1, where: { $0 % 3 == 0 })
        try r.commit(1)
        // T1's first predicate read found nothing; the anomaly is its second one finding T2's row.
        return r.saw(1, 3, 30)
    },
    HermitageScenario(name: "PMP-write", anomaly: .pmpWrite) { r in
        try r.begin(1); try r.begin(2)
        try r.update(1, where: { _ in true }, set: { $0 + 10 })
        try r.delete(2, where: { $0 == 20 })
        try r.commit(1)
        let remaining = try r.select(2, where: { $0 == 20 })
        try r.commit(2)
        // In no serial order does T2, after deleting the rows with value 20, still find one.
        return r.committed(2) && !remaining.isEmpty
    },
    HermitageScenario(name: "P4", anomaly: .p4) { r in
        try r.begin(1); try r.begin(2)
        try r.get(1, 1)
        try r.get(2, 1)
        try r.put(1, 1, 11)
        try r.put(2, 1, 11)
        try r.commit(1)
        try r.commit(2)
        // Both read 10 and both wrote their increment: one update is lost.
        return r.saw(1, 1, 10) && r.saw(2, 1, 10)
    },
    HermitageScenario(name: "G-single", anomaly: .gSingle) { r in
        try r.begin(1); try r.begin(2)
        try r.get(1, 1)
        try r.get(2, 1)
        try r.get(2, 2)
        try r.put(2, 1, 12)
        try r.put(2, 2, 18)
        try r.commit(2)
        try r.get(1, 2)
        try r.commit(1)
        return r.readSkew(observer: 1, writer: 2)
    },
    HermitageScenario(name: "G-single-dependencies", anomaly: .gSingle) { r in
        try r.begin(1); try r.begin(2)
        try r.select(1, where: { $0 % 5 == 0 })
        try r.update(2, where: { $0 == 10 }, set: { _ in 12 })
        try r.commit(2)
        try r.select(1, where: { $0 % 3 == 0 })
        try r.commit(1)
        return r.readSkew(observer: 1, writer: 2)
    },
    HermitageScenario(name: "G-single-write-1", anomaly: .gSingle) { r in
        try r.begin(1); try r.begin(2)
        try r.get(1, 1)
        try r.select(2)
        try r.put(2, 1, 12)
        try r.put(2, 2, 18)
        try r.commit(2)
        try r.delete(1, where: { $0 == 20 })
        try r.get(1, 2)
        try r.commit(1)
        return r.readSkew(observer: 1, writer: 2)
    },
    HermitageScenario(name: "G-single-write-2", anomaly: .gSingle) { r in
        try r.begin(1); try r.begin(2)
        try r.get(1, 1)
        try r.select(2)
        try r.put(2, 1, 12)
        try r.delete(1, where: { $0 == 20 })
        try r.put(2, 2, 18)
        r.rollback(1)
        try r.commit(2)
        // T1 rolled back: the anomaly would be its delete surviving, or T2's writes only partly.
        return try r.readSkew(observer: 1, writer: 2) || r.finalRows() != r.committedWritesApplied()
    },
    HermitageScenario(name: "G2-item", anomaly: .g2Item) { r in
        try r.begin(1); try r.begin(2)
        try r.get(1, 1); try r.get(1, 2)
        try r.get(2, 1); try r.get(2, 2)
        try r.put(1, 1, 11)
        try r.put(2, 2, 21)
        try r.commit(1)
        try r.commit(2)
        // Each read the row the other then wrote, as it was before: a cycle of two anti-dependencies.
        return r.saw(1, 2, 20) && r.saw(2, 1, 10)
    },
    HermitageScenario(name: "G2", anomaly: .g2) { r in
        try r.begin(1); try r.begin(2)
        try r.select(1, where: { $0 % 3 == 0 })
        try r.select(2, where: { $0 % 3 == 0 })
        try r.put(1, 3, 30)
        try r.put(2, 4, 42)
        try r.commit(1)
        try r.commit(2)
        // Both committed, and each one's predicate read missed the row the other inserted.
        return r.committed(1) && r.committed(2) && !r.saw(1, 4, 42) && !r.saw(2, 3, 30)
    },
    HermitageScenario(name: "G2-two-edges", anomaly: .g2) { r in
        try r.begin(1)
        try r.select(1)
        try r.begin(2)
        if let value = try r.get(2, 2) { try r.put(2, 2, value + 5) }
        try r.commit(2)
        try r.begin(3)
        try r.select(3)
        try r.commit(3)
        try r.put(1, 1, 0)
        try r.commit(1)
        // T3 saw T2 but not T1, T1 did not see T2: T1 -rw-> T2 -wr-> T3 -rw-> T1.
        return r.saw(1, 2, 20) && r.saw(3, 2, 25) && r.saw(3, 1, 10) && r.committed(2)
    },
]
