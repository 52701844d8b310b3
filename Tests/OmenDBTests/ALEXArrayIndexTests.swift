import XCTest
@testable import OmenDB

/// The `.alex` kind of `LearnedIndex` and the pieces it adds to ALEX: the map's
/// non-allocating lower bound and the model-placed (unfitted) reload.
final class ALEXArrayIndexTests: XCTestCase {
    private func alex() -> IndexConfiguration {
        var configuration = IndexConfiguration()
        configuration.kind = .alex
        return configuration
    }

    func testShapeAndMemoryAreReported() throws {
        let keys = IndexKeyDistribution.lognormal.keys(100_000)
        let index = try LearnedIndex(keys: keys, configuration: alex())
        let statistics = index.statistics
        guard case .alex(let model) = index.model else { return XCTFail("built \(statistics.kind)") }
        let shape = model.map.statistics
        XCTAssertEqual(statistics.kind, .alex)
        XCTAssertEqual(statistics.levelCount, shape.maximumDepth)
        XCTAssertGreaterThanOrEqual(statistics.levelCount, 2)
        XCTAssertEqual(statistics.modelCount, shape.innerNodeCount + shape.dataNodeCount)
        XCTAssertEqual(statistics.sizeInBytes, shape.sizeInBytes)
        // A copy of every distinct key and a payload per slot at 70% occupancy.
        XCTAssertGreaterThan(statistics.bytesPerKey, 16, "\(statistics.bytesPerKey)")
        XCTAssertLessThan(statistics.bytesPerKey, 40, "\(statistics.bytesPerKey)")
        XCTAssertTrue(statistics.note.hasPrefix("alex: "), statistics.note)
        XCTAssertNil(model.map.verifyStructure())
        // The reported error bounds every stored key's distance from its prediction.
        var leaf: ALEXDataNode? = model.map.leftmostLeaf()
        while let node = leaf {
            var slot = node.nextOccupied(from: 0)
            while slot < node.capacity {
                XCTAssertLessThanOrEqual(abs(slot - node.predictedSlot(node.keys[slot])), statistics.maximumError)
                slot = node.nextOccupied(from: slot + 1)
            }
            leaf = node.next
        }
    }

    func testDuplicatesAreStoredOnceWithTheirFirstPosition() throws {
        let keys = IndexKeyDistribution.duplicates.keys(10_000)
        let index = try LearnedIndex(keys: keys, configuration: alex())
        guard case .alex(let model) = index.model else { return XCTFail() }
        XCTAssertEqual(model.map.count, Set(keys).count)
        for (position, key) in keys.enumerated() where position == 0 || keys[position - 1] != key {
            XCTAssertEqual(model.map.find(key), UInt64(position))
        }
    }

    func testLoadedTreeHasTheSavedLayout() throws {
        for distribution in IndexKeyDistribution.allCases {
            let keys = distribution.keys(30_000)
            let original = try LearnedIndex(keys: keys, configuration: alex())
            let loaded = try LearnedIndex.load(keys: keys, from: original.serialized())
            guard case .alex(let saved) = original.model, case .alex(let restored) = loaded.model else {
                return XCTFail("\(distribution): not ALEX")
            }
            XCTAssertNil(restored.map.verifyStructure(), "\(distribution)")
            // Same nodes, same slots: the gapped arrays were placed, not refitted.
            var a: ALEXDataNode? = saved.map.leftmostLeaf(), b: ALEXDataNode? = restored.map.leftmostLeaf()
            while let x = a, let y = b {
                XCTAssertEqual(x.capacity, y.capacity, "\(distribution)")
                XCTAssertEqual(x.model, y.model, "\(distribution)")
                XCTAssertTrue((0..<x.capacity).allSatisfy { x.keys[$0] == y.keys[$0] && x.isOccupied($0) == y.isOccupied($0) },
                              "\(distribution)")
                a = x.next
                b = y.next
            }
            XCTAssertTrue(a == nil && b == nil, "\(distribution): leaf counts differ")
        }
    }

    func testQueriesAtEveryDataNodeEdge() throws {
        // Just below a node's first key and just above its last (a trailing gap, or past
        // a full last slot): the answer comes from the gap payloads or the next node.
        var fullLastSlots = 0
        for distribution in IndexKeyDistribution.allCases {
            let keys = distribution.keys(50_000)
            let index = try LearnedIndex(keys: keys, configuration: alex())
            guard case .alex(let model) = index.model else { return XCTFail() }
            var leaf: ALEXDataNode? = model.map.leftmostLeaf()
            while let node = leaf {
                if node.isOccupied(node.capacity - 1) { fullLastSlots += 1 }
                for edge in [node.minimumKey, node.maximumKey].compactMap({ $0 }) {
                    for q in [edge &- 1, edge, edge &+ 1, edge &+ 2] {
                        XCTAssertEqual(index.lowerBound(q), IndexReference.lowerBound(keys, q), "\(distribution) \(q)")
                    }
                }
                leaf = node.next
            }
        }
        XCTAssertGreaterThan(fullLastSlots, 0, "no data node with an occupied last slot: that path went untested")
    }

    func testKeysDifferingBetweenFingerprintSamplesAreRejected() throws {
        // Position 5 is not one of the 64 sampled positions: only the ALEX checks see it.
        let keys = IndexKeyDistribution.sequential.keys(1000)
        let bytes = try LearnedIndex(keys: keys, configuration: alex()).serialized()
        var duplicated = keys; duplicated[5] = duplicated[4]
        XCTAssertThrowsError(try LearnedIndex.load(keys: duplicated, from: bytes)) { error in
            XCTAssertEqual((error as! OmenError).code, .invalidArgument, "\(error)")
        }
    }

    func testMapLowerBoundPayloadMatchesReferenceThroughUpdates() {
        // Inserts and removals leave empty data nodes and gaps: the lower bound must
        // step across them along the leaf chain.
        let map = ALEXMap()
        var reference = ALEXReference()
        var rng = IndexTestRandom(seed: 31)
        func check(_ label: String) {
            let probes = reference.keys.prefix(500).flatMap { [$0, $0 &+ 1, $0 &- 1] }
                + (0..<500).map { _ in Int64(bitPattern: rng.next()) } + [Int64.min, Int64.max, 0]
            for probe in probes {
                let position = reference.lowerBound(probe)
                let expected = position < reference.count ? reference.find(reference.keys[position]) : nil
                if map.lowerBoundPayload(probe) != expected {
                    return XCTFail("\(label): lowerBoundPayload(\(probe)) = \(String(describing: map.lowerBoundPayload(probe))), expected \(String(describing: expected))")
                }
            }
        }
        check("empty")
        for i in 0..<40_000 {
            let key = Int64(bitPattern: rng.next()) >> Int64(rng.next() % 40)
            map.upsert(key, UInt64(i))
            reference.upsert(key, UInt64(i))
        }
        check("after inserts")
        for key in reference.keys where rng.next() % 10 != 0 {
            map.remove(key)
            reference.remove(key)
        }
        XCTAssertNil(map.verifyStructure())
        check("after removing 90%")
        for key in reference.keys { map.remove(key); reference.remove(key) }
        check("after removing all")
    }
}
