/// The `.auto` kind: build every candidate kind over the data itself, time lookups of
/// the same query sample on each, and keep the fastest.
///
/// The queries are keys drawn at pseudo-random positions of the array plus as many
/// absent neighbours (`key + 1`), in a fixed order, so every candidate sees the same
/// work; each candidate is timed in several interleaved rounds and its best round
/// counts (the machine may be shared; the best round is the least disturbed one).
/// Among the candidates within 10 % of the fastest (timing noise on a shared
/// machine), the one with the smallest index wins.
///
/// ALEX is a candidate only up to `alexCandidateLimit` keys: it keeps its own copy of
/// every key (about 23 bytes per key), too much to build speculatively beyond that.
enum AutoSelection {
    static let rounds = 5
    static let alexCandidateLimit = 4_000_000

    /// One model to try: a kind and the configuration it is built with.
    struct Candidate {
        var name: String
        var kind: IndexKind
        var configuration: IndexConfiguration
    }

    /// PGM at the configured ε; RMI at its default leaf density and, unless the leaf
    /// count is configured, at 4× that density (smaller windows, leaves in DRAM) and
    /// at ¼ of it (larger windows, leaves in L2); one linear model; ALEX up to `alexCandidateLimit` keys.
    static func candidates(_ count: Int, _ configuration: IndexConfiguration) -> [Candidate] {
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
        if count <= alexCandidateLimit {
            list.append(Candidate(name: "alex", kind: .alex, configuration: configuration))
        }
        return list
    }

    struct Choice {
        var model: IndexModel
        var note: String
    }

    static func choose(_ keys: UnsafePointer<Int64>, _ count: Int,
                       _ configuration: IndexConfiguration) throws(OmenError) -> Choice {
        let candidates = candidates(count, configuration)
        var models: [IndexModel] = []
        for c in candidates { models.append(try IndexModel.build(c.kind, keys, count, c.configuration)) }
        // Every (round, candidate) pair gets its own sample, and the order rotates, so
        // that no candidate runs on cache lines an earlier one has just loaded: on a
        // large array each lookup then pays its misses, as it will in use.
        var best = [UInt64](repeating: .max, count: models.count)
        var checksum = 0
        var queryCount = 0
        for round in 0..<rounds {
            for step in models.indices {
                let m = (step &+ round) % models.count
                let queries = sampleQueries(keys, count, seed: UInt64(round &* models.count &+ m))
                queryCount = queries.count
                let started = MonotonicClock.nanoseconds()
                for q in queries { checksum &+= models[m].lowerBound(q) }
                best[m] = min(best[m], MonotonicClock.nanoseconds() &- started)
            }
        }
        let sizes = models.map { $0.statistics(keyCount: count).sizeInBytes }
        var fastest = 0
        for m in models.indices where best[m] < best[fastest] { fastest = m }
        var winner = fastest
        for m in models.indices where best[m] <= best[fastest] + best[fastest] / 10 && sizes[m] < sizes[winner] {
            winner = m
        }
        let perLookup = { (m: Int) -> String in
            let tenths = queryCount == 0 ? 0 : best[m] * 10 / UInt64(queryCount)
            return "\(candidates[m].name) \(tenths / 10).\(tenths % 10)"
        }
        var note = "auto: \(candidates[winner].name); ns/lookup"
        for m in models.indices { note += " " + perLookup(m) }
        note += " (\(queryCount) fresh queries per round, best of \(rounds)"
        if winner != fastest { note += "; within 10% of \(candidates[fastest].name), smaller" }
        if count > alexCandidateLimit { note += "; alex not tried above \(alexCandidateLimit) keys" }
        note += checksum == Int.min ? ")" : ")"  // keeps the timed loops from being optimized away
        return Choice(model: models[winner], note: note)
    }

    /// Up to 2 × 8192 queries: present keys at pseudo-random positions and their `+ 1` neighbours.
    static func sampleQueries(_ keys: UnsafePointer<Int64>, _ count: Int, seed: UInt64) -> [Int64] {
        guard count > 0 else { return [] }
        let samples = min(count, 8192)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15 &+ seed &* 0xD1B5_4A32_D192_ED03
        var queries: [Int64] = []
        queries.reserveCapacity(samples * 2)
        for _ in 0..<samples {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let key = keys[Int((state &>> 17) % UInt64(count))]
            queries.append(key)
            queries.append(key &+ 1)
        }
        return queries
    }
}
