// Opens a database, writes, reads, iterates and commits a transaction.
//
//   swift run --package-path examples/swift omendb-swift-demo [DIRECTORY]
import Glibc
import OmenDB

func text(_ bytes: [UInt8]?) -> String {
    bytes.map { String(decoding: $0, as: UTF8.self) } ?? "(absent)"
}

func require(_ condition: Bool, _ what: String) {
    if !condition {
        print("omendb-swift-demo: FAILED: \(what)")
        exit(1)
    }
}

do throws(OmenError) {
    let directory = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "./omendb-swift-demo.db"
    var options = DatabaseOptions()
    options.sync = .full                        // every commit durable before it returns
    options.errorIfExists = true                // the checks below expect a new database
    let db = try Database(directory: directory, options: options)

    for key in Int64(1)...5 {
        try db.put(key * 10, Array("value \(key * 10)".utf8))
    }
    try db.delete(30)
    let twenty = try db.get(20), thirty = try db.get(30)
    print("get 20 -> \(text(twenty))")
    print("get 30 -> \(text(thirty))")
    require(twenty == Array("value 20".utf8) && thirty == nil, "put/get/delete")

    let batch = WriteBatch()                    // atomic: all or nothing
    batch.put(60, Array("sixty".utf8))
    batch.delete(10)
    try db.write(batch)

    // Keys in [0, 100), ascending; value bytes are borrowed until the iterator moves.
    let iterator = db.makeIterator()
    iterator.setBounds(lower: 0, upper: 100)
    var seen: [Int64] = []
    try iterator.seekFirst()
    while iterator.isValid {
        print("  \(iterator.key): \(String(decoding: iterator.value, as: UTF8.self))")
        seen.append(iterator.key)
        try iterator.next()
    }
    require(seen == [20, 40, 50, 60], "iteration saw \(seen)")

    // A serializable transaction: reads its own writes, commits atomically.
    let transaction = try db.beginTransaction()
    let old = try transaction.get(20)
    try transaction.put(20, (old ?? []) + Array(" (updated)".utf8))
    try transaction.put(70, Array("seventy".utf8))
    print("inside the transaction, 20 -> \(text(try transaction.get(20)))")
    try transaction.commit()
    let updated = try db.get(20), seventy = try db.get(70)
    print("after commit, 20 -> \(text(updated)), 70 -> \(text(seventy))")
    require(updated == Array("value 20 (updated)".utf8) && seventy == Array("seventy".utf8), "transaction commit")

    try db.close()
    print("ok")
} catch {
    print("omendb-swift-demo: \(error)")
    exit(1)
}
