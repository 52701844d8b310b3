import Foundation
import XCTest
@testable import OmenDB

/// Databases written by older engine versions still open and read (docs/format.md,
/// "Compatibility policy"). The fixtures under Fixtures/ were written by those
/// versions (see each fixture's README.md for the program and the commit).
final class StorageFormatCompatibilityTests: XCTestCase {
    /// A private copy of fixture `name` (opening writes the LOCK file and may write more).
    private func fixture(_ name: String) throws -> String {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)").path
        let destination = temporaryDatabaseDirectory(self, name)
        try FileManager.default.copyItem(atPath: source, toPath: destination)
        return destination
    }

    /// The contents of Fixtures/run-v2: keys 0, 3, ..., 297 bulk-loaded with 8-byte
    /// values, then keys 1000..<1040 put with sizes 0, 1, 8, 100, 5000 in turn, keys 0
    /// and 3 deleted, flushed. Value byte i of key k is (7k + i) mod 256.
    private static let v2Reference: [Int64: [UInt8]] = {
        func value(_ key: Int64, _ length: Int) -> [UInt8] { (0..<length).map { UInt8(truncatingIfNeeded: key * 7 + Int64($0)) } }
        var reference: [Int64: [UInt8]] = [:]
        for key in stride(from: Int64(6), to: 300, by: 3) { reference[key] = value(key, 8) }
        for i in 0..<40 { reference[Int64(1000 + i)] = value(Int64(1000 + i), [0, 1, 8, 100, 5000][i % 5]) }
        return reference
    }()

    func testVersion2RunsReadAndVerify() throws {
        let path = try fixture("run-v2")
        let db = try Database(directory: path, options: smallOptions(background: false))
        let runs = db.currentView().0.runs
        XCTAssertEqual(runs.map(\.footer.version), [2, 2])
        XCTAssertEqual(runs.map(\.footer.flags), [0, RunFormat.flagEqualValueSizes | RunFormat.flagUniformMeta])
        XCTAssertTrue(runs.allSatisfy { $0.blockChecks == nil })
        try assertMatches(db, Self.v2Reference)
        XCTAssertNil(try db.get(0))
        try db.verify()
        // Compaction rewrites them into one current-version run with the same contents.
        try db.compact()
        XCTAssertEqual(db.currentView().0.runs.map(\.footer.version), [RunFormat.version])
        try assertMatches(db, Self.v2Reference)
        try db.verify()
        try db.close()
    }

    /// Version 2 runs have no block checksums: damaged value bytes are read as they are
    /// (the documented limit of that version); verify names the damage, and compaction
    /// refuses to rewrite it into a version 3 run (whose checksums would vouch for it).
    func testDamagedVersion2HeapIsFoundByVerify() throws {
        let path = try fixture("run-v2")
        let run = path + "/run-000000000004.run"
        var bytes = [UInt8](FileManager.default.contents(atPath: run)!)
        bytes[RunFormat.headerSize] ^= 0x01  // the first heap byte: key 1001's only value byte
        try Data(bytes).write(to: URL(fileURLWithPath: run))
        let db = try Database(directory: path, options: smallOptions(background: false))
        XCTAssertEqual(try db.get(1001), [UInt8(truncatingIfNeeded: 1001 * 7) ^ 0x01])
        XCTAssertThrowsError(try db.verify()) { error in
            XCTAssertEqual((error as! OmenError).code, .corruption)
            XCTAssertTrue((error as! OmenError).message.contains(run), "\(error)")
        }
        XCTAssertThrowsError(try db.compact()) { error in
            XCTAssertEqual((error as! OmenError).code, .corruption)
            XCTAssertTrue((error as! OmenError).message.contains("\(run): heap section checksum mismatch"), "\(error)")
        }
        XCTAssertEqual(db.currentView().0.runs.map(\.footer.version), [2, 2])
        try db.close()
    }
}
