import Foundation
import XCTest
@testable import OmenDB

/// Files whose checksums hold but whose content is impossible (as a crafted file, or a
/// fuzzer that repairs CRCs, makes them): opening must refuse them with `.corruption`,
/// never trap. Each case is a failure found by Tests/fuzz; its input is in that corpus.
final class StorageCraftedFileTests: XCTestCase {
    /// A copy of the Fixtures/run-v2 database (runs of format version 2, whose PGM model
    /// has its own encoding, `RunModelCoding`); returns its first run's path. (Version 4
    /// models are crafted in StorageRunModelTests.)
    private func databaseWithRun(_ path: String) throws -> String {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/run-v2").path
        try FileManager.default.copyItem(atPath: source, toPath: path)
        return path + "/run-000000000002.run"
    }

    /// Rewrites the run's model section with `edit`, then its model CRC and footer CRC.
    private func editModel(_ runPath: String, _ edit: (inout [UInt8], Int) -> Void) throws {
        var bytes = try FileSystem.readAll(runPath)
        let footerStart = bytes.count - RunFormat.footerSize
        var footer = try bytes.withUnsafeBytes { raw in
            try RunFooter.decode(raw.baseAddress! + footerStart, fileOffset: footerStart, fileName: runPath)
        }
        let model = Int(footer.modelOffset)
        edit(&bytes, model)
        footer.modelCRC = CRC32C.checksum(Array(bytes[model..<(model + Int(footer.modelLength))]))
        bytes.replaceSubrange(footerStart..<bytes.count, with: footer.encoded())
        _ = try FileSystem.replaceAtomically(runPath, directory: (runPath as NSString).deletingLastPathComponent, with: bytes)
    }

    private func assertOpenRefused(_ path: String, mentioning text: String, line: UInt = #line) {
        do {
            let db = try Database(directory: path, options: smallOptions(background: false))
            try? db.close()
            XCTFail("a crafted run file was accepted", line: line)
        } catch {
            XCTAssertEqual(error.code, .corruption, "\(error)", line: line)
            XCTAssertTrue(error.message.contains(text), "\(error.message)", line: line)
        }
    }

    /// A model level count of 2^63 (it trapped converting to Int before being bounded).
    func testRunModelLevelCountBeyondIntIsCorruption() throws {
        let path = temporaryDatabaseDirectory(self)
        let run = try databaseWithRun(path)
        try editModel(run) { bytes, model in
            // epsilon (8), recursive epsilon (8), then the level count.
            withUnsafeBytes(of: (UInt64(1) << 63).littleEndian) { bytes.replaceSubrange((model + 16)..<(model + 24), with: $0) }
        }
        assertOpenRefused(path, mentioning: "implausible level count 9223372036854775808")
    }
}

/// Manifests whose checksum holds but whose content is impossible.
final class StorageCraftedManifestTests: XCTestCase {
    /// Stores `edit` applied to the manifest of a database holding one write.
    private func databaseWithEditedManifest(_ edit: (inout Manifest) -> Void) throws -> String {
        let path = temporaryDatabaseDirectory(self)
        let db = try Database(directory: path, options: smallOptions(background: false))
        try db.put(1, [1])
        try db.close()
        var manifest = try Manifest.load(directory: path)
        edit(&manifest)
        _ = try manifest.store(directory: path)
        return path
    }

    /// A WAL watermark beyond the next file number: recovery used to open it and start a
    /// log below the watermark, which the next open dropped with the writes in it.
    func testWALWatermarkBeyondNextFileNumberIsCorruption() throws {
        let path = try databaseWithEditedManifest { $0.walWatermark = $0.nextFileNumber + 1000 }
        XCTAssertThrowsError(try Database(directory: path, options: smallOptions(background: false))) { error in
            XCTAssertEqual((error as? OmenError)?.code, .corruption, "\(error)")
            XCTAssertTrue("\(error)".contains("is beyond the next file number"), "\(error)")
        }
    }

    /// A next file number past 12 digits: recovery used to open it and start a log whose
    /// name has 13 digits, which the next open did not recognize (the active log "missing").
    func testNextFileNumberBeyondTwelveDigitsIsCorruption() throws {
        let path = try databaseWithEditedManifest { $0.nextFileNumber = 1_000_000_000_005 }
        XCTAssertThrowsError(try Database(directory: path, options: smallOptions(background: false))) { error in
            XCTAssertEqual((error as? OmenError)?.code, .corruption, "\(error)")
            XCTAssertTrue("\(error)".contains("next file number 1000000000005 exceeds 999999999999"), "\(error)")
        }
    }

    /// Recovery gives out the number after the largest file's: the largest allowed
    /// number is never taken as a file's, so the next stays within 12 digits.
    func testLargestFileNumberIsNotAFileName() {
        if case .wal(let n) = Recovery.classify("wal-999999999998.log") { XCTAssertEqual(n, 999_999_999_998) } else { XCTFail() }
        if case .run(let n) = Recovery.classify("run-000000000007.run") { XCTAssertEqual(n, 7) } else { XCTFail() }
        for name in ["wal-999999999999.log", "run-999999999999.run", "wal-1000000000000.log"] {
            if case .other = Recovery.classify(name) {} else { XCTFail(name) }
        }
    }
}
