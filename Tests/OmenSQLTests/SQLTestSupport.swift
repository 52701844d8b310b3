import CSQLite
import Foundation
import OmenDB
import OmenSQL
import XCTest

/// A registered sqlite3 connection for the tests, with SQL helpers that return rows or
/// the error (message and extended code) as values to compare.
final class TestConnection {
    let handle: OpaquePointer

    init(_ database: Database, path: String = ":memory:") throws {
        var handle: OpaquePointer?
        guard sqlite3_open(path, &handle) == SQLITE_OK, let handle else { throw OmenError(.ioError, "sqlite3_open failed") }
        sqlite3_extended_result_codes(handle, 1)
        self.handle = handle
        try OmenSQL.register(handle, database: database)
    }

    deinit { sqlite3_close(handle) }

    /// The outcome of one statement: its rows (columns as text joined by "|", NULL as
    /// "NULL"), or "error <extended code>: <message>".
    enum Outcome: Equatable, CustomStringConvertible {
        case rows([String])
        case error(Int32, String)

        var description: String {
            switch self {
            case .rows(let rows): return "rows \(rows)"
            case .error(let code, let message): return "error \(code): \(message)"
            }
        }
    }

    @discardableResult
    func run(_ sql: String, _ parameters: [Any?] = []) -> Outcome {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK else {
            return .error(sqlite3_extended_errcode(handle), String(cString: sqlite3_errmsg(handle)))
        }
        defer { sqlite3_finalize(statement) }
        for (index, parameter) in parameters.enumerated() {
            let position = Int32(index + 1)
            switch parameter {
            case nil: sqlite3_bind_null(statement, position)
            case let value as Int: sqlite3_bind_int64(statement, position, Int64(value))
            case let value as Int64: sqlite3_bind_int64(statement, position, value)
            case let value as Double: sqlite3_bind_double(statement, position, value)
            case let value as String: sqlite3_bind_text(statement, position, value, -1, unsafeBitCast(-1, to: sqlite3_destructor_type.self))
            default: fatalError("unsupported parameter \(String(describing: parameter))")
            }
        }
        var rows: [String] = []
        var status = sqlite3_step(statement)
        while status == SQLITE_ROW {
            rows.append((0..<sqlite3_column_count(statement)).map { column in
                sqlite3_column_text(statement, column).map { String(cString: $0) } ?? "NULL"
            }.joined(separator: "|"))
            status = sqlite3_step(statement)
        }
        guard status == SQLITE_DONE else {
            return .error(sqlite3_extended_errcode(handle), String(cString: sqlite3_errmsg(handle)))
        }
        return .rows(rows)
    }

    /// The rows of `sql`; a failure fails the test.
    func rows(_ sql: String, _ parameters: [Any?] = [], file: StaticString = #filePath, line: UInt = #line) -> [String] {
        switch run(sql, parameters) {
        case .rows(let rows): return rows
        case .error(let code, let message):
            XCTFail("\(sql): error \(code): \(message)", file: file, line: line)
            return []
        }
    }
}

/// A fresh directory under the temporary directory, removed by `cleanup`.
func temporaryDatabaseDirectory(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("omensql-\(name)-\(UUID().uuidString)").path
}

/// A seed from $OMENDB_TEST_SEED or random, printed so that a failure can be rerun.
func testSeed(_ test: String) -> UInt64 {
    let seed = ProcessInfo.processInfo.environment["OMENDB_TEST_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 0...UInt64.max)
    print("\(test): seed \(seed) (rerun with OMENDB_TEST_SEED=\(seed))")
    return seed
}

