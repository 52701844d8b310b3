import CSQLite
import OmenDB
import OmenSQL

/// int omendb_sql_register(sqlite3 *conn, const char *path) (include/omendb_sql.h).
@_cdecl("omendb_sql_register")
public func omendb_sql_register(_ connection: OpaquePointer?, _ path: UnsafePointer<CChar>?) -> Int32 {
    guard let connection else { return SQLITE_MISUSE }
    do throws(OmenError) {
        try OmenSQL.register(connection)
    } catch {
        return SQLITE_ERROR
    }
    guard let path else { return SQLITE_OK }
    // Through SQL, so that a failure's message is the connection's (sqlite3_errmsg).
    var statement: OpaquePointer?
    var status = sqlite3_prepare_v2(connection, "SELECT omendb_open(?1)", -1, &statement, nil)
    if status == SQLITE_OK { status = sqlite3_bind_text(statement, 1, path, -1, nil) }
    if status == SQLITE_OK {
        status = sqlite3_step(statement)
        if status == SQLITE_ROW || status == SQLITE_DONE { status = SQLITE_OK }
    }
    if status != SQLITE_OK {
        // sqlite3_finalize keeps the message for sqlite3_errmsg and returns the code.
        return sqlite3_finalize(statement)
    }
    sqlite3_finalize(statement)
    return SQLITE_OK
}

/// The loadable extension's entry point: SQLite derives the name sqlite3_omendbsql_init
/// from the file name libomendb_sql.so. Registers the module and the functions.
@_cdecl("sqlite3_omendbsql_init")
public func sqlite3_omendbsql_init(_ connection: OpaquePointer?, _ message: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                   _ api: OpaquePointer?) -> Int32 {
    guard let connection else { return SQLITE_MISUSE }
    do throws(OmenError) {
        try OmenSQL.register(connection)
        return SQLITE_OK
    } catch {
        message?.pointee = sqlite3_mprintf_copy(error.description)
        return SQLITE_ERROR
    }
}

/// int omendb_sql_auto_register(void): every sqlite3 connection opened afterwards in
/// this process (through the same libsqlite3) runs the extension's entry point.
@_cdecl("omendb_sql_auto_register")
public func omendb_sql_auto_register() -> Int32 {
    let entry: @convention(c) (OpaquePointer?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, OpaquePointer?) -> Int32
        = sqlite3_omendbsql_init
    return sqlite3_auto_extension(unsafeBitCast(entry, to: (@convention(c) () -> Void).self))
}

private func sqlite3_mprintf_copy(_ message: String) -> UnsafeMutablePointer<CChar>? {
    let bytes = Array(message.utf8)
    guard let memory = sqlite3_malloc(Int32(bytes.count + 1)) else { return nil }
    let text = memory.assumingMemoryBound(to: CChar.self)
    for (index, byte) in bytes.enumerated() { text[index] = CChar(bitPattern: byte) }
    text[bytes.count] = 0
    return text
}
