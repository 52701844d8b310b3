import CEditLine
import Glibc

/// Interactive input for `omendb sql`: lines read with libedit (line editing, and a
/// history kept across sessions in a file).
final class LineReader {
    private let historyPath: String?

    /// The history file: $OMENDB_HISTORY, else ~/.omendb_history (none without HOME).
    init() {
        if let path = getenv("OMENDB_HISTORY") {
            historyPath = String(cString: path)
        } else if let home = getenv("HOME") {
            historyPath = String(cString: home) + "/.omendb_history"
        } else {
            historyPath = nil
        }
        using_history()
        stifle_history(1000)
        if let historyPath { _ = read_history(historyPath) }
    }

    /// The next line (without its newline), or nil at the end of input (Ctrl-D).
    func readLine(prompt: String) -> String? {
        guard let raw = readline(prompt) else { return nil }
        defer { free(raw) }
        let line = String(cString: raw)
        if !line.allSatisfy({ $0 == " " || $0 == "\t" }) { add_history(raw) }
        return line
    }

    /// Writes the history file (the last 1000 lines).
    func saveHistory() {
        if let historyPath { _ = write_history(historyPath) }
    }
}
