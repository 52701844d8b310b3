import FuzzSupport
@testable import OmenDB
import Glibc

/// Writes the seed corpora (`corpus/<target>/seed-*`) from files the engine writes:
/// WALs, run files and manifests of small real databases, and serialized learned
/// indexes and ALEX maps. Deterministic; run by `run.sh --seeds` when a format changes.
@main enum SeedsMain {
    static func main() {
        guard CommandLine.arguments.count == 2 else {
            fputs("usage: fuzz-seeds <corpus directory>\n", stderr)
            exit(2)
        }
        let corpus = CommandLine.arguments[1]
        do throws(OmenError) {
            try databaseSeeds(corpus)
            try indexSeeds(corpus)
            try mapSeeds(corpus)
        } catch {
            fputs("fuzz-seeds: \(error)\n", stderr)
            exit(1)
        }
    }

    static func save(_ corpus: String, _ target: String, _ name: String, flags: UInt8, _ body: [UInt8]) {
        let directory = corpus + "/" + target
        mkdir(directory, 0o755)
        let bytes = FuzzInput.encode(flags: flags, body)
        let file = fopen(directory + "/seed-" + name, "wb")!
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        fclose(file)
    }

    static func value(_ length: Int, _ salt: Int) -> [UInt8] { (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ salt) } }

    /// Files of a database directory by kind (the newest WAL, every run, the manifest).
    static func files(_ directory: String) throws(OmenError) -> (wal: [UInt8]?, runs: [[UInt8]], manifest: [UInt8]) {
        var wal: [UInt8]?
        var runs: [[UInt8]] = []
        for name in try FileSystem.list(directory).sorted() {
            switch Recovery.classify(name) {
            case .wal: wal = try FileSystem.readAll(directory + "/" + name)
            case .run: runs.append(try FileSystem.readAll(directory + "/" + name))
            case .other: break
            }
        }
        return (wal, runs, try FileSystem.readAll(directory + "/" + Manifest.fileName))
    }

    /// Every file of a database directory as a `FileBundle` (numbers fit a byte here).
    static func bundle(_ directory: String) throws(OmenError) -> [UInt8] {
        var files: [(FileBundle.Kind, UInt8, [UInt8])] = []
        for name in try FileSystem.list(directory).sorted() {
            let content = try FileSystem.readAll(directory + "/" + name)
            switch Recovery.classify(name) {
            case .wal(let n): files.append((.wal, UInt8(n), content))
            case .run(let n): files.append((.run, UInt8(n), content))
            case .other: if name == Manifest.fileName { files.append((.manifest, 0, content)) }
            }
        }
        return FileBundle.encode(files)
    }

    static func databaseSeeds(_ corpus: String) throws(OmenError) {
        let scratch = ScratchDirectory()
        var options = DatabaseOptions()
        options.sync = .full
        options.backgroundWork = false

        // A fresh database: an empty manifest and a WAL with only its header.
        let empty = scratch.path + "/empty"
        try Database(directory: empty, options: options).close()
        let emptyFiles = try files(empty)
        save(corpus, "fuzz-manifest", "empty", flags: 0, emptyFiles.manifest)
        save(corpus, "fuzz-wal", "header-only", flags: 2, emptyFiles.wal!)
        save(corpus, "fuzz-database", "empty", flags: 0, try bundle(empty))

        // A log of single puts, deletes and batches (empty values and a 600-byte one).
        let logged = scratch.path + "/logged"
        var database = try Database(directory: logged, options: options)
        for key in stride(from: Int64(-40), to: 40, by: 7) { try database.put(key, value(Int(key & 15), Int(key))) }
        try database.delete(-33)
        let batch = WriteBatch()
        batch.put(Int64.min, [])
        batch.put(Int64.max, value(600, 1))
        batch.delete(12)
        batch.put(12, value(3, 2))
        try database.write(batch)
        try database.delete(99)
        try database.close()
        let loggedFiles = try files(logged)
        save(corpus, "fuzz-wal", "batches", flags: 0, loggedFiles.wal!)
        save(corpus, "fuzz-wal", "batches-newest", flags: 3, loggedFiles.wal!)
        save(corpus, "fuzz-manifest", "active-wal", flags: 1, loggedFiles.manifest)
        save(corpus, "fuzz-database", "logged", flags: 1, try bundle(logged))

        // Runs: mixed value sizes (offsets column), equal sizes with tombstones, and a
        // bulk load (one sequence: uniform meta). The manifest lists all three.
        let flushed = scratch.path + "/flushed"
        database = try Database(directory: flushed, options: options)
        for i in 0..<120 { try database.put(Int64(i * i) - 500, value(i % 13, i)) }
        try database.flush()
        for i in 0..<90 { try database.put(Int64(i) * 1_000_003, value(8, i)) }
        for i in stride(from: 0, to: 90, by: 9) { try database.delete(Int64(i) * 1_000_003) }
        try database.flush()
        try database.bulkLoad(count: 150, key: { Int64($0) << 40 }, value: { i in
            UnsafeRawBufferPointer(start: Self.bulkValue.baseAddress! + i % 4, count: 4)
        })
        try database.put(7, value(5, 7))
        try database.close()
        let flushedFiles = try files(flushed)
        for (i, run) in flushedFiles.runs.enumerated() { save(corpus, "fuzz-run", "run-\(i)", flags: i == 0 ? 0 : 1, run) }
        save(corpus, "fuzz-manifest", "three-runs", flags: 1, flushedFiles.manifest)
        save(corpus, "fuzz-wal", "after-flush", flags: 1, flushedFiles.wal!)
        save(corpus, "fuzz-database", "three-runs", flags: 1, try bundle(flushed))
        save(corpus, "fuzz-database", "three-runs-writable", flags: 3, try bundle(flushed))

        // Range tombstones: a run holding them (with the entries they left), and a log
        // with a single range delete and one inside a batch between puts.
        let ranged = scratch.path + "/ranged"
        database = try Database(directory: ranged, options: options)
        for i in 0..<200 { try database.put(Int64(i) * 3 - 100, value(i % 7, i)) }
        try database.flush()  // an older run, so that the next flush keeps its tombstones
        for i in 0..<60 { try database.put(Int64(i) * 5 - 40, value(i % 5, i)) }
        try database.deleteRange(-50..<20)
        try database.flush()
        let rangeBatch = WriteBatch()
        rangeBatch.put(160, value(4, 3))
        rangeBatch.deleteRange(100..<200)
        rangeBatch.put(150, value(2, 4))
        try database.write(rangeBatch)
        try database.deleteRange(Int64.min...(-90))
        try database.close()
        let rangedFiles = try files(ranged)
        save(corpus, "fuzz-run", "range-tombstones", flags: 1, rangedFiles.runs.last!)
        save(corpus, "fuzz-wal", "range-deletes", flags: 2, rangedFiles.wal!)
        save(corpus, "fuzz-database", "range-tombstones", flags: 3, try bundle(ranged))

        // Named tables: a manifest with a table list and runs tagged by table (one table
        // dropped, so the log holds operations of an unknown table id), and a log of
        // table operations: puts, a delete and a range delete in one batch spanning tables.
        let tabled = scratch.path + "/tables"
        database = try Database(directory: tabled, options: options)
        let left = try database.openTable("left"), right = try database.openTable("right")
        let doomed = try database.openTable("doomed")
        for i in 0..<80 { try database.put(Int64(i) * 7, value(i % 9, i), table: left) }
        for i in 0..<40 { try database.put(Int64(i) - 20, value(i % 4, i), table: right) }
        try database.flush()
        try database.put(3, value(2, 3), table: doomed)
        let tableBatch = WriteBatch()
        tableBatch.put(5, value(3, 5), table: left)
        tableBatch.delete(-20, table: right)
        tableBatch.deleteRange(0..<10, table: right)
        tableBatch.put(Int64.max, value(1, 1))
        try database.write(tableBatch)
        try database.dropTable("doomed")
        try database.close()
        let tabledFiles = try files(tabled)
        save(corpus, "fuzz-manifest", "tables", flags: 1, tabledFiles.manifest)
        save(corpus, "fuzz-wal", "table-operations", flags: 2, tabledFiles.wal!)
        save(corpus, "fuzz-database", "tables", flags: 3, try bundle(tabled))
    }

    nonisolated(unsafe) static let bulkValue: UnsafeRawBufferPointer = {
        let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: 8, alignment: 8)
        for i in 0..<8 { bytes[i] = UInt8(i) }
        return UnsafeRawBufferPointer(bytes)
    }()

    static func indexSeeds(_ corpus: String) throws(OmenError) {
        let sets: [(Int, FuzzKeys.Shape)] = [(0, .dense), (1, .uniform), (300, .dense), (700, .uniform),
                                             (1500, .clustered), (400, .duplicates), (64, .extremes), (200, .strided)]
        for kind in [IndexKind.linear, .rmi, .pgm, .alex] {
            for (count, shape) in sets {
                let descriptor = FuzzKeys.descriptor(count: count, shape: shape, seed: 7)
                let keys = FuzzKeys.keys(descriptor[...])
                var configuration = IndexConfiguration()
                configuration.kind = kind
                configuration.epsilon = 8
                configuration.recursiveEpsilon = 2
                configuration.rmiLeafCount = 16
                let index = try LearnedIndex(keys: keys, configuration: configuration)
                save(corpus, "fuzz-index", "\(kind.name)-\(shape)-\(count)", flags: 1, descriptor + index.serialized())
            }
        }
    }

    static func mapSeeds(_ corpus: String) throws(OmenError) {
        for (count, shape) in [(0, FuzzKeys.Shape.dense), (1, .uniform), (300, .clustered), (600, .uniform), (64, .extremes)] {
            var keys = FuzzKeys.keys(FuzzKeys.descriptor(count: count, shape: shape, seed: 3)[...])
            keys = Array(Set(keys)).sorted()
            let payloads = keys.indices.map { UInt64($0) * 3 }
            let map = try keys.withUnsafeBufferPointer { k in
                payloads.withUnsafeBufferPointer { p in
                    Result { () throws(OmenError) in try ALEXMap(sortedKeys: k, payloads: p) }
                }
            }.get()
            save(corpus, "fuzz-map", "bulk-\(shape)-\(count)", flags: 0, map.serialized())
        }
        // A live tree: grown by inserts (node expansions and splits), then thinned.
        let map = ALEXMap()
        var state: UInt64 = 11
        for i in 0..<900 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            _ = map.upsert(Int64(bitPattern: state >> 20) % 100_000, UInt64(i))
        }
        for key in stride(from: Int64(0), to: 100_000, by: 3) { _ = map.remove(key) }
        save(corpus, "fuzz-map", "live", flags: 1, map.serialized())
    }
}
