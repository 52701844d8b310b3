@testable import OmenDB
import Glibc

/// Stops the process (libFuzzer then saves the input as a crash) when an invariant of
/// the code under test does not hold. Not `precondition`: its message must survive -O.
public func invariant(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                      file: StaticString = #fileID, line: UInt = #line) {
    if condition() { return }
    fputs("INVARIANT VIOLATED at \(file):\(line): \(message())\n", stderr)
    abort()
}

/// Checks that a parser's refusal is one of the codes it documents for bad bytes.
public func invariantRefusal(_ error: OmenError, _ allowed: Set<StatusCode>,
                             file: StaticString = #fileID, line: UInt = #line) {
    invariant(allowed.contains(error.code), "unexpected error code for malformed input: \(error)", file: file, line: line)
    invariant(!error.message.isEmpty, "an error without a message: \(error.code)", file: file, line: line)
}
