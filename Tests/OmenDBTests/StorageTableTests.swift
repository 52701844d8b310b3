import Foundation
import Synchronization
import XCTest
@testable import OmenDB
import OmenTestSupport

/// Named tables (docs/storage.md, "Tables"): each table its own keyspace, checked against
/// a reference dictionary per table through writes, flushes, compactions, reopens and
/// drops; batches and transactions spanning tables atomic; misuse refused.
final class StorageTableTests: XCTestCase {
    private static let seed: UInt64 = ProcessInfo.processInfo.environment["OMENDB_TABLE_SEED"].flatMap { UInt64($0) }
        ?? UInt64.random(in: 0...UInt64.max)

    override class func setUp() {
        print("StorageTableTests seed \(seed) (OMENDB_TABLE_SEED=\(seed) replays it)")
    }

    /// Every point lookup and a full forward and backward scan of `table` match `reference`.
    private func assertTable(_ db: Database, _ table: Table, _ reference: [Int64: [UInt8]], _ context: String,
                             file: StaticString = #filePath, line: UInt = #line) throws {
        for (key, value) in reference where try db.get(key, table: table) != value {
            XCTFail("\(context): table '\(table.name)' key \(key) reads \(String(describing: try db.get(key, table: table)?.count)) bytes, expected \(value.count) (seed \(Self.seed))", file: file, line: line)
            return
        }
        let iterator = db.makeIterator(table: table)
        var seen: [Int64] = []
        try iterator.seekFirst()
        while iterator.isValid {
            if Array(iterator.value) != reference[iterator.key] {
                XCTFail("\(context): table '\(table.name)' iterator at key \(iterator.key) (seed \(Self.seed))", file: file, line: line)
                return
            }
            seen.append(iterator.key)
            try iterator.next()
        }
        XCTAssertEqual(seen, reference.keys.sorted(), "\(context): table '\(table.name)' forward scan (seed \(Self.seed))", file: file, line: line)
        var backward: [Int64] = []
        try iterator.seekLast()
        while iterator.isValid {
            backward.append(iterator.key)
            try iterator.previous()
        }
        XCTAssertEqual(backward, reference.keys.sorted().reversed(), "\(context): table '\(table.name)' backward scan", file: file, line: line)
        XCTAssertEqual(try db.count(in: Int64.min...Int64.max, table: table), reference.count, "\(context): table '\(table.name)' count", file: file, line: line)
    }

    private func code(_ body: () throws -> Void) -> StatusCode? {
        do { try body() } catch let error as OmenError { return error.code } catch { return .internal }
        return nil
    }

    /// Random puts, deletes, range deletes and batches spanning tables (several key
    /// distributions, the extremes included) against a reference per table, with a small
    /// hot tier so that flushes and compactions run; then reopened and compacted.
    func testRandomWorkloadMatchesReferencePerTable() throws {
        var rng = SeededGenerator(seed: Self.seed)
        let path = temporaryDatabaseDirectory(self)
        var db = try Database(directory: path, options: smallOptions())
        var tables = [db.defaultTable, try db.openTable("alpha"), try db.openTable("beta"), try db.openTable("gamma")]
        var reference = [[Int64: [UInt8]]](repeating: [:], count: tables.count)
        for step in 0..<6000 {
            let t = Int.random(in: 0..<tables.count, using: &rng)
            let key = mixedKey(&rng)
            switch Int.random(in: 0..<100, using: &rng) {
            case 0..<60:
                let value = testValue(key, step, length: Int.random(in: 0...80, using: &rng))
                try db.put(key, value, table: tables[t])
                reference[t][key] = value
            case 60..<80:
                try db.delete(key, table: tables[t])
                reference[t][key] = nil
            case 80..<83:
                let upper = key.addingReportingOverflow(Int64.random(in: 0...5000, using: &rng))
                let range = key...(upper.overflow ? Int64.max : upper.partialValue)
                try db.deleteRange(range, table: tables[t])
                reference[t] = reference[t].filter { !range.contains($0.key) }
            default:
                // One batch over several tables, the same keys in each.
                let batch = WriteBatch()
                for i in 0..<Int.random(in: 1...8, using: &rng) {
                    let u = Int.random(in: 0..<tables.count, using: &rng)
                    let value = testValue(key &+ Int64(i), step, length: 16)
                    batch.put(key &+ Int64(i), value, table: tables[u])
                    reference[u][key &+ Int64(i)] = value
                }
                try db.write(batch)
            }
            if step % 2000 == 1999 { try assertTable(db, tables[step % tables.count], reference[step % tables.count], "step \(step)") }
        }
        for (t, table) in tables.enumerated() { try assertTable(db, table, reference[t], "before reopen") }
        for table in tables { XCTAssertGreaterThan(db.statistics(table: table).runCount, 0, "flushes wrote runs of table '\(table.name)'") }
        try db.close()
        db = try Database(directory: path, options: smallOptions())
        tables = [db.defaultTable, try db.openTable("alpha", create: false), try db.openTable("beta", create: false),
                  try db.openTable("gamma", create: false)]
        for (t, table) in tables.enumerated() { try assertTable(db, table, reference[t], "after reopen") }
        try db.compact()
        for (t, table) in tables.enumerated() {
            try assertTable(db, table, reference[t], "after compaction")
            XCTAssertLessThanOrEqual(db.statistics(table: table).runCount, 1, "compaction leaves one run per table")
        }
        XCTAssertEqual(db.runStatistics.map(\.tableName).filter { $0 == "alpha" }.count, db.statistics(table: tables[1]).runCount)
        try db.verify()
        try db.close()
    }

    /// The same keys in different tables stay apart through the hot tier, flushes and
    /// compaction, and bulk loads go to their own table.
    func testSameKeysInTablesStayApart() throws {
        let path = temporaryDatabaseDirectory(self)
        let db = try Database(directory: path, options: smallOptions(background: false))
        let one = try db.openTable("one"), two = try db.openTable("two")
        let keys: [Int64] = [Int64.min, -1, 0, 5, Int64.max]
        for key in keys {
            try db.put(key, [1], table: one)
            try db.put(key, [2], table: two)
        }
        try db.flush()
        for key in keys { try db.put(key, [3], table: db.defaultTable) }
        try db.delete(5, table: two)
        try db.flush()
        try db.compact()
        for key in keys {
            XCTAssertEqual(try db.get(key, table: one), [1])
            XCTAssertEqual(try db.get(key, table: two), key == 5 ? nil : [2])
            XCTAssertEqual(try db.get(key), [3])
        }
        let loaded = try db.openTable("loaded")
        let bulkKeys: [Int64] = [Int64.min, 5, 7, Int64.max]
        try bulkKeys.withUnsafeBufferPointer { keys in
            try db.bulkLoad(keys: keys, values: [UInt8](repeating: 9, count: 8), valueSize: 2, table: loaded)
        }
        XCTAssertEqual(try db.get(7, table: loaded), [9, 9])
        XCTAssertNil(try db.get(7, table: one))
        XCTAssertEqual(try db.count(in: 0..<10, table: loaded), 2)
        XCTAssertEqual(try db.count(in: 0..<10, table: two), 1)
        XCTAssertEqual(db.statistics(table: loaded).coldKeys, 4)
        XCTAssertEqual(db.statistics.coldKeys, db.statistics(table: one).coldKeys + db.statistics(table: two).coldKeys
                       + db.statistics(table: db.defaultTable).coldKeys + 4)
        try db.close()
    }

    /// Create, list, drop: a dropped table's data and run files are gone (also after
    /// reopen), its handles fail with `.notFound`, its id is never given again.
    func testDropRemovesDataFilesAndHandles() throws {
        let path = temporaryDatabaseDirectory(self)
        let options = smallOptions(hotTierBytes: 8 << 20, background: false)
        var db = try Database(directory: path, options: options)
        XCTAssertEqual(db.tableNames(), [])
        XCTAssertEqual(code { _ = try db.openTable("victim", create: false) }, .notFound)
        let victim = try db.openTable("victim")
        let keeper = try db.openTable("keeper")
        XCTAssertEqual(db.tableNames(), ["keeper", "victim"])
        XCTAssertEqual(try db.openTable("victim").id, victim.id, "opening again finds the same table")
        for key in Int64(0)..<2000 {
            try db.put(key, testValue(key, 1, length: 20), table: victim)
            try db.put(key, testValue(key, 2, length: 20), table: keeper)
        }
        try db.flush()
        for key in Int64(0)..<100 { try db.put(key, [7], table: victim) }  // and some in the hot tier
        let runFiles = { try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".run") }.count }
        XCTAssertEqual(try runFiles(), 2)
        let snapshot = db.snapshot()
        try db.dropTable("victim")
        XCTAssertEqual(db.tableNames(), ["keeper"])
        XCTAssertEqual(code { _ = try db.get(1, table: victim) }, .notFound)
        XCTAssertEqual(code { try db.put(1, [1], table: victim) }, .notFound)
        XCTAssertEqual(code { try db.delete(1, table: victim) }, .notFound)
        XCTAssertEqual(code { try db.seekFirstOf(db.makeIterator(table: victim)) }, .notFound)
        let batch = WriteBatch()
        batch.put(1, [1], table: keeper)
        batch.put(1, [1], table: victim)
        XCTAssertEqual(code { try db.write(batch) }, .notFound)
        XCTAssertEqual(try db.get(1, table: keeper), testValue(1, 2, length: 20), "the refused batch wrote nothing")
        XCTAssertEqual(code { try db.dropTable("victim") }, .notFound)
        // The snapshot taken before still reads the dropped table; its runs go with it.
        try withExtendedLifetime(snapshot) {
            XCTAssertEqual(try snapshot.get(5, table: victim).map(Array.init), [7])
            XCTAssertEqual(try runFiles(), 2, "the snapshot holds the dropped table's run")
        }
        let recreated = try db.openTable("victim")
        XCTAssertGreaterThan(recreated.id, keeper.id, "ids are never reused")
        XCTAssertNil(try db.get(5, table: recreated))
        try db.close()
        db = try Database(directory: path, options: options)
        XCTAssertEqual(db.tableNames(), ["keeper", "victim"])
        let reopened = try db.openTable("victim", create: false)
        XCTAssertEqual(reopened.id, recreated.id)
        XCTAssertEqual(try db.count(in: Int64.min...Int64.max, table: reopened), 0, "the dropped table's data did not come back")
        XCTAssertEqual(try db.count(in: Int64.min...Int64.max, table: db.openTable("keeper")), 2000)
        XCTAssertEqual(try runFiles(), 1, "the dropped table's run file is removed")
        let fresh = try db.openTable("another")
        XCTAssertGreaterThan(fresh.id, reopened.id, "ids are never reused across reopens")
        try db.verify()
        try db.close()
    }

    /// Bad names are refused; tables of another database, dropped tables and closed
    /// databases are misuse (never a crash); read-only databases create no table.
    func testMisuseIsRefused() throws {
        let path = temporaryDatabaseDirectory(self, "a")
        let db = try Database(directory: path, options: smallOptions(background: false))
        let other = try Database(directory: temporaryDatabaseDirectory(self, "b"), options: smallOptions(background: false))
        for bad in ["", String(repeating: "x", count: 256), "nul\0byte"] {
            XCTAssertEqual(code { _ = try db.openTable(bad) }, .invalidArgument, "name of \(bad.utf8.count) bytes")
            XCTAssertEqual(code { try db.dropTable(bad) }, .invalidArgument)
        }
        let longest = try db.openTable(String(repeating: "é", count: 127))  // 254 bytes
        XCTAssertEqual(longest.name.utf8.count, 254)
        let foreign = try other.openTable("t")
        XCTAssertEqual(code { _ = try db.get(1, table: foreign) }, .misuse)
        XCTAssertEqual(code { try db.put(1, [1], table: foreign) }, .misuse)
        XCTAssertEqual(code { _ = try db.get(1, table: other.defaultTable) }, .misuse, "another database's default table")
        XCTAssertEqual(code { _ = try db.snapshot().get(1, table: foreign) }, .misuse)
        XCTAssertEqual(code { _ = try db.count(in: 0...1, table: foreign) }, .misuse)
        let batch = WriteBatch()
        batch.put(1, [1], table: foreign)
        XCTAssertEqual(code { try db.write(batch) }, .misuse)
        let defaultOfOther = WriteBatch()
        defaultOfOther.delete(1, table: other.defaultTable)
        XCTAssertEqual(code { try db.write(defaultOfOther) }, .misuse, "another database's default table in a batch")
        let transaction = try db.beginTransaction()
        XCTAssertEqual(code { try transaction.put(1, [1], table: foreign) }, .misuse)
        XCTAssertEqual(code { _ = try transaction.get(1, table: foreign) }, .misuse)
        XCTAssertEqual(code { _ = try transaction.makeIterator(table: foreign) }, .misuse)
        transaction.rollback()
        XCTAssertEqual(code { try db.seekFirstOf(db.makeIterator(table: foreign)) }, .misuse)
        XCTAssertEqual(db.statistics(table: foreign).approximateCount, 0)
        try other.close()
        try db.close()
        XCTAssertEqual(code { _ = try db.openTable("late") }, .misuse)
        var readOnly = smallOptions(background: false)
        readOnly.readOnly = true
        let reader = try Database(directory: path, options: readOnly)
        XCTAssertEqual(code { _ = try reader.openTable("new") }, .readOnly)
        XCTAssertEqual(try reader.openTable(longest.name, create: true).id, longest.id, "an existing table opens read-only")
        XCTAssertEqual(code { try reader.dropTable(longest.name) }, .readOnly)
        try reader.close()
    }

    /// A batch spanning tables is one log record: a torn tail loses it in every table
    /// at once, and the batch before it survives in every table.
    func testBatchSpanningTablesRecoversAtomically() throws {
        let path = temporaryDatabaseDirectory(self)
        var db = try Database(directory: path, options: smallOptions(sync: .full, background: false))
        let tables = [db.defaultTable, try db.openTable("x"), try db.openTable("y")]
        func batch(_ value: UInt8) -> WriteBatch {
            let batch = WriteBatch()
            for (i, table) in tables.enumerated() {
                batch.put(Int64(i), [value], table: table)
                batch.deleteRange(100...200, table: table)
            }
            return batch
        }
        for table in tables { try db.put(150, [5], table: table) }
        try db.write(batch(1))
        try db.write(batch(2))
        try db.close()
        let log = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".log") }.sorted().last!
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path + "/" + log))
        let size = try handle.seekToEnd()
        try handle.truncate(atOffset: size - 3)  // tears the last record: the second batch
        try handle.close()
        db = try Database(directory: path, options: smallOptions(background: false))
        for (i, name) in ["", "x", "y"].enumerated() {
            let table = name.isEmpty ? db.defaultTable : try db.openTable(name, create: false)
            XCTAssertEqual(try db.get(Int64(i), table: table), [1], "table '\(name)': the first batch, not the torn second")
            XCTAssertNil(try db.get(150, table: table), "table '\(name)': the first batch's range delete")
        }
        try db.close()
    }

    /// Transactions spanning tables commit atomically and are validated per (table, key):
    /// key 5 of one table never conflicts with key 5 of another.
    func testTransactionsSpanTablesAndConflictPerTable() throws {
        let path = temporaryDatabaseDirectory(self)
        var db = try Database(directory: path, options: smallOptions(background: false))
        let one = try db.openTable("one"), two = try db.openTable("two")
        // Writes of the same key in different tables: no conflict.
        let a = try db.beginTransaction(), b = try db.beginTransaction()
        try a.put(5, [1], table: one)
        try b.put(5, [2], table: two)
        try a.commit()
        try b.commit()
        // A read of key 5 in `one` meets a later commit of key 5 in `one` only.
        let reader = try db.beginTransaction()
        XCTAssertEqual(try reader.get(5, table: one), [1])
        try reader.put(6, [6], table: two)
        try db.put(5, [3], table: two)
        try db.put(5, [3])
        let early = try db.beginTransaction()
        XCTAssertEqual(try early.get(5, table: one), [1])
        try early.put(7, [7], table: two)
        try reader.commit()  // key 5 of `two` and of the default table are not key 5 of `one`
        try db.put(5, [4], table: one)
        XCTAssertEqual(code { try early.commit() }, .conflict)
        // A scan of `two` conflicts with an insert into `two`, not into `one`.
        let scanner = try db.beginTransaction()
        XCTAssertEqual(try scanner.count(in: 0...100, table: two), 2)
        try scanner.put(50, [1], table: one)
        try db.put(40, [1], table: one)
        let scanner2 = try db.beginTransaction()
        XCTAssertEqual(try scanner2.count(in: 0...100, table: two), 2)
        try scanner2.put(51, [1], table: one)
        try scanner.commit()
        try db.put(41, [1], table: two)
        do {
            try scanner2.commit()
            XCTFail("the insert into the scanned range of table 'two' conflicts")
        } catch {
            XCTAssertEqual(error.code, .conflict)
            XCTAssertTrue(error.message.contains("table 'two'"), error.message)
        }
        // One transaction over three tables, with deletes and a range delete: all or nothing.
        let wide = try db.beginTransaction()
        try wide.put(100, [1])
        try wide.put(100, [2], table: one)
        try wide.deleteRange(0..<10, table: two)
        try wide.put(3, [3], table: two)
        XCTAssertEqual(try wide.get(5, table: two), nil, "its own range delete")
        XCTAssertEqual(try wide.value(3, table: two).map(Array.init), [3])
        let iterator = try wide.makeIterator(table: two)
        try iterator.seekFirst()
        var keys: [Int64] = []
        while iterator.isValid { keys.append(iterator.key); try iterator.next() }
        XCTAssertEqual(keys, [3, 41], "own writes merged into table 'two' only")
        XCTAssertNil(try db.get(100, table: one), "not visible before commit")
        try wide.commit()
        let rolledBack = try db.beginTransaction()
        try rolledBack.put(200, [1], table: one)
        try rolledBack.put(200, [1], table: two)
        rolledBack.rollback()
        try db.close()
        db = try Database(directory: path, options: smallOptions(background: false))
        let one2 = try db.openTable("one", create: false), two2 = try db.openTable("two", create: false)
        XCTAssertEqual(try db.get(100), [1])
        XCTAssertEqual(try db.get(100, table: one2), [2])
        XCTAssertEqual(try db.get(3, table: two2), [3])
        XCTAssertNil(try db.get(5, table: two2))
        XCTAssertNil(try db.get(200, table: one2))
        XCTAssertNil(try db.get(200, table: two2))
        try db.close()
    }

    /// A table dropped while a transaction writes it: the commit fails with `.notFound`
    /// and writes nothing, in no table; a table created after a snapshot transaction
    /// began reads as empty in it and takes its writes.
    func testTransactionOverADroppedOrNewTable() throws {
        let path = temporaryDatabaseDirectory(self)
        let db = try Database(directory: path, options: smallOptions(background: false))
        let doomed = try db.openTable("doomed")
        let transaction = try db.beginTransaction()
        try transaction.put(1, [1])
        try transaction.put(1, [1], table: doomed)
        try db.dropTable("doomed")
        XCTAssertEqual(code { try transaction.commit() }, .notFound)
        XCTAssertNil(try db.get(1), "nothing of the refused commit is written")
        let early = try db.beginTransaction(TransactionOptions(isolation: .repeatableRead))
        let serializable = try db.beginTransaction()
        let later = try db.openTable("later")
        try db.put(5, [5], table: later)
        XCTAssertNil(try early.get(5, table: later), "created after the snapshot: empty in it")
        XCTAssertEqual(try early.count(in: Int64.min...Int64.max, table: later), 0)
        try early.put(6, [6], table: later)
        try early.commit()
        XCTAssertEqual(try db.get(6, table: later), [6])
        // The same read under SERIALIZABLE: the later commit of key 5 in it conflicts.
        XCTAssertNil(try serializable.get(5, table: later))
        try serializable.put(7, [7], table: later)
        XCTAssertEqual(code { try serializable.commit() }, .conflict)
        XCTAssertEqual(code { _ = try db.beginTransaction().get(1, table: doomed) }, .notFound)
        try db.close()
    }

    /// A snapshot reads every table at one sequence while another thread writes batches
    /// that put the same value in both tables (and flushes run): the tables always agree.
    func testSnapshotAcrossTablesIsConsistentUnderWrites() throws {
        let path = temporaryDatabaseDirectory(self)
        let db = try Database(directory: path, options: smallOptions())
        let left = try db.openTable("left"), right = try db.openTable("right")
        let done = Atomic<Bool>(false)
        let writer = Thread {
            var round: UInt64 = 0
            while !done.load(ordering: .relaxed) && round < 20_000 {
                round += 1
                let batch = WriteBatch()
                let key = Int64(round % 500)
                withUnsafeBytes(of: round) { value in
                    batch.put(key, value, table: left)
                    batch.put(key, value, table: right)
                    batch.put(key, value)
                }
                try! db.write(batch)
            }
            done.store(true, ordering: .relaxed)
        }
        writer.start()
        var checks = 0
        while !done.load(ordering: .relaxed) || checks < 50 {
            let snapshot = db.snapshot()
            for key in stride(from: Int64(checks % 7), to: 500, by: 37) {
                let l = try snapshot.get(key, table: left).map(Array.init)
                XCTAssertEqual(l, try snapshot.get(key, table: right).map(Array.init), "key \(key) at sequence \(snapshot.sequence)")
                XCTAssertEqual(l, try snapshot.get(key).map(Array.init))
            }
            XCTAssertEqual(try snapshot.count(in: 0...499, table: left), try snapshot.count(in: 0...499, table: right))
            checks += 1
        }
        done.store(true, ordering: .relaxed)
        while !writer.isFinished { usleep(1000) }
        XCTAssertGreaterThan(db.statistics.runCount, 0, "flushes ran during the test")
        try db.close()
    }

    /// A database in the pre-tables formats (manifest version 1, WAL version 2 with
    /// records) opens as the default table, and takes named tables after.
    func testVersion1ManifestAndOldLogOpenAsDefaultTable() throws {
        let path = temporaryDatabaseDirectory(self)
        var db = try Database(directory: path, options: smallOptions(background: false))
        for key in Int64(0)..<300 { try db.put(key, testValue(key, 0, length: 10)) }
        try db.flush()
        for key in Int64(300)..<400 { try db.put(key, testValue(key, 0, length: 10)) }
        try db.deleteRange(0...9)
        try db.close()
        // Rewrite the manifest as version 1 and the log header as version 2 (the formats
        // before tables; their records encode operations identically).
        let manifest = try Manifest.load(directory: path)
        XCTAssertEqual(manifest.tables, [])
        var v1 = StorageByteWriter()
        v1.append(Manifest.magic)
        v1.append(UInt32(1))
        v1.append(UInt32(0))
        for field in [manifest.nextFileNumber, manifest.lastSequence, manifest.walWatermark, manifest.activeWAL, UInt64(manifest.runs.count)] {
            v1.append(field)
        }
        for run in manifest.runs {
            for field in [run.number, run.count, UInt64(bitPattern: run.minimumKey), UInt64(bitPattern: run.maximumKey), run.largestSequence, run.fileSize] {
                v1.append(field)
            }
        }
        v1.append(CRC32C.checksum(v1.bytes))
        try Data(v1.bytes).write(to: URL(fileURLWithPath: path + "/MANIFEST"))
        let log = path + "/" + WALFormat.fileName(manifest.activeWAL)
        var bytes = [UInt8](FileManager.default.contents(atPath: log)!)
        XCTAssertGreaterThan(bytes.count, WALFormat.headerSize, "the log holds records")
        bytes[8] = 2
        let crc = CRC32C.checksum(Array(bytes[0..<24]))
        withUnsafeBytes(of: crc.littleEndian) { for i in 0..<4 { bytes[24 + i] = $0[i] } }
        try Data(bytes).write(to: URL(fileURLWithPath: log))
        db = try Database(directory: path, options: smallOptions(background: false))
        var reference: [Int64: [UInt8]] = [:]
        for key in Int64(10)..<400 { reference[key] = testValue(key, 0, length: 10) }
        try assertTable(db, db.defaultTable, reference, "the version 1 database")
        XCTAssertEqual(db.tableNames(), [])
        let named = try db.openTable("named")
        try db.put(1, [1], table: named)
        try db.close()
        XCTAssertEqual(try Manifest.load(directory: path).tables, [Manifest.TableEntry(id: 1, name: "named")])
        db = try Database(directory: path, options: smallOptions(background: false))
        try assertTable(db, db.defaultTable, reference, "after the upgrade")
        XCTAssertEqual(try db.get(1, table: db.openTable("named")), [1])
        try db.verify()
        try db.close()
    }

    /// A bulk load (which leaves no log record) while another table's writes, or a
    /// dropped table's, are in the log: they reach runs first, so the log replays from
    /// the load's sequence on (found by the C tests of named tables).
    func testBulkLoadWithOtherTablesInTheLogReopens() throws {
        for droppedFirst in [false, true] {
            let path = temporaryDatabaseDirectory(self)
            var db = try Database(directory: path, options: smallOptions(background: false))
            let other = try db.openTable("a")
            try db.put(7, [7], table: other)
            var target = db.defaultTable
            if droppedFirst {
                try db.dropTable("a")
                target = try db.openTable("a")
            }
            let keys: [Int64] = [1000, 1002]
            try keys.withUnsafeBufferPointer { keys in
                try db.bulkLoad(keys: keys, values: [UInt8](repeating: 1, count: 2), valueSize: 1, table: target)
            }
            try db.put(8, [8], table: target)
            try db.close()
            db = try Database(directory: path, options: smallOptions(background: false))
            let reopened = try db.openTable("a", create: false)
            XCTAssertEqual(try db.get(7, table: reopened), droppedFirst ? nil : [7], "dropped first: \(droppedFirst)")
            let loaded = droppedFirst ? reopened : db.defaultTable
            XCTAssertEqual(try db.get(1002, table: loaded), [1])
            XCTAssertEqual(try db.get(8, table: loaded), [8])
            try db.verify()
            try db.close()
        }
    }

    /// A flush whose log holds, last, a record of a table dropped since: the manifest's
    /// last sequence covers it, so the next log's records follow without a gap.
    func testFlushAfterTheLastRecordWasADroppedTablesReopens() throws {
        let path = temporaryDatabaseDirectory(self)
        var db = try Database(directory: path, options: smallOptions(background: false))
        try db.put(1, [1])
        let gone = try db.openTable("gone")
        try db.put(2, [2], table: gone)
        try db.dropTable("gone")
        try db.flush()
        try db.put(3, [3])
        try db.close()
        db = try Database(directory: path, options: smallOptions(background: false))
        XCTAssertEqual(try db.get(1), [1])
        XCTAssertEqual(try db.get(3), [3])
        XCTAssertEqual(db.tableNames(), [])
        try db.close()
    }

    /// A checkpoint copies every table; the copy opens with the same tables and data.
    func testCheckpointCopiesEveryTable() throws {
        let path = temporaryDatabaseDirectory(self)
        let db = try Database(directory: path, options: smallOptions(background: false))
        let dropped = try db.openTable("dropped")
        try db.put(1, [1], table: dropped)
        try db.dropTable("dropped")
        let kept = try db.openTable("kept")
        for key in Int64(0)..<500 { try db.put(key, [UInt8(key & 0xFF)], table: kept) }
        try db.flush()
        try db.put(1000, [1], table: kept)
        try db.put(2, [2])
        let destination = temporaryDatabaseDirectory(self, "copy")
        try db.checkpoint(to: destination)
        try db.close()
        let copy = try Database(directory: destination, options: smallOptions(background: false))
        XCTAssertEqual(copy.tableNames(), ["kept"])
        let table = try copy.openTable("kept", create: false)
        XCTAssertEqual(try copy.count(in: Int64.min...Int64.max, table: table), 501)
        XCTAssertEqual(try copy.get(2), [2])
        XCTAssertGreaterThan(try copy.openTable("new").id, table.id, "the copy gives no used id again")
        try copy.verify()
        try copy.close()
    }
}

private extension Database {
    /// Seeks `iterator` to its first entry (a throwing call for `code`).
    func seekFirstOf(_ iterator: StorageIterator) throws { try iterator.seekFirst() }
}
