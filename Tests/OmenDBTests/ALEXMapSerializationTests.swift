import XCTest
@testable import OmenDB

/// `ALEXMap.serialized()` / `ALEXMap.load(from:)`: a loaded map holds the same entries
/// in the same tree, keeps working under updates, and damaged bytes are refused.
final class ALEXMapSerializationTests: XCTestCase {
    /// A map grown by updates (expanded, split and shrunk nodes) and its reference.
    private func updatedMap(_ distribution: ALEXKeyDistribution, inserts: Int, seed: UInt64) -> (ALEXMap, ALEXReference) {
        let map = ALEXMap()
        var reference = ALEXReference()
        let next = distribution.generator(seed: seed)
        var random = ALEXTestRandom(seed: seed)
        for i in 0..<inserts {
            let key = next()
            map.upsert(key, UInt64(i))
            reference.upsert(key, UInt64(i))
        }
        for _ in 0..<(inserts / 3) where reference.count > 0 {
            let key = reference.keys[Int(random.next() % UInt64(reference.count))]
            map.remove(key)
            reference.remove(key)
        }
        return (map, reference)
    }

    private func assertSameShape(_ a: ALEXMap, _ b: ALEXMap, _ context: String, file: StaticString = #filePath, line: UInt = #line) {
        let x = a.statistics, y = b.statistics
        XCTAssertEqual(x.count, y.count, context, file: file, line: line)
        XCTAssertEqual(x.maximumDepth, y.maximumDepth, context, file: file, line: line)
        XCTAssertEqual(x.innerNodeCount, y.innerNodeCount, context, file: file, line: line)
        XCTAssertEqual(x.dataNodeCount, y.dataNodeCount, context, file: file, line: line)
        XCTAssertEqual(x.sizeInBytes, y.sizeInBytes, context, file: file, line: line)
    }

    func testUpdatedMapsRoundTripAndKeepWorking() throws {
        for (index, distribution) in ALEXKeyDistribution.allCases.enumerated() {
            var (map, reference) = updatedMap(distribution, inserts: 12_000, seed: UInt64(index) + 3)
            let bytes = map.serialized()
            XCTAssertEqual(bytes.count, map.serializedSize)
            let loaded = try ALEXMap.load(from: bytes)
            let context = "\(distribution)"
            XCTAssertNil(loaded.verifyStructure(), context)
            assertSameShape(map, loaded, context)
            XCTAssertEqual(loaded.serialized(), bytes, context)
            ALEXCheck.assertIterationMatches(loaded, reference)
            // The loaded map takes further updates like any other.
            let next = distribution.generator(seed: 1000 + UInt64(index))
            var random = ALEXTestRandom(seed: 17)
            for i in 0..<6_000 {
                if random.next() % 3 == 0, reference.count > 0 {
                    let key = reference.keys[Int(random.next() % UInt64(reference.count))]
                    XCTAssertEqual(loaded.remove(key), reference.remove(key), context)
                } else {
                    let key = next()
                    XCTAssertEqual(loaded.upsert(key, UInt64(i)), reference.upsert(key, UInt64(i)), context)
                }
            }
            XCTAssertNil(loaded.verifyStructure(), context)
            ALEXCheck.assertIterationMatches(loaded, reference)
            map = loaded
        }
    }

    func testBulkLoadedEmptyAndTinyMapsRoundTrip() throws {
        for count in [0, 1, 2, 3000, 50_000] {
            let keys = (0..<count).map { Int64($0) * 7 - 1000 }
            let payloads = (0..<count).map { UInt64($0) * 3 }
            let map = try keys.withUnsafeBufferPointer { k in
                try payloads.withUnsafeBufferPointer { p in try ALEXMap(sortedKeys: k, payloads: p) }
            }
            let loaded = try ALEXMap.load(from: map.serialized())
            XCTAssertNil(loaded.verifyStructure())
            assertSameShape(map, loaded, "n=\(count)")
            for (key, payload) in zip(keys, payloads) where key % 5 == 0 { XCTAssertEqual(loaded.find(key), payload) }
            XCTAssertNil(loaded.find(-1001))
        }
        XCTAssertEqual(try ALEXMap.load(from: ALEXMap().serialized()).count, 0)
    }

    func testEveryFlippedByteAndTruncationIsCorruption() throws {
        let (map, _) = updatedMap(.clustered, inserts: 3_000, seed: 9)
        let bytes = map.serialized()
        for position in bytes.indices {
            var damaged = bytes
            damaged[position] ^= 0x04
            XCTAssertThrowsError(try ALEXMap.load(from: damaged)) { error in
                XCTAssertEqual((error as! OmenError).code, .corruption, "byte \(position)")
            }
        }
        for length in 0..<bytes.count {
            XCTAssertThrowsError(try ALEXMap.load(from: Array(bytes.prefix(length)))) { error in
                XCTAssertEqual((error as! OmenError).code, .corruption, "length \(length)")
            }
        }
        XCTAssertThrowsError(try ALEXMap.load(from: bytes + [0])) { error in
            XCTAssertEqual((error as! OmenError).code, .corruption)
        }
    }

    func testUnknownVersionIsUnsupported() throws {
        var bytes = ALEXMap().serialized()
        bytes[8] = 2
        XCTAssertThrowsError(try ALEXMap.load(from: resealed(bytes))) { error in
            XCTAssertEqual((error as! OmenError).code, .unsupported, "\(error)")
        }
    }

    func testCraftedButChecksummedDamageIsRejectedOrConsistent() throws {
        // Every byte of the tree rewritten, checksum recomputed: the structural checks
        // reject it, or the map it yields passes verification.
        let (map, reference) = updatedMap(.uniform, inserts: 4_000, seed: 21)
        let bytes = map.serialized()
        let treeStart = ALEXMapFormat.headerSize + 8 + 16 * reference.count
        var accepted = 0
        for position in treeStart..<(bytes.count - 4) {
            for value: UInt8 in [0x00, 0x7F, 0xFF] where bytes[position] != value {
                var damaged = bytes
                damaged[position] = value
                guard let loaded = try? ALEXMap.load(from: resealed(damaged)) else { continue }
                accepted += 1
                XCTAssertNil(loaded.verifyStructure(), "byte \(position) = \(value)")
                // It also takes updates: keys around and beyond the stored ones.
                var mirror = reference
                var random = ALEXTestRandom(seed: UInt64(position))
                for i in 0..<300 {
                    let key = Int64(bitPattern: random.next()) >> Int64(random.next() % 64)
                    if i % 3 == 2, mirror.count > 0 {
                        let victim = mirror.keys[Int(random.next() % UInt64(mirror.count))]
                        XCTAssertEqual(loaded.remove(victim), mirror.remove(victim))
                    } else {
                        XCTAssertEqual(loaded.upsert(key, UInt64(i)), mirror.upsert(key, UInt64(i)))
                    }
                }
                XCTAssertNil(loaded.verifyStructure(), "byte \(position) = \(value) after updates")
            }
        }
        print("crafted tree bytes accepted (harmless, e.g. model bits): \(accepted)")
    }
}
