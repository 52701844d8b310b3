import FuzzSupport
@testable import OmenDB

/// Fuzz target: the manifest (`Manifest.decode`), then a read-only open of a directory
/// holding only that manifest (recovery's checks of what it names).
/// Input: flags (bit 0: repair the CRC), then the MANIFEST file.
@main enum ManifestTarget {
    nonisolated(unsafe) static let scratch = ScratchDirectory()

    static func main() {
        runLibFuzzer { data, size in
            var input = FuzzInput(inputBytes(data, size))
            if input.repairsChecksums { ChecksumRepair.manifest(&input.body) }
            ManifestTarget.check(input.body)
            return 0
        }
    }

    static func check(_ bytes: [UInt8]) {
        let manifest: Manifest
        do throws(OmenError) {
            manifest = try Manifest.decode(bytes, path: "MANIFEST")
        } catch {
            invariantRefusal(error, [.corruption, .unsupported])
            return
        }
        // Every field is kept: re-encoding a manifest of the current version reproduces the
        // bytes after the reserved word at offset 12 (written as 0, not checked:
        // docs/format.md) up to the CRC; one of an older version (written in the current
        // one) decodes to the same manifest.
        let again = manifest.encoded()
        let version = UInt32(bytes[8]) | UInt32(bytes[9]) << 8 | UInt32(bytes[10]) << 16 | UInt32(bytes[11]) << 24
        if version == Manifest.version {
            invariant(again.count == bytes.count && again[16..<(again.count - 4)] == bytes[16..<(bytes.count - 4)],
                      "an accepted manifest does not re-encode to its bytes")
        }
        invariant((try? Manifest.decode(again, path: "MANIFEST")) == manifest, "a re-encoded manifest decodes differently")
        scratch.reset([("LOCK", []), (Manifest.fileName, bytes)])  // a read-only open needs the lock file
        var options = DatabaseOptions()
        options.readOnly = true
        options.backgroundWork = false
        do throws(OmenError) {
            let database = try Database(directory: scratch.path, options: options)
            invariant(manifest.runs.isEmpty, "a database opened although its manifest names missing runs")
            let value = try database.get(0)
            invariant(value == nil, "a database without data files has a value")
            try database.close()
        } catch {
            invariantRefusal(error, [.corruption])
        }
    }
}
