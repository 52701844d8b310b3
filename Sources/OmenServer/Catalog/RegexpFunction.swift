import CSQLite
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// regexp(pattern, text): SQLite's `text REGEXP pattern`, which the translator makes
/// of PostgreSQL's `~` (psql's name patterns such as `^(t)$`). POSIX extended regular
/// expressions (regcomp REG_EXTENDED), case-sensitive like `~`. The compiled pattern is
/// kept with the statement (sqlite3_set_auxdata) while the pattern argument is constant.
/// NULL in gives NULL out; a bad pattern is 2201B.
enum RegexpFunction {
    static let name = "regexp"

    static func register(_ connection: OpaquePointer, _ state: CatalogState) -> Int32 {
        let pointer = Unmanaged.passRetained(state).toOpaque()
        return sqlite3_create_function_v2(connection, name, 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, pointer, { context, _, argv in
            guard sqlite3_value_type(argv![0]) != SQLITE_NULL, sqlite3_value_type(argv![1]) != SQLITE_NULL,
                  let subject = sqlite3_value_text(argv![1]) else {
                sqlite3_result_null(context)
                return
            }
            let text = UnsafeRawPointer(subject).assumingMemoryBound(to: CChar.self)
            if let cached = sqlite3_get_auxdata(context, 0) {
                sqlite3_result_int(context, regexec(cached.assumingMemoryBound(to: regex_t.self), text, 0, nil, 0) == 0 ? 1 : 0)
                return
            }
            let expression = UnsafeMutablePointer<regex_t>.allocate(capacity: 1)
            let status = regcomp(expression, String(cString: sqlite3_value_text(argv![0])), REG_EXTENDED | REG_NOSUB)
            guard status == 0 else {
                var buffer = [CChar](repeating: 0, count: 256)
                regerror(status, expression, &buffer, buffer.count)
                expression.deallocate()
                let error = PGError("2201B", "invalid regular expression: \(String(cString: buffer))")
                Unmanaged<CatalogState>.fromOpaque(sqlite3_user_data(context)).takeUnretainedValue().lastError = error
                sqlite3_result_error(context, error.message, -1)
                return
            }
            sqlite3_result_int(context, regexec(expression, text, 0, nil, 0) == 0 ? 1 : 0)
            // Last: SQLite may free it at once (a pattern that is not constant).
            sqlite3_set_auxdata(context, 0, expression) { pointer in
                let expression = pointer!.assumingMemoryBound(to: regex_t.self)
                regfree(expression)
                expression.deallocate()
            }
        }, nil, nil, { pointer in Unmanaged<CatalogState>.fromOpaque(pointer!).release() })
    }
}
