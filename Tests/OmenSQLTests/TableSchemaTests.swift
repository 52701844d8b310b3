import OmenDB
import OmenSQL
import XCTest

/// Column definitions of CREATE VIRTUAL TABLE ... USING omendb(...): the key column,
/// affinities, and the refusals with their messages.
final class TableSchemaTests: XCTestCase {
    func testKeyColumnAndAffinities() throws {
        let schema = try TableSchema(name: "t", definitions: ["id INTEGER PRIMARY KEY", "name TEXT", "score REAL",
                                                              "data BLOB", "n NUMERIC DEFAULT (1 + 2)", "\"odd name\" VARCHAR(10)"])
        XCTAssertEqual(schema.keyColumn, 0)
        XCTAssertEqual(schema.storedIndex, [-1, 0, 1, 2, 3, 4])
        XCTAssertEqual(schema.columns.map(\.affinity), [.integer, .text, .real, .blob, .numeric, .text])
        XCTAssertEqual(schema.columns[5].name, "odd name")
        XCTAssertTrue(schema.declaration.hasPrefix("CREATE TABLE x(id INTEGER PRIMARY KEY, name TEXT"))
        let rowid = try TableSchema(name: "r", definitions: ["a", "b INT"])
        XCTAssertNil(rowid.keyColumn)
        XCTAssertEqual(rowid.storedColumnCount, 2)
        XCTAssertEqual(rowid.columns.map(\.affinity), [.blob, .integer])
    }

    func testRefusals() {
        let cases: [([String], String)] = [
            ([], "at least one column"),
            (["name TEXT PRIMARY KEY"], "must be one column of type INTEGER"),
            (["id INT PRIMARY KEY"], "must be one column of type INTEGER"),
            (["a INTEGER PRIMARY KEY", "b INTEGER PRIMARY KEY"], "more than one PRIMARY KEY"),
            (["a", "A"], "duplicate column name"),
            (["a TEXT NOT NULL"], "NOT NULL is not supported"),
            (["a TEXT UNIQUE"], "UNIQUE is not supported"),
            (["a INT CHECK (a > 0)"], "CHECK is not supported"),
            (["a", "PRIMARY KEY (a)"], "table constraints"),
        ]
        for (definitions, expected) in cases {
            XCTAssertThrowsError(try TableSchema(name: "t", definitions: definitions)) { error in
                guard let error = error as? OmenError else { return XCTFail("\(error)") }
                XCTAssertEqual(error.code, .invalidArgument)
                XCTAssertTrue(error.message.contains(expected), "'\(error.message)' should mention '\(expected)'")
            }
        }
    }
}
