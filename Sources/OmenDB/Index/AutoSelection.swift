/// The `.auto` kind: build every candidate kind over the data itself, estimate each
/// one's lookup cost with a fixed cost model, and keep the cheapest. No clock is read:
/// the same keys and configuration give the same choice on every run and machine load.
///
/// The model (`LookupCostModel`) charges a lookup for the memory accesses its kind
/// makes into the index structure — each priced by the cache level a structure of that
/// size lives in — and for the last-mile search of the data window the model predicts:
/// the key array's miss, the window's cache lines and the binary-search probes. The
/// window widths are measured, not assumed: the mean width of the window each built
/// model gives for a fixed sample of the data's own keys.
///
/// ALEX is a candidate only up to `alexCandidateLimit` keys: it keeps its own copy of
/// every key (about 23 bytes per key), too much to build speculatively beyond that.
enum AutoSelection {
    static let alexCandidateLimit = 4_000_000
    /// Keys sampled (at fixed, evenly spaced positions) to measure window widths.
    static let windowSampleCount = 4096

    /// One model to try: a kind and the configuration it is built with.
    struct Candidate {
        var name: String
        var kind: IndexKind
        var configuration: IndexConfiguration
    }

    /// PGM at the configured ε; RMI at its default leaf density and, unless the leaf
    /// count is configured, at 4× that density (smaller windows, leaves in DRAM) and
    /// at ¼ of it (larger windows, leaves in L2); one linear model; ALEX up to
    /// `alexCandidateLimit` keys unless `arrayKindsOnly` (a run's model: ALEX keeps its
    /// own copy of the keys, and it is the costliest candidate to build).
    static func candidates(_ count: Int, _ configuration: IndexConfiguration,
                           arrayKindsOnly: Bool = false) -> [Candidate] {
        var list = [Candidate(name: "pgm", kind: .pgm, configuration: configuration),
                    Candidate(name: "rmi", kind: .rmi, configuration: configuration)]
        if configuration.rmiLeafCount == 0 {
            var dense = configuration, sparse = configuration
            // Never more leaves than keys: a leaf without a key is a model that finds nothing.
            dense.rmiLeafCount = max(1, min(count, RMIIndex.defaultLeafCount(keyCount: count) * 4))
            sparse.rmiLeafCount = max(1, RMIIndex.defaultLeafCount(keyCount: count) / 4)
            list.append(Candidate(name: "rmi-dense", kind: .rmi, configuration: dense))
            list.append(Candidate(name: "rmi-sparse", kind: .rmi, configuration: sparse))
        }
        list.append(Candidate(name: "linear", kind: .linear, configuration: configuration))
        if count <= alexCandidateLimit && !arrayKindsOnly {
            list.append(Candidate(name: "alex", kind: .alex, configuration: configuration))
        }
        return list
    }

    struct Choice {
        var model: IndexModel
        var note: String
    }

    static func choose(_ keys: UnsafePointer<Int64>, _ count: Int, _ configuration: IndexConfiguration,
                       arrayKindsOnly: Bool = false) throws(OmenError) -> Choice {
        let candidates = candidates(count, configuration, arrayKindsOnly: arrayKindsOnly)
        var best: (index: Int, model: IndexModel, cost: LookupCostModel.Estimate)?
        var costs: [LookupCostModel.Estimate] = []
        for (i, candidate) in candidates.enumerated() {
            let model = try IndexModel.build(candidate.kind, keys, count, candidate.configuration)
            let cost = LookupCostModel.estimate(model, keys: keys, count: count, sample: windowSampleCount)
            costs.append(cost)
            // Strictly cheaper wins; an equal estimate keeps the earlier (listed) candidate.
            if best == nil || cost.nanoseconds < best!.cost.nanoseconds { best = (i, model, cost) }
        }
        let winner = best!
        var note = "auto: \(candidates[winner.index].name); est. ns/window"
        for (i, cost) in costs.enumerated() {
            note += " \(candidates[i].name) \(cost.summary)"
        }
        if arrayKindsOnly {
            note += "; array kinds only"
        } else if count > alexCandidateLimit {
            note += "; no alex above \(alexCandidateLimit) keys"
        }
        return Choice(model: winner.model, note: note)
    }
}
