import OmenServer
import XCTest

/// StatementSplitter cuts where PostgreSQL's scanner sees a semicolon, and nowhere else.
final class StatementSplitterTests: XCTestCase {
    func testSplitsAtTopLevelSemicolons() throws {
        let cases: [(String, [String])] = [
            ("select 1", ["select 1"]),
            ("select 1; select 2;", ["select 1", "select 2"]),
            ("  ;; ;", []),
            ("", []),
            ("-- only a comment\n", []),
            ("/* a ; b */ select 1; -- c; d\nselect 2", ["select 1", "select 2"]),
            ("select ';' ; select 'it''s;'", ["select ';'", "select 'it''s;'"]),
            ("select E'\\';' ; select 2", ["select E'\\';'", "select 2"]),
            ("select \"a;b\" from t; select 2", ["select \"a;b\" from t", "select 2"]),
            ("select $$a;b$$; select $tag$ $$ ; $tag$; select 3",
             ["select $$a;b$$", "select $tag$ $$ ; $tag$", "select 3"]),
            ("select /* outer /* inner ; */ still ; */ 1; select 2", ["select /* outer /* inner ; */ still ; */ 1", "select 2"]),
            ("select $1; select $2::int", ["select $1", "select $2::int"]),
            // asyncpg's pool release, one message.
            ("SELECT pg_advisory_unlock_all();\nCLOSE ALL;\nUNLISTEN *;\nRESET ALL;",
             ["SELECT pg_advisory_unlock_all()", "CLOSE ALL", "UNLISTEN *", "RESET ALL"]),
            ("select 'é;ü'; select 2", ["select 'é;ü'", "select 2"]),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(try StatementSplitter.split(text), expected, text)
        }
    }

    func testUnterminatedQuotesAndCommentsAreSyntaxErrors() {
        for text in ["select 'abc", "select \"abc", "select $$abc", "select 1 /* /* */", "select E'abc\\'"] {
            XCTAssertThrowsError(try StatementSplitter.split(text), text) { error in
                XCTAssertEqual((error as? PGError)?.code, "42601", text)
            }
        }
    }
}
