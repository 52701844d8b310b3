import Glibc
import OmenDB

/// A one-line progress display on stderr, only when stderr is a terminal: scripts and
/// pipes see no progress output at all.
final class TerminalProgress {
    private let label: String
    private let unit: String
    private var drawn = false

    private init(label: String, unit: String) {
        self.label = label
        self.unit = unit
    }

    /// A display (nil when stderr is not a terminal); `finish` ends its line.
    static func display(_ label: String, unit: String) -> TerminalProgress? {
        isatty(STDERR_FILENO) != 0 ? TerminalProgress(label: label, unit: unit) : nil
    }

    /// The progress callback for an engine call, drawing on this display.
    var callback: ProgressCallback {
        { [self] done, total in draw(done, total); return true }
    }

    func draw(_ done: UInt64, _ total: UInt64) {
        let percent = total == 0 ? 100 : min(100, done * 100 / total)
        let line = "\r\(label): \(done)/\(total) \(unit) (\(percent)%)\u{1B}[K"
        _ = line.withCString { fputs($0, stderr) }
        drawn = true
    }

    /// Ends the progress line, so that what follows starts on a line of its own.
    func finish() {
        if drawn { fputs("\n", stderr) }
        drawn = false
    }
}
