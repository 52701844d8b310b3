import Foundation
import XCTest

/// Keeps a generated part of a document in docs/ equal to what a test observed: the text
/// between `<!-- BEGIN <marker> -->` and `<!-- END <marker> -->`. A difference fails the
/// test; with OMENDB_UPDATE_DOCS=1 in the environment the document is rewritten instead.
func assertGeneratedDocumentSection(_ document: String, marker: String, _ generated: String,
                                    file: StaticString = #filePath, line: UInt = #line) throws {
    let path = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/\(document)").path
    let begin = "<!-- BEGIN \(marker) -->\n", end = "<!-- END \(marker) -->"
    guard let text = try? String(contentsOfFile: path, encoding: .utf8),
          let beginRange = text.range(of: begin), let endRange = text.range(of: end, range: beginRange.upperBound..<text.endIndex)
    else {
        XCTFail("\(path) has no \(begin.dropLast()) ... \(end) section", file: file, line: line)
        return
    }
    let current = String(text[beginRange.upperBound..<endRange.lowerBound])
    if current == generated { return }
    if ProcessInfo.processInfo.environment["OMENDB_UPDATE_DOCS"] == "1" {
        try text.replacingCharacters(in: beginRange.upperBound..<endRange.lowerBound, with: generated)
            .write(toFile: path, atomically: true, encoding: .utf8)
        print("rewrote the \(marker) section of \(path)")
        return
    }
    XCTFail("""
        the \(marker) section of \(path) differs from what this run observed \
        (OMENDB_UPDATE_DOCS=1 rewrites it). Observed:
        \(generated)
        """, file: file, line: line)
}
