import XCTest
@testable import OmenDB
import OmenTestSupport

typealias ALEXTestRandom = SeededGenerator

/// Key distributions the ALEX tests insert, as endless streams.
enum ALEXKeyDistribution: String, CaseIterable {
    case sequential, sequentialWithGaps, reverse, uniform, clustered, lognormal, extremes

    /// A stream of keys (duplicates possible; callers treat them as updates).
    func generator(seed: UInt64) -> () -> Int64 {
        var random = ALEXTestRandom(seed: seed)
        var counter: Int64 = 0
        switch self {
        case .sequential:
            return { counter += 1; return 1_000_000 + counter }
        case .sequentialWithGaps:
            var key: Int64 = -5_000_000_000
            return { key += Int64.random(in: 1...1000, using: &random); return key }
        case .reverse:
            return { counter += 1; return 7_000_000_000 - counter * 3 }
        case .uniform:
            return { Int64(bitPattern: random.next()) }
        case .clustered:
            let centers: [Int64] = (0..<24).map { _ in Int64.random(in: (Int64.min / 2)...(Int64.max / 2), using: &random) }
                + [Int64.min, Int64.max - 200_000_000]
            return {
                let center = centers[Int.random(in: 0..<centers.count, using: &random)]
                return center &+ Int64.random(in: 0..<200_000_000, using: &random) / 1000 * 1000
            }
        case .lognormal:
            return {
                // Box-Muller normal, then exp: heavy right tail, dense near zero.
                let u1 = Double.random(in: Double.ulpOfOne..<1, using: &random)
                let u2 = Double.random(in: 0..<1, using: &random)
                let normal = (-2 * logApprox(u1)).squareRoot() * cosApprox(2 * Double.pi * u2)
                let value = expApprox(2.0 * normal) * 1_000_000
                return value >= 9.0e18 ? Int64.max : Int64(value)
            }
        case .extremes:
            return {
                switch Int.random(in: 0..<6, using: &random) {
                case 0: return Int64.min &+ Int64.random(in: 0..<5000, using: &random)
                case 1: return Int64.max &- Int64.random(in: 0..<5000, using: &random)
                case 2: return Int64.random(in: -5000...5000, using: &random)
                case 3: return Int64.random(in: 0...1, using: &random) == 0 ? Int64.min : Int64.max
                default: return Int64(bitPattern: random.next())
                }
            }
        }
    }
}

// Foundation-free math for the lognormal stream (accuracy is irrelevant, monotonicity is not needed).
private func logApprox(_ x: Double) -> Double {
    // log(x) = log(m * 2^e) = e*ln2 + log(m), m in [1, 2): series around 1.
    let e = Double(x.exponent)
    let m = x.significand
    let t = (m - 1) / (m + 1)
    var sum = 0.0, power = t
    for k in stride(from: 1, through: 15, by: 2) { sum += power / Double(k); power *= t * t }
    return e * 0.6931471805599453 + 2 * sum
}

private func expApprox(_ x: Double) -> Double {
    let n = (x / 0.6931471805599453).rounded(.down)
    let r = x - n * 0.6931471805599453
    var term = 1.0, sum = 1.0
    for k in 1...20 { term *= r / Double(k); sum += term }
    return sum * Double(sign: .plus, exponent: Int(n), significand: 1)
}

private func cosApprox(_ x: Double) -> Double {
    var y = x.truncatingRemainder(dividingBy: 2 * Double.pi)
    if y > Double.pi { y -= 2 * Double.pi }
    var term = 1.0, sum = 1.0
    for k in 1...12 { term *= -y * y / Double((2 * k - 1) * (2 * k)); sum += term }
    return sum
}

/// The independent reference: a sorted key array plus a dictionary of payloads.
struct ALEXReference {
    private(set) var keys: [Int64] = []
    private(set) var payloads: [Int64: UInt64] = [:]

    var count: Int { keys.count }

    func lowerBound(_ key: Int64) -> Int {
        var low = 0, high = keys.count
        while low < high {
            let middle = (low + high) / 2
            if keys[middle] < key { low = middle + 1 } else { high = middle }
        }
        return low
    }

    @discardableResult
    mutating func upsert(_ key: Int64, _ payload: UInt64) -> UInt64? {
        if let old = payloads.updateValue(payload, forKey: key) { return old }
        keys.insert(key, at: lowerBound(key))
        return nil
    }

    @discardableResult
    mutating func remove(_ key: Int64) -> UInt64? {
        guard let old = payloads.removeValue(forKey: key) else { return nil }
        keys.remove(at: lowerBound(key))
        return old
    }

    func find(_ key: Int64) -> UInt64? { payloads[key] }
}

/// Assertion helpers shared by the ALEX test files.
enum ALEXCheck {
    /// Asserts that forward and backward cursor walks equal the reference.
    static func assertIterationMatches(_ map: ALEXMap, _ reference: ALEXReference,
                                       file: StaticString = #filePath, line: UInt = #line) {
        var cursor = map.cursor()
        cursor.seekFirst()
        var index = 0
        while cursor.isValid {
            guard index < reference.count, cursor.key == reference.keys[index] else {
                XCTFail("forward walk: entry \(index) is \(cursor.key), expected \(index < reference.count ? String(reference.keys[index]) : "end")",
                        file: file, line: line)
                return
            }
            XCTAssertEqual(cursor.payload, reference.find(cursor.key), file: file, line: line)
            index += 1
            cursor.next()
        }
        XCTAssertEqual(index, reference.count, "forward walk length", file: file, line: line)
        cursor.seekLast()
        index = reference.count - 1
        while cursor.isValid {
            guard index >= 0, cursor.key == reference.keys[index] else {
                XCTFail("backward walk: entry \(index) is \(cursor.key)", file: file, line: line)
                return
            }
            index -= 1
            cursor.previous()
        }
        XCTAssertEqual(index, -1, "backward walk length", file: file, line: line)
    }

    /// Asserts seek / seekForPrevious at `probe` land where the reference says, and
    /// that a few steps either way follow the reference.
    static func assertSeekMatches(_ map: ALEXMap, _ reference: ALEXReference, probe: Int64, steps: Int = 3,
                                  file: StaticString = #filePath, line: UInt = #line) {
        var cursor = map.cursor()
        cursor.seek(probe)
        var index = reference.lowerBound(probe)
        for _ in 0...steps {
            if index >= reference.count {
                XCTAssertFalse(cursor.isValid, "seek(\(probe)) past the end", file: file, line: line)
                break
            }
            guard cursor.isValid, cursor.key == reference.keys[index] else {
                XCTFail("seek(\(probe)) step: got \(cursor.isValid ? String(cursor.key) : "invalid"), expected \(reference.keys[index])",
                        file: file, line: line)
                return
            }
            cursor.next()
            index += 1
        }
        cursor.seekForPrevious(probe)
        let bound = reference.lowerBound(probe)
        index = bound < reference.count && reference.keys[bound] == probe ? bound : bound - 1
        for _ in 0...steps {
            if index < 0 {
                XCTAssertFalse(cursor.isValid, "seekForPrevious(\(probe)) before the start", file: file, line: line)
                break
            }
            guard cursor.isValid, cursor.key == reference.keys[index] else {
                XCTFail("seekForPrevious(\(probe)): got \(cursor.isValid ? String(cursor.key) : "invalid"), expected \(reference.keys[index])",
                        file: file, line: line)
                return
            }
            cursor.previous()
            index -= 1
        }
    }

    static func assertStructure(_ map: ALEXMap, file: StaticString = #filePath, line: UInt = #line) {
        if let problem = map.verifyStructure() { XCTFail("structure: \(problem)", file: file, line: line) }
    }
}
