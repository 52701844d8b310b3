import COmenDBShim
import OmenDB

/// The per-thread error message behind `omendb_last_error`.
enum ThreadError {
    /// Records `message` as the calling thread's last error (truncated to fit, at a
    /// UTF-8 character boundary) and returns `code.rawValue` for the caller to return.
    @discardableResult
    static func record(_ code: StatusCode, _ message: String) -> Int32 {
        let buffer = odb_shim_thread_error_buffer()!
        let capacity = Int(ODB_SHIM_ERROR_CAPACITY) - 1
        var utf8 = Array(message.utf8)
        if utf8.count > capacity {
            var cut = capacity
            while cut > 0 && (utf8[cut] & 0xC0) == 0x80 { cut -= 1 }
            utf8.removeSubrange(cut...)
        }
        utf8.withUnsafeBufferPointer { bytes in
            UnsafeMutableRawPointer(buffer).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        }
        buffer[utf8.count] = 0
        return code.rawValue
    }

    @discardableResult
    static func record(_ error: OmenError) -> Int32 { record(error.code, error.message) }

    /// Records an invalid-argument error naming the C function and the argument.
    @discardableResult
    static func invalid(_ function: StaticString, _ what: String) -> Int32 {
        record(.invalidArgument, "\(function): \(what)")
    }
}

@_cdecl("omendb_last_error")
public func cLastError() -> UnsafePointer<CChar> {
    UnsafePointer(odb_shim_thread_error_buffer()!)
}

@_cdecl("omendb_status_string")
public func cStatusString(_ status: Int32) -> UnsafePointer<CChar> {
    guard let code = StatusCode(rawValue: status) else { return staticCString("unknown status") }
    return staticCString(code.text)
}

/// A `const char *` to a string literal (static storage, NUL-terminated).
@inline(__always)
func staticCString(_ text: StaticString) -> UnsafePointer<CChar> {
    UnsafeRawPointer(text.utf8Start).assumingMemoryBound(to: CChar.self)
}
