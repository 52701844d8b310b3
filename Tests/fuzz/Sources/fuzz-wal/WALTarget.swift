import FuzzSupport
@testable import OmenDB

/// Fuzz target: WAL replay (`WALReader.replay` over a real file, the batch decoding of
/// each record, and its application to a hot tier, as recovery does). The tier's
/// content (point versions and range tombstones) is then compared with the decoded
/// operations.
/// Input: flags (bit 0: repair the CRCs; bit 1: the newest log, whose tail may be
/// torn), then the WAL file.
@main enum WALTarget {
    nonisolated(unsafe) static let scratch = ScratchDirectory()

    static func main() {
        runLibFuzzer { data, size in
            var input = FuzzInput(inputBytes(data, size))
            if input.repairsChecksums { ChecksumRepair.wal(&input.body) }
            WALTarget.check(input.body, tailMayBeTorn: input.option(1))
            return 0
        }
    }

    static func check(_ bytes: [UInt8], tailMayBeTorn: Bool) {
        let name = WALFormat.fileName(1)
        scratch.reset([(name, bytes)])
        let tier = HotTier()
        var expected: [Int64: [UInt8]?] = [:]
        var sequences: [UInt64] = []
        var tombstones: [RangeTombstone] = []
        let result: WALReplayResult
        do throws(OmenError) {
            result = try WALReader.replay(path: scratch.path + "/" + name, expectedNumber: 1, tailMayBeTorn: tailMayBeTorn) {
                (sequence, count, operations, offset) throws(OmenError) in
                invariant(offset >= WALFormat.headerSize + 20 && offset + operations.count <= bytes.count,
                          "record operations [\(offset), +\(operations.count)) outside the \(bytes.count)-byte file")
                var decoded: [(Int64, [UInt8]?)] = []
                try BatchDecoding.forEach(operations, count: count, fileName: name, fileOffset: offset) { operation in
                    // The tier is the default table's: operations in named tables are not applied to it.
                    guard operation.table == 0 else { return }
                    guard operation.isRangeDelete else {
                        decoded.append((operation.key, operation.isDelete ? nil : Array(operation.value)))
                        return
                    }
                    // A range tombstone; the batch's earlier writes inside it become point tombstones.
                    let range = operation.key...operation.rangeLast
                    tombstones.append(RangeTombstone(first: range.lowerBound, last: range.upperBound, sequence: sequence))
                    for i in decoded.indices where range.contains(decoded[i].0) { decoded[i].1 = nil }
                }
                try tier.apply(sequence: sequence, operations: operations, count: count)
                for (key, value) in decoded { expected[key] = .some(value) }
                sequences.append(sequence)
            }
        } catch {
            invariantRefusal(error, [.corruption, .unsupported])
            return
        }
        invariant(result.fileSize == bytes.count, "replay reports \(result.fileSize) bytes for a \(bytes.count)-byte file")
        invariant(result.validEnd <= result.fileSize, "valid end \(result.validEnd) past the file end \(result.fileSize)")
        invariant(tailMayBeTorn || result.validEnd == result.fileSize, "an older log was cut at \(result.validEnd) without an error")
        invariant(result.records == sequences.count && result.lastSequence == (sequences.last ?? 0),
                  "replay counts \(result.records) records up to \(result.lastSequence), the body saw \(sequences)")
        invariant(zip(sequences, sequences.dropFirst()).allSatisfy { $0 < $1 }, "sequences not increasing: \(sequences)")
        let visible = result.lastSequence
        for (key, value) in expected {
            let record = tier.find(key, at: visible)
            invariant(record != nil, "key \(key) written by the log is missing from the tier")
            if let value {
                invariant(record!.isTombstone == false && Array(record!.value) == value, "key \(key) has the wrong value")
            } else {
                invariant(record!.isTombstone, "deleted key \(key) is not a tombstone")
            }
        }
        invariant(tier.keyCount == expected.count, "the tier holds \(tier.keyCount) keys, the log wrote \(expected.count)")
        let held = tier.rangeTombstoneList?.tombstones ?? []
        invariant(held == RangeTombstoneList(tombstones).tombstones,
                  "the tier holds range tombstones \(held), the log wrote \(tombstones)")
    }
}
