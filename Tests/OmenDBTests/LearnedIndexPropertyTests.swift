import XCTest
@testable import OmenDB

/// Every kind against the sorted-array reference, over every distribution and size.
final class LearnedIndexPropertyTests: XCTestCase {
    /// The configurations under test: every kind, both window searches, odd parameters.
    static let configurations: [IndexConfiguration] = {
        func make(_ kind: IndexKind, _ change: (inout IndexConfiguration) -> Void = { _ in }) -> IndexConfiguration {
            var configuration = IndexConfiguration()
            configuration.kind = kind
            change(&configuration)
            return configuration
        }
        return [
            make(.linear),
            make(.linear) { $0.windowSearch = .branchless },
            make(.rmi),
            make(.rmi) { $0.rmiLeafCount = 1 },
            make(.rmi) { $0.rmiLeafCount = 7; $0.windowSearch = .branchless },
            make(.rmi) { $0.rmiLeafCount = 5000 },
            make(.pgm),
            make(.pgm) { $0.epsilon = 1; $0.recursiveEpsilon = 1 },
            make(.pgm) { $0.epsilon = 16; $0.windowSearch = .branchless },
            make(.alex),
            make(.alex) { $0.windowSearch = .branchless },
            make(.auto),
        ]
    }()

    static let sizes = [0, 1, 2, 3, 10, 257, 5_000]

    func testEveryKindMatchesReferenceOnSmallSizes() throws {
        for distribution in IndexKeyDistribution.allCases {
            for size in Self.sizes {
                let keys = distribution.keys(size)
                let queries = IndexReference.queries(keys, random: 200)
                for configuration in Self.configurations {
                    try check(keys, queries, configuration, "\(distribution) n=\(size)")
                }
            }
        }
    }

    func testEveryKindMatchesReferenceAt100k() throws {
        for distribution in IndexKeyDistribution.allCases {
            let keys = distribution.keys(100_000)
            var rng = IndexTestRandom(seed: 99)
            // A sample of every kind of query (all keys would be slow in debug builds).
            var queries = IndexReference.queries(Array(keys.prefix(200)) + Array(keys.suffix(200)), random: 2_000)
            for _ in 0..<3_000 {
                let key = keys[Int(rng.next() % UInt64(keys.count))]
                queries.append(contentsOf: [key, key &+ 1, key &- 1])
            }
            for kind in [IndexKind.linear, .rmi, .pgm, .alex] {
                var configuration = IndexConfiguration()
                configuration.kind = kind
                try check(keys, queries, configuration, "\(distribution) n=100k", checkAllWindows: true)
            }
        }
    }

    /// Set OMENDB_LARGE_TESTS=1 to run the 1M-key case (meant for release builds).
    func testEveryKindMatchesReferenceAt1M() throws {
        guard getenv("OMENDB_LARGE_TESTS") != nil else { throw XCTSkip("set OMENDB_LARGE_TESTS=1 to run") }
        for distribution in IndexKeyDistribution.allCases {
            let keys = distribution.keys(1_000_000)
            let queries = IndexReference.queries(keys, random: 100_000)
            for kind in [IndexKind.linear, .rmi, .pgm, .alex, .auto] {
                var configuration = IndexConfiguration()
                configuration.kind = kind
                try check(keys, queries, configuration, "\(distribution) n=1M", checkAllWindows: true)
            }
        }
    }

    func testKeysSpanningTheWholeInt64Range() throws {
        // Gaps wider than 2^63 force the PLA to cut segments (64-bit geometry).
        let cases: [[Int64]] = [
            [Int64.min, Int64.max], [Int64.min, 0, Int64.max], [Int64.min, -1, 1, Int64.max],
            [Int64.min, Int64.min + 1, Int64.max - 1, Int64.max], [Int64.min, Int64.max, Int64.max],
        ]
        for keys in cases {
            for configuration in Self.configurations {
                try check(keys, IndexReference.queries(keys, random: 50), configuration, "span \(keys)")
            }
        }
    }

    func testRMIWithMoreLeavesThanKeysAndSkewedRouting() throws {
        // Lognormal keys under a linear root: most leaves empty, a few crowded.
        for leaves in [1, 2, 64, 100_000] {
            var configuration = IndexConfiguration()
            configuration.kind = .rmi
            configuration.rmiLeafCount = leaves
            let keys = IndexKeyDistribution.lognormal.keys(3_000)
            try check(keys, IndexReference.queries(keys, random: 500), configuration, "lognormal leaves=\(leaves)")
        }
    }

    func testRMILeafCountIsCappedByTheKeyCount() throws {
        // An empty leaf predicts nothing and costs 32 bytes: 2^28 requested leaves over
        // a handful of keys once allocated 8 GiB (the Python fuzzer's out-of-memory).
        for count in [0, 1, 10, 3_000] {
            for kind in [IndexKind.rmi, .auto] {
                var configuration = IndexConfiguration()
                configuration.kind = kind
                configuration.rmiLeafCount = 1 << 20
                let keys = IndexKeyDistribution.uniform.keys(count)
                let index = try LearnedIndex(keys: keys, configuration: configuration)
                let statistics = index.statistics
                if statistics.kind == .rmi {
                    XCTAssertLessThanOrEqual(statistics.modelCount, max(1, count) + 1, "\(kind.name) n=\(count)")
                }
                try check(keys, IndexReference.queries(keys, random: 200), configuration, "\(kind.name) n=\(count)")
            }
        }
    }

    func testRMIChoosesASplineRootForSkewedKeysAndStaysExact() throws {
        var configuration = IndexConfiguration()
        configuration.kind = .rmi
        for distribution in IndexKeyDistribution.allCases {
            let keys = distribution.keys(60_000)
            let index = try LearnedIndex(keys: keys, configuration: configuration)
            let note = index.statistics.note
            if distribution == .lognormal { XCTAssertTrue(note.contains("spline root"), note) }
            if distribution == .sequential { XCTAssertTrue(note.contains("linear root"), note) }
            var queries = IndexReference.queries(Array(keys.prefix(300)) + Array(keys.suffix(300)), random: 3_000)
            queries += keys.enumerated().filter { $0.offset % 5 == 0 }.flatMap { [$0.element, $0.element &+ 1, $0.element &- 1] }
            try check(keys, queries, configuration, "\(distribution) n=60k \(note)")
            let loaded = try LearnedIndex.load(keys: keys, from: index.serialized())
            XCTAssertEqual(loaded.statistics.note, note)
            for q in queries where loaded.lowerBound(q) != index.lowerBound(q) {
                XCTFail("\(distribution): loaded index answers \(loaded.lowerBound(q)) for \(q), built one \(index.lowerBound(q))")
                break
            }
        }
    }

    func testRMILeafErrorsBeyond16BitsWidenToTheWholeLeaf() throws {
        // One linear leaf over 200k lognormal keys: its error does not fit 16 bits.
        var configuration = IndexConfiguration()
        configuration.kind = .rmi
        configuration.rmiLeafCount = 1
        let keys = IndexKeyDistribution.lognormal.keys(200_000)
        let index = try LearnedIndex(keys: keys, configuration: configuration)
        XCTAssertGreaterThan(index.statistics.maximumError, Int(UInt16.max), index.statistics.note)
        let queries = IndexReference.queries(Array(keys.prefix(100)) + Array(keys.suffix(100)), random: 2_000)
            + keys.enumerated().filter { $0.offset % 97 == 0 }.map(\.element)
        try check(keys, queries, configuration, "lognormal single leaf")
        let loaded = try LearnedIndex.load(keys: keys, from: index.serialized())
        for q in queries { XCTAssertEqual(loaded.lowerBound(q), IndexReference.lowerBound(keys, q)) }
    }

    // MARK: - The check

    private func check(_ keys: [Int64], _ queries: [Int64], _ configuration: IndexConfiguration,
                       _ label: String, checkAllWindows: Bool = true,
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let index = try LearnedIndex(keys: keys, configuration: configuration)
        let context = "\(label) \(configuration.kind.name)/\(configuration.windowSearch) leaves=\(configuration.rmiLeafCount) eps=\(configuration.epsilon)"
        let statistics = index.statistics
        XCTAssertEqual(statistics.keyCount, keys.count, context, file: file, line: line)
        XCTAssertNotEqual(statistics.kind, .auto, context, file: file, line: line)
        var failures = 0
        var expected: [Int64] = []
        expected.reserveCapacity(queries.count)
        for q in queries {
            let reference = IndexReference.lowerBound(keys, q)
            expected.append(Int64(reference))
            if failures > 5 { continue }
            let got = index.lowerBound(q)
            if got != reference {
                failures += 1
                XCTFail("\(context): lowerBound(\(q)) = \(got), reference \(reference)", file: file, line: line)
            }
            let window = index.dataWindow(q)
            if checkAllWindows && !(window.lo <= reference && reference <= window.hi) {
                failures += 1
                XCTFail("\(context): window \(window) misses lower bound \(reference) of \(q)", file: file, line: line)
            }
            let isPresent = reference < keys.count && keys[reference] == q
            if index.find(q) != (isPresent ? reference : nil) {
                failures += 1
                XCTFail("\(context): find(\(q)) = \(String(describing: index.find(q)))", file: file, line: line)
            }
        }
        // Reported error bound vs. the error observed at every key.
        for (position, key) in keys.enumerated() where position == 0 || keys[position - 1] != key {
            let window = index.dataWindow(key)
            if !(window.lo <= position && position <= window.hi) || window.hi - window.lo > 2 * statistics.maximumError + 1 {
                XCTFail("\(context): key \(key) at \(position) outside window \(window), max error \(statistics.maximumError)",
                        file: file, line: line)
                break
            }
        }
        // Batches agree with single lookups.
        var positions = [Int64](repeating: -2, count: queries.count)
        queries.withUnsafeBufferPointer { q in
            positions.withUnsafeMutableBufferPointer { p in index.lowerBounds(q, into: p) }
        }
        XCTAssertEqual(positions, expected, "\(context): batch lower bounds", file: file, line: line)
        let found = queries.withUnsafeBufferPointer { q in
            positions.withUnsafeMutableBufferPointer { p in index.find(q, into: p) }
        }
        var expectedFound = 0
        for (i, q) in queries.enumerated() {
            let p = Int(expected[i])
            let hit = p < keys.count && keys[p] == q
            if hit { expectedFound += 1 }
            if positions[i] != (hit ? Int64(p) : -1) {
                XCTFail("\(context): batch find of \(q) = \(positions[i])", file: file, line: line)
                break
            }
        }
        XCTAssertEqual(found, expectedFound, context, file: file, line: line)
        // Ranges between pairs of queries, including inverted and empty ones.
        var rng = IndexTestRandom(seed: UInt64(queries.count))
        for _ in 0..<min(200, queries.count) {
            let a = queries[Int(rng.next() % UInt64(queries.count))]
            let b = queries[Int(rng.next() % UInt64(queries.count))]
            let range = index.range(from: a, to: b)
            let first = IndexReference.lowerBound(keys, a)
            let expectedCount = b > a ? IndexReference.lowerBound(keys, b) - first : 0
            if range.first != first || range.count != expectedCount {
                XCTFail("\(context): range(\(a), \(b)) = \(range), reference (\(first), \(expectedCount))",
                        file: file, line: line)
                break
            }
        }
    }
}

/// The PGM's routing levels (normally bypassed by the radix table over the leaf
/// segments) against the reference.
final class PGMRoutingLevelTests: XCTestCase {
    func testRoutingLevelsMatchRadixRoutingAndReference() {
        for distribution in IndexKeyDistribution.allCases {
            let keys = distribution.keys(30_000)
            let queries = IndexReference.queries(Array(keys.prefix(100)), random: 3_000)
                + keys.enumerated().filter { $0.offset % 7 == 0 }.flatMap { [$0.element, $0.element &+ 1] }
            keys.withUnsafeBufferPointer { buffer in
                for (epsilon, recursive) in [(2, 1), (4, 2), (16, 4)] {
                    for search in WindowSearch.allCases {
                        let levels = PGMIndex(keys: buffer.baseAddress!, count: buffer.count, epsilon: epsilon,
                                              recursiveEpsilon: recursive, windowSearch: search, routesThroughLevels: true)
                        XCTAssertTrue(distribution == .sequential || levels.levelCount > 1, "\(distribution)")
                        for q in queries {
                            let expected = IndexReference.lowerBound(keys, q)
                            if levels.lowerBound(q) != expected {
                                XCTFail("\(distribution) eps \(epsilon)/\(recursive) \(search): lowerBound(\(q)) = \(levels.lowerBound(q)), reference \(expected)")
                                return
                            }
                        }
                    }
                }
            }
        }
    }
}
