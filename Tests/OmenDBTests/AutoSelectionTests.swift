import XCTest
@testable import OmenDB

/// `.auto`: a deterministic choice by the lookup cost model, explained in the note.
final class AutoSelectionTests: XCTestCase {
    private static let autoConfiguration: IndexConfiguration = {
        var configuration = IndexConfiguration()
        configuration.kind = .auto
        return configuration
    }()

    /// The estimate the note gives for `candidate` ("… name 123/w45 …").
    private func noteEstimate(_ note: String, _ candidate: String) -> Int? {
        guard let range = note.range(of: " \(candidate) ") else { return nil }
        return Int(note[range.upperBound...].prefix { $0.isNumber })
    }

    func testSameKeysGiveTheSameChoiceAndNoteEveryTime() throws {
        // Seeds printed so that a failure reproduces (IndexKeyDistribution's default seed 42).
        print("AutoSelectionTests: key seed 42")
        for distribution in IndexKeyDistribution.allCases {
            let keys = distribution.keys(30_000)
            let first = try LearnedIndex(keys: keys, configuration: Self.autoConfiguration).statistics
            for _ in 0..<3 {
                let again = try LearnedIndex(keys: keys, configuration: Self.autoConfiguration).statistics
                XCTAssertEqual(again.kind, first.kind, "\(distribution)")
                XCTAssertEqual(again.note, first.note, "\(distribution)")
                XCTAssertEqual(again.sizeInBytes, first.sizeInBytes, "\(distribution)")
            }
        }
    }

    func testTheNoteExplainsTheChoiceWithTheCheapestEstimate() throws {
        for distribution in [IndexKeyDistribution.lognormal, .uniform, .sequentialWithGaps] {
            let keys = distribution.keys(20_000)
            let statistics = try LearnedIndex(keys: keys, configuration: Self.autoConfiguration).statistics
            let note = statistics.note
            XCTAssertNotEqual(statistics.kind, .auto)
            let winner = String(note.dropFirst("auto: ".count).prefix { $0 != ";" })
            XCTAssertTrue(note.hasPrefix("auto: \(statistics.kind.name)"), note)
            XCTAssertTrue(note.contains("est. ns/window"), note)
            let candidates = AutoSelection.candidates(keys.count, Self.autoConfiguration)
            var estimates: [String: Int] = [:]
            for candidate in candidates {
                let estimate = noteEstimate(note, candidate.name)
                XCTAssertNotNil(estimate, "\(candidate.name) missing from: \(note)")
                estimates[candidate.name] = estimate
            }
            let chosen = try XCTUnwrap(estimates[winner], note)
            XCTAssertEqual(chosen, estimates.values.min(), "\(distribution): winner is not the cheapest: \(note)")
        }
    }

    func testTheChoiceIsTheCandidateWithTheLowestEstimate() throws {
        let keys = IndexKeyDistribution.clustered.keys(50_000)
        let choice = try keys.withUnsafeBufferPointer { buffer throws(OmenError) in
            try AutoSelection.choose(buffer.baseAddress!, buffer.count, Self.autoConfiguration)
        }
        var cheapest: (kind: IndexKind, cost: Double)?
        try keys.withUnsafeBufferPointer { buffer throws(OmenError) in
            for candidate in AutoSelection.candidates(keys.count, Self.autoConfiguration) {
                let model = try IndexModel.build(candidate.kind, buffer.baseAddress!, buffer.count, candidate.configuration)
                let cost = LookupCostModel.estimate(model, keys: buffer.baseAddress!, count: buffer.count,
                                                    sample: AutoSelection.windowSampleCount).nanoseconds
                if cheapest == nil || cost < cheapest!.cost { cheapest = (candidate.kind, cost) }
            }
        }
        XCTAssertEqual(choice.model.kind, cheapest?.kind, choice.note)
    }

    func testExactlyLinearKeysChooseTheLinearModel() throws {
        // One line predicts every position exactly: no structure to read, a 1-key window.
        let keys = IndexKeyDistribution.sequential.keys(100_000)
        let statistics = try LearnedIndex(keys: keys, configuration: Self.autoConfiguration).statistics
        XCTAssertEqual(statistics.kind, .linear, statistics.note)
    }

    func testWiderWindowsAndLargerStructuresCostMore() {
        let array = 80 << 20
        XCTAssertLessThan(LookupCostModel.windowCost(width: 16, arrayBytes: array),
                          LookupCostModel.windowCost(width: 128, arrayBytes: array))
        XCTAssertLessThan(LookupCostModel.windowCost(width: 128, arrayBytes: array),
                          LookupCostModel.windowCost(width: 100_000, arrayBytes: array))
        XCTAssertLessThan(LookupCostModel.accessCost(16 << 10), LookupCostModel.accessCost(256 << 10))
        XCTAssertLessThan(LookupCostModel.accessCost(256 << 10), LookupCostModel.accessCost(4 << 20))
        XCTAssertLessThan(LookupCostModel.accessCost(4 << 20), LookupCostModel.accessCost(64 << 20))
    }

    func testAutoTriesALEXOnlyUpToItsLimit() {
        let limit = AutoSelection.alexCandidateLimit
        XCTAssertTrue(AutoSelection.candidates(limit, IndexConfiguration()).contains { $0.kind == .alex })
        XCTAssertFalse(AutoSelection.candidates(limit + 1, IndexConfiguration()).contains { $0.kind == .alex })
    }

    /// A run's model (array kinds only) is never ALEX, even on keys where ALEX would win.
    func testArrayKindsOnlyNeverBuildsALEX() throws {
        XCTAssertFalse(AutoSelection.candidates(1_000, IndexConfiguration(), arrayKindsOnly: true).contains { $0.kind == .alex })
        for distribution in IndexKeyDistribution.allCases {
            let keys = distribution.keys(20_000)
            let choice = try keys.withUnsafeBufferPointer { (buffer) throws(OmenError) in
                try AutoSelection.choose(buffer.baseAddress!, buffer.count, IndexConfiguration(), arrayKindsOnly: true)
            }
            XCTAssertNotEqual(choice.model.kind, .alex, "\(distribution): \(choice.note)")
            XCTAssertTrue(choice.note.hasSuffix("; array kinds only"), choice.note)
        }
    }
}
