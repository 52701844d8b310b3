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

    func testPostgreSQLKeysAndNotNull() throws {
        let keyed = try TableSchema(name: "t", definitions: ["aid int not null", "bid int", "CONSTRAINT t_pkey PRIMARY KEY (aid)"])
        XCTAssertEqual(keyed.keyColumn, 0)
        XCTAssertEqual(keyed.definitions, ["aid int not null PRIMARY KEY", "bid int"], "the table constraint is folded in")
        XCTAssertEqual(keyed.columns.map(\.notNull), [true, false])
        XCTAssertFalse(keyed.allocatesKeys, "an int key is NOT NULL, as in PostgreSQL")
        for (type, allocates) in [("INTEGER", true), ("serial", true), ("BIGSERIAL", true), ("bigint", false), ("int2", false)] {
            let schema = try TableSchema(name: "t", definitions: ["k \(type) PRIMARY KEY", "v text NOT NULL DEFAULT 'x'"])
            XCTAssertEqual(schema.allocatesKeys, allocates, type)
            XCTAssertEqual(schema.columns.map(\.declaredType), [type, "text"])
            XCTAssertEqual(schema.columns.map(\.defaultExpression), [nil, "'x'"])
            XCTAssertEqual(schema.columns.map(\.notNull), [true, true])
        }
        XCTAssertTrue(try TableSchema(name: "h", definitions: ["tid int", "filler char(22)"]).allocatesKeys)
    }

    func testRefusals() {
        let cases: [([String], String)] = [
            ([], "at least one column"),
            (["name TEXT PRIMARY KEY"], "must be one column of an integer type"),
            (["id NUMERIC PRIMARY KEY"], "must be one column of an integer type"),
            (["a INTEGER PRIMARY KEY", "b INTEGER PRIMARY KEY"], "more than one PRIMARY KEY"),
            (["a", "A"], "duplicate column name"),
            (["a TEXT UNIQUE"], "UNIQUE is not supported"),
            (["a INT CHECK (a > 0)"], "CHECK is not supported"),
            (["a", "PRIMARY KEY (a)"], "must be one column of an integer type"),
            (["a INT", "FOREIGN KEY (a) REFERENCES b(c)"], "table constraints"),
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
