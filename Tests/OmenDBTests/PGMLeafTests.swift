import XCTest
@testable import OmenDB
import OmenTestSupport

/// `PGMLeaf`, the 32-byte leaf the PGM lookup reads: with the model's own error bounds
/// it gives exactly the model's window, and with larger bounds a window containing it.
final class PGMLeafTests: XCTestCase {
    func testWindowsEqualOrContainTheModelsWindows() {
        var rng = SeededGenerator(seed: 7)
        print("PGMLeafTests: seed 7")
        for _ in 0..<5_000 {
            let start = Int(rng.next() % 1_000_000), width = Int(rng.next() % 5_000)
            var model = BoundedLinearModel(key: 1_000, slope: rng.unit() * 0.01, intercept: rng.unit() * 40 - 20,
                                           start: start, end: start + width)
            model.errorBelow = Int(rng.next() % 300)
            model.errorAbove = Int(rng.next() % 300)
            let leaf = PGMLeaf(model)
            let query = 1_000 + Int64(rng.next() % 1_000_000) - 10
            let expected = model.window(query)
            let own = leaf.window(query, end: model.end, errorBelow: model.errorBelow, errorAbove: model.errorAbove)
            XCTAssertTrue(own == expected, "\(model) query \(query): \(own) vs \(expected)")
            let wider = leaf.window(query, end: model.end, errorBelow: model.errorBelow + Int(rng.next() % 100),
                                    errorAbove: model.errorAbove + Int(rng.next() % 100))
            XCTAssertTrue(wider.lo <= expected.lo && expected.hi <= wider.hi && model.start <= wider.lo && wider.hi <= model.end,
                          "\(model) query \(query): \(wider) does not contain \(expected)")
        }
    }

    func testTheLeafIsHalfACacheLine() {
        XCTAssertEqual(MemoryLayout<PGMLeaf>.stride, 32)
    }
}
