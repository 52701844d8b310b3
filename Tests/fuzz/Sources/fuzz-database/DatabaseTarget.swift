import FuzzSupport
@testable import OmenDB

/// Fuzz target: opening a whole database directory (manifest, WALs and runs together:
/// `Recovery.open` with its cross-checks between the files), then a full scan compared
/// with point reads, `verify`, and — with a read-write open, which cuts torn tails and
/// starts a new log — a write that must survive a reopen.
/// Input: flags (bit 0: repair each file's checksums; bit 1: open read-write), then a
/// `FileBundle`.
@main enum DatabaseTarget {
    nonisolated(unsafe) static let scratch = ScratchDirectory()
    static let probeKey: Int64 = 0x5EED

    static func main() {
        runLibFuzzer { data, size in
            let input = FuzzInput(inputBytes(data, size))
            DatabaseTarget.check(FileBundle.decode(input.body, repair: input.repairsChecksums), readWrite: input.option(1))
            return 0
        }
    }

    static func options(readOnly: Bool) -> DatabaseOptions {
        var options = DatabaseOptions()
        options.readOnly = readOnly
        options.sync = .off
        options.backgroundWork = false
        return options
    }

    static func check(_ files: [(String, [UInt8])], readWrite: Bool) {
        scratch.reset([("LOCK", [])] + files)
        let database: Database
        do throws(OmenError) {
            database = try Database(directory: scratch.path, options: options(readOnly: !readWrite))
        } catch {
            // Without a manifest, a read-only open finds no database (an I/O error by design).
            let noDatabase = !readWrite && !files.contains { $0.0 == Manifest.fileName }
            invariantRefusal(error, noDatabase ? [.corruption, .unsupported, .ioError] : [.corruption, .unsupported])
            return
        }
        // Opening checks the files' structure but not every key (docs/reliability.md,
        // "Fuzzing"): reads must stay memory-safe either way, and agree once verified.
        var verified = true
        do throws(OmenError) {
            try database.verify()
        } catch {
            invariantRefusal(error, [.corruption])
            verified = false
        }
        let snapshot = database.snapshot()
        let iterator = snapshot.makeIterator()
        do throws(OmenError) {
            try iterator.seekFirst()
            var previous: Int64?
            while iterator.isValid {
                let value = Array(iterator.value)
                let got = try snapshot.get(iterator.key).map(Array.init)
                if verified {
                    if let previous { invariant(previous < iterator.key, "scan order: \(iterator.key) after \(previous)") }
                    invariant(got == value, "scan and get disagree on key \(iterator.key)")
                }
                previous = iterator.key
                try iterator.next()
            }
        } catch {
            // Damaged value bytes are refused by reads; verify finds them first.
            invariant(!verified, "a verified database refused a read: \(error)")
            invariantRefusal(error, [.corruption])
        }
        guard readWrite else {
            do throws(OmenError) { try database.close() } catch { invariant(false, "read-only close failed: \(error)") }
            return
        }
        // Recovery left a writable database: a write is durable across a reopen.
        do throws(OmenError) {
            try database.put(probeKey, [1, 2, 3])
            try database.close()
            let reopened = try Database(directory: scratch.path, options: options(readOnly: true))
            let value = try reopened.get(probeKey)
            invariant(value == [1, 2, 3], "a write after recovery was lost on reopen")
            try reopened.close()
        } catch {
            invariant(false, "writing to or reopening a recovered database failed: \(error)")
        }
    }
}
