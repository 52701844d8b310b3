import Foundation
import XCTest
@testable import OmenDB
import OmenTestSupport

/// A fresh temporary directory, removed when the test ends.
func temporaryDatabaseDirectory(_ test: XCTestCase, _ name: String = "db") -> String {
    let base = NSTemporaryDirectory() + "omendb-storage-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
    try! FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: base) }
    return base + "/" + name
}

/// Options with a small hot tier so tests exercise flushes and compaction.
func smallOptions(hotTierBytes: Int = 64 << 10, sync: SyncMode = .off, background: Bool = true) -> DatabaseOptions {
    var options = DatabaseOptions()
    options.hotTierBytes = hotTierBytes
    options.sync = sync
    options.backgroundWork = background
    options.compactionTrigger = 4
    return options
}


/// A value whose bytes derive from key and version, of a given length.
func testValue(_ key: Int64, _ version: Int, length: Int) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: length)
    var x = UInt64(bitPattern: key) &* 31 &+ UInt64(version)
    for i in 0..<length {
        x = x &* 6364136223846793005 &+ 1442695040888963407
        bytes[i] = UInt8(truncatingIfNeeded: x >> 56)
    }
    return bytes
}

/// Keys drawn from a mix of distributions: sequential, gapped, full-range uniform,
/// clustered, and the extremes.
func mixedKey(_ rng: inout SeededGenerator) -> Int64 {
    switch Int.random(in: 0..<6, using: &rng) {
    case 0: return Int64.random(in: 0..<2000, using: &rng)
    case 1: return Int64.random(in: 0..<500, using: &rng) * 1_000_003
    case 2: return Int64.random(in: Int64.min...Int64.max, using: &rng)
    case 3: return [Int64.min, Int64.min + 1, Int64.max, Int64.max - 1, 0, -1].randomElement(using: &rng)!
    case 4: return (Int64.random(in: -3...3, using: &rng) << 60) + Int64.random(in: 0..<300, using: &rng)
    default: return -Int64.random(in: 0..<2000, using: &rng)
    }
}

func randomLength(_ rng: inout SeededGenerator) -> Int {
    switch Int.random(in: 0..<100, using: &rng) {
    case 0..<5: return 0
    case 5: return Int.random(in: 4000...70_000, using: &rng)
    default: return Int.random(in: 1...120, using: &rng)
    }
}

extension XCTestCase {
    /// Checks every point lookup and full iteration (both directions) against `reference`.
    func assertMatches(_ db: Database, _ reference: [Int64: [UInt8]], file: StaticString = #filePath, line: UInt = #line) throws {
        for (key, value) in reference {
            guard let found = try db.get(key) else { XCTFail("key \(key) missing", file: file, line: line); return }
            XCTAssertEqual(found, value, "value of key \(key)", file: file, line: line)
        }
        let sorted = reference.keys.sorted()
        let iterator = db.snapshot().makeIterator()
        var seen: [Int64] = []
        try iterator.seekFirst()
        while iterator.isValid {
            seen.append(iterator.key)
            if Array(iterator.value) != reference[iterator.key] {
                XCTFail("iterator value of key \(iterator.key)", file: file, line: line)
                return
            }
            try iterator.next()
        }
        XCTAssertEqual(seen, sorted, "forward iteration", file: file, line: line)
        seen.removeAll()
        try iterator.seekLast()
        while iterator.isValid {
            seen.append(iterator.key)
            try iterator.previous()
        }
        XCTAssertEqual(seen, sorted.reversed(), "reverse iteration", file: file, line: line)
    }
}
