import XCTest
@testable import OmenServer

final class CopyCodecTests: XCTestCase {
    private func text(_ header: Bool = false) -> CopyOptions {
        var options = CopyOptions(format: .text)
        options.header = header
        return options
    }

    private func csv(_ header: Bool = false) -> CopyOptions {
        var options = CopyOptions(format: .csv)
        options.header = header
        return options
    }

    /// Feeds `input` in chunks of every size from 1 to its length: the rows must not
    /// depend on where CopyData messages split the bytes.
    private func parseInChunks(_ input: String, _ options: CopyOptions) throws -> [[String?]] {
        let bytes = Array(input.utf8)
        var expected: [[String?]]?
        for size in 1...max(bytes.count, 1) {
            var parser = CopyParser(options: options)
            var rows: [[String?]] = []
            var start = 0
            while start < bytes.count {
                rows += try parser.feed(bytes[start..<min(start + size, bytes.count)])
                start += size
            }
            rows += try parser.finish()
            if let expected { XCTAssertEqual(rows, expected, "chunk size \(size)") } else { expected = rows }
        }
        return expected ?? []
    }

    func testTextFormat() throws {
        let input = "1\tone\t\\N\n2\ttab\\there\\\\ and \\n newline\t\\x41\\101\n3\t\t\n\\.\nignored\n"
        XCTAssertEqual(try parseInChunks(input, text()), [
            ["1", "one", nil],
            ["2", "tab\there\\ and \n newline", "AA"],
            ["3", "", ""],
        ])
    }

    func testTextWithoutFinalNewlineAndCRLF() throws {
        XCTAssertEqual(try parseInChunks("1\ta\r\n2\tb", text()), [["1", "a"], ["2", "b"]])
    }

    func testCSV() throws {
        let input = "k,v\n1,\"a,b\"\n2,\"say \"\"hi\"\"\"\n3,\n4,\"\"\n5,\"two\nlines\"\n"
        XCTAssertEqual(try parseInChunks(input, csv(true)), [
            ["1", "a,b"], ["2", "say \"hi\""], ["3", nil], ["4", ""], ["5", "two\nlines"],
        ])
    }

    func testUnterminatedQuoteIsAnError() {
        var parser = CopyParser(options: csv())
        XCTAssertNoThrow(try parser.feed(Array("1,\"open".utf8)))
        XCTAssertThrowsError(try parser.finish()) { XCTAssertEqual(($0 as? PGError)?.code, SQLState.badCopyFileFormat) }
    }

    func testInvalidUTF8IsAnError() {
        var parser = CopyParser(options: text())
        XCTAssertThrowsError(try parser.feed([0x31, 0x09, 0xFF, 0x0A])) {
            XCTAssertEqual(($0 as? PGError)?.code, SQLState.characterNotInRepertoire)
        }
    }

    /// What the writer writes, the parser reads back, for awkward values in both formats.
    func testRoundTrip() throws {
        let rows: [[String?]] = [["plain", nil, ""], ["tab\tnew\nline\\back", "comma,quote\"", "\\."], ["\r", "x", "\\N"]]
        for options in [text(), csv()] {
            let writer = CopyWriter(options: options)
            let data = rows.map { writer.row($0.map { $0.map { Array($0.utf8) } }) }.joined()
            var parser = CopyParser(options: options)
            var back = try parser.feed(Array(data))
            back += try parser.finish()
            XCTAssertEqual(back, rows, "\(options.format)")
        }
    }
}
