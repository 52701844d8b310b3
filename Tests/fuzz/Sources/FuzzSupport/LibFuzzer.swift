import CLibFuzzer
import Glibc

/// Runs libFuzzer's driver with `target` as the fuzz target and exits with its status.
///
/// SwiftPM gives executables an entry point of its own naming (for testability), so the
/// targets have an `@main` that hands over to `LLVMFuzzerRunDriver` instead of relying
/// on libFuzzer's `main` and an exported `LLVMFuzzerTestOneInput`.
public func runLibFuzzer(_ target: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Never {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, target))
}

/// The fuzz input as bytes (libFuzzer passes a null pointer for the empty input).
public func inputBytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}
