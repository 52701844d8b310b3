import XCTest
@testable import OmenDB

/// Round trips and damage: every kind's models survive serialization, and every
/// damaged buffer is rejected (or, if accepted, still answers correctly).
final class IndexSerializationTests: XCTestCase {
    private func configuration(_ kind: IndexKind, leaves: Int = 0) -> IndexConfiguration {
        var configuration = IndexConfiguration()
        configuration.kind = kind
        configuration.rmiLeafCount = leaves
        configuration.epsilon = 8
        return configuration
    }

    private func assertAgreesWithReference(_ index: LearnedIndex, _ keys: [Int64], _ queries: [Int64],
                                           _ context: String, file: StaticString = #filePath, line: UInt = #line) {
        for q in queries {
            let expected = IndexReference.lowerBound(keys, q)
            if index.lowerBound(q) != expected {
                XCTFail("\(context): lowerBound(\(q)) = \(index.lowerBound(q)), reference \(expected)", file: file, line: line)
                return
            }
        }
    }

    func testRoundTripEveryKindAndDistribution() throws {
        for distribution in IndexKeyDistribution.allCases {
            for size in [0, 1, 2, 300, 20_000] {
                let keys = distribution.keys(size)
                let queries = IndexReference.queries(Array(keys.prefix(300)), random: 300)
                for kind in [IndexKind.linear, .rmi, .pgm, .alex, .auto] {
                    let original = try LearnedIndex(keys: keys, configuration: configuration(kind))
                    let bytes = original.serialized()
                    XCTAssertEqual(bytes.count, original.serializedSize)
                    let loaded = try LearnedIndex.load(keys: keys, from: bytes)
                    let context = "\(distribution) n=\(size) \(kind.name)"
                    XCTAssertEqual(loaded.statistics, original.statistics, context)
                    XCTAssertEqual(loaded.configuration, original.configuration, context)
                    XCTAssertEqual(loaded.serialized(), bytes, context)
                    assertAgreesWithReference(loaded, keys, queries, context)
                }
            }
        }
    }

    /// An RMI leaf's prediction is not clamped to its positions, so its error bounds may
    /// exceed the key count (an outlier far below a dense run of keys): such a leaf must
    /// load. (The crash test's bulk loads made this shape: one key at -2, one 4096 below
    /// the run, then a run of consecutive keys; loading failed with "error above 2580
    /// exceeds 2240".)
    func testRMILeafErrorsBeyondTheKeyCountRoundTrip() throws {
        let base = Int64(1) << 40
        var exceeded = 0
        for size in [400, 1_000, 2_238] {
            let keys = [-2, base + 4_096] + (0..<Int64(size)).map { base + 8_192 + $0 }
            for leaves in [0, 1, 2, 4, 16] {
                let original = try LearnedIndex(keys: keys, configuration: configuration(.rmi, leaves: leaves))
                guard case .rmi(let rmi) = original.model else { return XCTFail("not an RMI") }
                if rmi.leafModels.contains(where: { Int($0.errorAbove) > keys.count || Int($0.errorBelow) > keys.count }) {
                    exceeded += 1
                }
                let loaded = try LearnedIndex.load(keys: keys, from: original.serialized())
                assertAgreesWithReference(loaded, keys, IndexReference.queries(keys, random: 300), "n=\(keys.count) leaves \(leaves)")
            }
        }
        XCTAssertGreaterThan(exceeded, 0, "the shape gives some leaf an error beyond the key count")
    }

    func testEveryFlippedByteIsRejectedOrHarmless() throws {
        for (kind, leaves, size) in [(IndexKind.linear, 0, 400), (.rmi, 6, 400), (.pgm, 0, 400), (.alex, 0, 5000)] {
            // ALEX needs more than one data node's keys (2048) to have inner nodes.
            let keys = IndexKeyDistribution.clustered.keys(size)
            let queries = IndexReference.queries(Array(keys.prefix(400)), random: 100)
            let original = try LearnedIndex(keys: keys, configuration: configuration(kind, leaves: leaves))
            let bytes = original.serialized()
            for position in bytes.indices {
                for mask: UInt8 in [0x01, 0x80, 0xFF] {
                    var damaged = bytes
                    damaged[position] ^= mask
                    do {
                        let loaded = try LearnedIndex.load(keys: keys, from: damaged)
                        assertAgreesWithReference(loaded, keys, queries, "\(kind.name) byte \(position) ^ \(mask)")
                    } catch {
                        XCTAssertEqual(error.code, .corruption, "\(kind.name) byte \(position): \(error)")
                    }
                }
            }
        }
    }

    func testEveryTruncationIsCorruption() throws {
        for kind in [IndexKind.linear, .rmi, .pgm, .alex] {
            let keys = IndexKeyDistribution.lognormal.keys(kind == .alex ? 5000 : 300)
            let bytes = try LearnedIndex(keys: keys, configuration: configuration(kind)).serialized()
            for length in 0..<bytes.count {
                XCTAssertThrowsError(try LearnedIndex.load(keys: keys, from: Array(bytes.prefix(length)))) { error in
                    XCTAssertEqual((error as! OmenError).code, .corruption, "\(kind.name) length \(length)")
                }
            }
            XCTAssertThrowsError(try LearnedIndex.load(keys: keys, from: bytes + [0])) { error in
                XCTAssertEqual((error as! OmenError).code, .corruption)
            }
        }
    }

    func testUnknownVersionAndKindAreUnsupported() throws {
        let keys = IndexKeyDistribution.uniform.keys(100)
        var bytes = try LearnedIndex(keys: keys).serialized()
        bytes[8] = UInt8(IndexFormat.version + 1)
        XCTAssertThrowsError(try LearnedIndex.load(keys: keys, from: resealed(bytes))) { error in
            XCTAssertEqual((error as! OmenError).code, .unsupported, "\(error)")
        }
        bytes[8] = UInt8(IndexFormat.version)
        bytes[12] = 77  // no such kind
        XCTAssertThrowsError(try LearnedIndex.load(keys: keys, from: resealed(bytes))) { error in
            XCTAssertEqual((error as! OmenError).code, .unsupported, "\(error)")
        }
    }

    func testCraftedButChecksummedDamageNeverEscapesTheKeyArray() throws {
        // Every byte after the header rewritten, checksum recomputed: structural checks
        // must reject it or the index must still stay inside the array (answers may be wrong
        // only when the models lie, which a CRC-valid buffer from `serialized()` never does).
        for kind in [IndexKind.linear, .rmi, .pgm, .alex] {
            let keys = IndexKeyDistribution.sequentialWithGaps.keys(kind == .alex ? 3000 : 200)
            let queries = IndexReference.queries(Array(keys.prefix(200)), random: 50)
            let bytes = try LearnedIndex(keys: keys, configuration: configuration(kind, leaves: 3)).serialized()
            for position in IndexFormat.headerSize..<(bytes.count - 4) {
                for value: UInt8 in [0x00, 0x7F, 0xFF] {
                    var damaged = bytes
                    damaged[position] = value
                    guard let loaded = try? LearnedIndex.load(keys: keys, from: resealed(damaged)) else { continue }
                    for q in queries {
                        let p = loaded.lowerBound(q)
                        XCTAssertTrue(p >= 0 && p <= keys.count, "\(kind.name) byte \(position)")
                    }
                }
            }
        }
    }

    func testDifferentKeysAreRejected() throws {
        for kind in [IndexKind.rmi, .alex] {
            let keys = IndexKeyDistribution.sequential.keys(1000)
            let bytes = try LearnedIndex(keys: keys, configuration: configuration(kind)).serialized()
            var shorter = keys; shorter.removeLast()
            var shifted = keys; shifted[0] -= 1
            // A key at one of the fingerprint's 64 evenly spaced positions.
            var sampled = keys; sampled[Int((Double(10) / 63 * 999).rounded())] -= 1
            for (label, other) in [("shorter", shorter), ("first key", shifted), ("sampled key", sampled)] {
                XCTAssertThrowsError(try LearnedIndex.load(keys: other, from: bytes), label) { error in
                    XCTAssertEqual((error as! OmenError).code, .invalidArgument, "\(label): \(error)")
                }
            }
            var unsorted = keys; unsorted.swapAt(3, 4)
            XCTAssertThrowsError(try LearnedIndex.load(keys: unsorted, from: bytes)) { error in
                XCTAssertEqual((error as! OmenError).code, .invalidArgument)
            }
        }
    }

    func testCRC32CKnownAnswersAndChaining() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
        XCTAssertEqual(CRC32C.checksum(Array(0..<32)), 0x46DD_794E)
        XCTAssertEqual(CRC32C.checksum([]), 0)
        var rng = IndexTestRandom(seed: 5)
        let data = (0..<1000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let whole = CRC32C.checksum(data)
        for split in [0, 1, 7, 8, 9, 31, 500, 999, 1000] {
            let head = CRC32C.checksum(Array(data[0..<split]))
            XCTAssertEqual(CRC32C.checksum(Array(data[split...]), seed: head), whole, "split \(split)")
        }
        // The software path equals the hardware path at every length and alignment.
        data.withUnsafeBytes { raw in
            for offset in 0..<9 {
                for length in [0, 1, 3, 8, 15, 16, 33, 100, 900] {
                    let slice = UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + length)])
                    let software = slice.count == 0 ? 0 : ~CRC32C.software(~0, slice.baseAddress!, slice.count)
                    XCTAssertEqual(software, CRC32C.checksum(slice), "offset \(offset) length \(length)")
                }
            }
        }
    }
}
