import Foundation
import XCTest
@testable import OmenDB
import OmenTestSupport

/// Runs carry any array kind of the learned index (run format version 4, model in
/// `IndexFormat`), and their columns are checked block by block on first touch rather
/// than at open (`ColumnBlockChecks`).
final class StorageRunModelTests: XCTestCase {
    private static let kinds: [IndexKind] = [.linear, .rmi, .pgm, .auto]

    private func options(_ kind: IndexKind) -> DatabaseOptions {
        var options = smallOptions(hotTierBytes: 1 << 20, background: false)
        options.indexConfiguration.kind = kind
        return options
    }

    /// `count` distinct keys from a seeded generator (the seed is printed).
    private func randomKeys(_ count: Int, seed: UInt64) -> [Int64] {
        print("StorageRunModelTests seed \(seed)")
        var rng = SeededGenerator(seed: seed)
        var keys = Set<Int64>()
        while keys.count < count { keys.insert(Int64.random(in: -(1 << 40)...(1 << 40), using: &rng)) }
        return Array(keys)
    }

    /// A database holding one flushed run of `keys` (kind `kind`); returns the run's path.
    private func databaseWithRun(_ path: String, _ kind: IndexKind, _ keys: [Int64], valueLength: Int = 8) throws -> String {
        let db = try Database(directory: path, options: options(kind))
        for key in keys { try db.put(key, testValue(key, 0, length: valueLength)) }
        try db.flush()
        try db.close()
        return try path + "/" + XCTUnwrap(try FileSystem.list(path).first { $0.hasPrefix("run-") })
    }

    private func footer(_ runPath: String) throws -> RunFooter {
        let bytes = try FileSystem.readAll(runPath)
        let start = bytes.count - RunFormat.footerSize
        return try bytes.withUnsafeBytes { raw in try RunFooter.decode(raw.baseAddress! + start, fileOffset: start, fileName: runPath) }
    }

    private func assertCorruption(_ error: Error, mentioning texts: [String], line: UInt = #line) {
        guard let error = error as? OmenError else { return XCTFail("not an OmenError: \(error)", line: line) }
        XCTAssertEqual(error.code, .corruption, "\(error)", line: line)
        for text in texts { XCTAssertTrue(error.message.contains(text), "\(error.message) lacks \(text)", line: line) }
    }

    /// Every kind: two flushes, a compaction and a reopen keep every key's value, absent
    /// keys stay absent, each run holds the configured kind (auto: an array kind), and verify passes.
    func testEveryKindRoundTripsThroughFlushCompactionAndReopen() throws {
        for kind in Self.kinds {
            let path = temporaryDatabaseDirectory(self, "\(kind.name)")
            let keys = randomKeys(6000, seed: 11 + UInt64(kind.rawValue))
            let present = Set(keys)
            var db = try Database(directory: path, options: options(kind))
            for (i, key) in keys.enumerated() {
                try db.put(key, testValue(key, 0, length: 8))
                if i == keys.count / 2 { try db.flush() }
            }
            try db.flush()
            func check(_ db: Database, _ stage: String) throws {
                let runs = db.currentView().0.runs
                XCTAssertFalse(runs.isEmpty, "\(kind.name) \(stage)")
                for run in runs {
                    XCTAssertEqual(run.footer.version, RunFormat.version)
                    if kind == .auto { XCTAssertNotEqual(run.model.kind, .alex) } else { XCTAssertEqual(run.model.kind, kind, stage) }
                    try run.verify()
                }
                for key in keys.prefix(1500) {
                    XCTAssertEqual(try db.get(key), testValue(key, 0, length: 8), "\(kind.name) \(stage) key \(key)")
                    if !present.contains(key + 1) { XCTAssertNil(try db.get(key + 1), "\(kind.name) \(stage): absent \(key + 1)") }
                }
            }
            try check(db, "after flush")
            XCTAssertEqual(db.currentView().0.runs.count, 2)
            try db.compact()
            XCTAssertEqual(db.currentView().0.runs.count, 1)
            try check(db, "after compaction")
            try db.close()
            db = try Database(directory: path, options: options(kind))
            try check(db, "after reopen")
            try db.close()
        }
    }

    /// Every kind: a flipped byte in the model section, and a model whose checksums were
    /// repaired around an impossible field, are refused at open with `.corruption`
    /// naming the run file and the model section's offset.
    func testDamagedModelOfEveryKindIsCorruptionNamingFileAndOffset() throws {
        for kind in Self.kinds where kind != .auto {
            let original = temporaryDatabaseDirectory(self, "\(kind.name)")
            let run = try databaseWithRun(original, kind, randomKeys(3000, seed: 21))
            let footer = try footer(run)
            let model = Int(footer.modelOffset), length = Int(footer.modelLength)
            let payload = model + IndexFormat.headerSize  // no note in a run's model
            // Damage: a flipped payload byte (the model's own CRC catches it).
            var flipped = try FileSystem.readAll(run)
            flipped[payload + 3] ^= 0x40
            try expectOpenRefused(original, run, flipped,
                                  mentioning: [run, "model section at offset \(model)", "checksum mismatch"])
            // Crafted: an impossible first field with the model's CRC and the footer's repaired.
            var crafted = try FileSystem.readAll(run)
            let impossible: UInt64 = kind == .linear ? Double.nan.bitPattern : 1 << 63
            let field = kind == .linear ? payload + 8 : kind == .rmi ? payload + 24 : payload
            withUnsafeBytes(of: impossible.littleEndian) { crafted.replaceSubrange(field..<(field + 8), with: $0) }
            let trailer = model + length - 4
            withUnsafeBytes(of: CRC32C.checksum(Array(crafted[model..<trailer])).littleEndian) {
                crafted.replaceSubrange(trailer..<(trailer + 4), with: $0)
            }
            var repaired = footer
            repaired.modelCRC = CRC32C.checksum(Array(crafted[model..<(model + length)]))
            crafted.replaceSubrange((crafted.count - RunFormat.footerSize)..<crafted.count, with: repaired.encoded())
            let what = kind == .linear ? "slope nan" : kind == .rmi ? "RMI leaf count" : "PGM level count"
            try expectOpenRefused(original, run, crafted, mentioning: [run, "model section at offset \(model)", what])
        }
    }

    /// Writes `bytes` over `run` in a copy of `original`'s database and expects open to fail.
    private func expectOpenRefused(_ original: String, _ run: String, _ bytes: [UInt8], mentioning texts: [String],
                                   line: UInt = #line) throws {
        let saved = try FileSystem.readAll(run)
        try Data(bytes).write(to: URL(fileURLWithPath: run))
        defer { try? Data(saved).write(to: URL(fileURLWithPath: run)) }
        XCTAssertThrowsError(try Database(directory: original, options: smallOptions(background: false)), line: line) { error in
            assertCorruption(error, mentioning: texts, line: line)
        }
    }

    /// A damaged key column block is not read by open (the database opens); a lookup
    /// that lands in it, a scan (also over empty values, which touch no heap block) and
    /// verify report it with the file, the column, the block and its offset, while
    /// lookups elsewhere keep working.
    func testDamagedKeyBlockIsFoundOnFirstTouchNotAtOpen() throws {
        for length in [8, 0] {
            let path = temporaryDatabaseDirectory(self, "values-\(length)")
            let keys = (0..<4000).map { Int64($0) * 10 }
            let run = try databaseWithRun(path, .pgm, keys, valueLength: length)
            let footer = try footer(run)
            var bytes = try FileSystem.readAll(run)
            let damagedBlock = 3  // entries 1536..<2048
            bytes[Int(footer.keysOffset) + 8 * (damagedBlock * 512 + 100) + 2] ^= 0x01
            try Data(bytes).write(to: URL(fileURLWithPath: run))

            let db = try Database(directory: path, options: options(.pgm))
            let blockOffset = Int(footer.keysOffset) + 8 * damagedBlock * 512
            let expected = [run, "keys column block \(damagedBlock) checksum mismatch at offset \(blockOffset)"]
            XCTAssertEqual(try db.get(keys[10]), testValue(keys[10], 0, length: length))
            XCTAssertNil(try db.get(keys[10] + 1))
            XCTAssertThrowsError(try db.get(keys[damagedBlock * 512 + 7])) { assertCorruption($0, mentioning: expected) }
            XCTAssertThrowsError(try db.get(keys[damagedBlock * 512 + 7] + 3)) { assertCorruption($0, mentioning: expected) }
            XCTAssertEqual(try db.get(keys[3999]), testValue(keys[3999], 0, length: length))
            let iterator = db.snapshot().makeIterator()
            XCTAssertThrowsError(try iterator.seek(keys[0]), "value length \(length)") { assertCorruption($0, mentioning: expected) }
            XCTAssertThrowsError(try db.verify()) { assertCorruption($0, mentioning: expected) }
            try db.close()
        }
    }
}
