import FuzzSupport
@testable import OmenDB

/// Fuzz target: loading a serialized learned index (`IndexLoader`, reached publicly by
/// `LearnedIndex.load` and `omendb_index_load`) over keys named by the input, then
/// lookups (single and batched) of stored and absent keys, statistics, and a
/// serialize/load round trip.
/// Input: flags (bit 0: repair the length and CRC; bit 1: also rewrite the header's key
/// count, first/last key and fingerprint to match the keys, so that mutated keys reach
/// the models), then a `FuzzKeys` descriptor (4 bytes), then the serialized index.
@main enum IndexTarget {
    static func main() {
        runLibFuzzer { data, size in
            let input = FuzzInput(inputBytes(data, size))
            let keys = FuzzKeys.keys(input.body[...])
            var bytes = Array(input.body.dropFirst(FuzzKeys.descriptorSize))
            if input.option(1) { IndexTarget.matchKeyHeader(&bytes, keys) }
            if input.repairsChecksums { ChecksumRepair.envelope(&bytes) }
            IndexTarget.check(bytes, keys: keys)
            return 0
        }
    }

    /// Writes the key summary of `IndexFormat`'s header (offset 24) for `keys`.
    static func matchKeyHeader(_ bytes: inout [UInt8], _ keys: [Int64]) {
        guard bytes.count >= 52 else { return }
        let fingerprint = keys.withUnsafeBufferPointer { IndexFormat.keyFingerprint($0) }
        var header: [UInt8] = []
        for field in [UInt64(keys.count), UInt64(bitPattern: keys.first ?? 0), UInt64(bitPattern: keys.last ?? 0)] {
            withUnsafeBytes(of: field.littleEndian) { header += $0 }
        }
        withUnsafeBytes(of: fingerprint.littleEndian) { header += $0 }
        bytes.replaceSubrange(24..<52, with: header)
    }

    static func check(_ bytes: [UInt8], keys: [Int64]) {
        let index: LearnedIndex
        do throws(OmenError) {
            index = try LearnedIndex.load(keys: keys, from: bytes)
        } catch {
            invariantRefusal(error, [.corruption, .unsupported, .invalidArgument])
            return
        }
        let count = keys.count
        var probes: [Int64] = [.min, .max, 0]
        for i in stride(from: 0, to: count, by: max(1, count / 256)) { probes += [keys[i], keys[i] &- 1, keys[i] &+ 1] }
        for key in probes {
            let position = index.lowerBound(key)
            invariant(position >= 0 && position <= count, "lowerBound(\(key)) = \(position) outside 0...\(count)")
            if let found = index.find(key) {
                invariant(found >= 0 && found < count && keys[found] == key, "find(\(key)) = \(found) holds another key")
            }
            let range = index.range(from: key, to: key &+ 1000)
            invariant(range.first >= 0 && range.count >= 0 && range.first + range.count <= count,
                      "range from \(key) = \(range) outside the keys")
        }
        var positions = [Int64](repeating: -2, count: probes.count)
        probes.withUnsafeBufferPointer { queries in
            positions.withUnsafeMutableBufferPointer { out in
                index.lowerBounds(queries, into: out)
                invariant(out.allSatisfy { $0 >= 0 && $0 <= count }, "a batched lower bound is outside 0...\(count)")
                _ = index.find(queries, into: out)
                invariant(out.allSatisfy { $0 == -1 || ($0 >= 0 && $0 < count) }, "a batched find is outside the keys")
            }
        }
        _ = index.statistics
        // Whatever the loader accepts, the serializer writes back in a form it accepts again.
        let again = index.serialized()
        invariant(again.count == index.serializedSize, "serializedSize \(index.serializedSize) != \(again.count) bytes written")
        do throws(OmenError) {
            _ = try LearnedIndex.load(keys: keys, from: again)
        } catch {
            invariant(false, "a loaded index re-serializes to bytes that do not load: \(error)")
        }
    }
}
