import FuzzSupport
@testable import OmenDB

/// Fuzz target: loading a serialized ALEX map (`ALEXMap.load`, reached publicly by
/// `omendb_map_load`), then its structural verification, every stored entry, and a
/// sequence of inserts and removals (derived from the input) on the loaded tree,
/// checked against a dictionary.
/// Input: flags (bit 0: repair the length and CRC), then the serialized map.
@main enum MapTarget {
    static func main() {
        runLibFuzzer { data, size in
            var input = FuzzInput(inputBytes(data, size))
            if input.repairsChecksums { ChecksumRepair.envelope(&input.body) }
            MapTarget.check(input.body)
            return 0
        }
    }

    static func check(_ bytes: [UInt8]) {
        let map: ALEXMap
        do throws(OmenError) {
            map = try ALEXMap.load(from: bytes)
        } catch {
            invariantRefusal(error, [.corruption, .unsupported])
            return
        }
        if let problem = map.verifyStructure() { invariant(false, "a loaded map fails verification: \(problem)") }
        // The entries as stored in the buffer (format: header 24, count, keys, payloads).
        let count = bytes.withUnsafeBytes { Int($0.loadUnaligned(fromByteOffset: 24, as: UInt64.self).littleEndian) }
        var reference: [Int64: UInt64] = [:]
        var keys: [Int64] = []
        bytes.withUnsafeBytes { raw in
            for i in 0..<count {
                let key = Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 32 + 8 * i, as: Int64.self))
                reference[key] = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 32 + 8 * (count + i), as: UInt64.self))
                keys.append(key)
            }
        }
        invariant(map.count == count, "map count \(map.count), buffer count \(count)")
        for key in keys { invariant(map.find(key) == reference[key], "loaded map: find(\(key)) is wrong") }
        compareEntries(map, reference)
        // Updates on the loaded tree, keyed near the stored keys and at the extremes.
        var state = UInt64(truncatingIfNeeded: bytes.count) &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(count)
        for step in 0..<64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let base = keys.isEmpty ? 0 : keys[Int(state >> 33) % keys.count]
            let key: Int64
            switch state % 5 {
            case 0: key = base
            case 1: key = base &+ Int64(state >> 60) &+ 1
            case 2: key = base &- Int64(state >> 60) &- 1
            case 3: key = step % 2 == 0 ? .min &+ Int64(step) : .max &- Int64(step)
            default: key = Int64(bitPattern: state)
            }
            if state & (1 << 20) == 0 {
                let previous = map.remove(key)
                invariant(previous == reference.removeValue(forKey: key), "remove(\(key)) returned the wrong payload")
            } else {
                let previous = map.upsert(key, UInt64(step))
                invariant(previous == reference.updateValue(UInt64(step), forKey: key), "upsert(\(key)) returned the wrong payload")
            }
        }
        if let problem = map.verifyStructure() { invariant(false, "a loaded map fails verification after updates: \(problem)") }
        compareEntries(map, reference)
    }

    /// The map's entries in order equal the reference's.
    static func compareEntries(_ map: ALEXMap, _ reference: [Int64: UInt64]) {
        invariant(map.count == reference.count, "map count \(map.count), reference \(reference.count)")
        let capacity = reference.count + 1
        var keys = [Int64](repeating: 0, count: capacity)
        var payloads = [UInt64](repeating: 0, count: capacity)
        let copied = map.copyEntries(from: .min, capacity: capacity, keys: &keys, payloads: &payloads)
        let expected = reference.sorted { $0.key < $1.key }
        invariant(copied == expected.count, "copyEntries gave \(copied) entries, expected \(expected.count)")
        for (i, entry) in expected.enumerated() {
            invariant(keys[i] == entry.key && payloads[i] == entry.value, "entry \(i) is (\(keys[i]), \(payloads[i])), expected \(entry)")
        }
    }
}
