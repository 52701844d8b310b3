/// The lexical form of a postgresql.conf-style file: one `name = value` per line (the `=` is
/// optional), `#` starts a comment outside quotes, values are a bare word or a
/// single-quoted string (`''` or `\'` for a quote; `\n`, `\t`, `\\` and other
/// backslash escapes as PostgreSQL reads them). Later lines win over earlier ones.
struct ConfigFile {
    struct Entry: Equatable {
        var name: String
        var value: String
        var line: Int
    }

    var entries: [Entry] = []

    init(contents: String, file: String) throws(PGError) {
        var lineNumber = 0
        for line in contents.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            if let entry = try Self.parse(Array(line.utf8), line: lineNumber, file: file) { entries.append(entry) }
        }
    }

    private static func parse(_ bytes: [UInt8], line: Int, file: String) throws(PGError) -> Entry? {
        var position = 0
        func skipSpace() { while position < bytes.count, [0x20, 0x09, 0x0D].contains(bytes[position]) { position += 1 } }
        func atEndOrComment() -> Bool { position == bytes.count || bytes[position] == UInt8(ascii: "#") }
        func syntaxError() -> PGError {
            let near = String(decoding: bytes[min(position, bytes.count)...].prefix(20), as: UTF8.self)
            return PGError(SQLState.configFileError, "syntax error in file \"\(file)\" line \(line), near \"\(near)\"")
        }
        skipSpace()
        if atEndOrComment() { return nil }
        let nameStart = position
        while position < bytes.count, Self.isNameByte(bytes[position]) { position += 1 }
        guard position > nameStart, !(bytes[nameStart] >= 0x30 && bytes[nameStart] <= 0x39) else { throw syntaxError() }
        let name = String(decoding: bytes[nameStart..<position], as: UTF8.self)
        skipSpace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "=") {
            position += 1
            skipSpace()
        }
        var value: [UInt8] = []
        if position < bytes.count, bytes[position] == UInt8(ascii: "'") {
            position += 1
            var closed = false
            while position < bytes.count {
                let byte = bytes[position]
                position += 1
                if byte == UInt8(ascii: "'") {
                    if position < bytes.count, bytes[position] == UInt8(ascii: "'") {
                        value.append(byte)
                        position += 1
                    } else {
                        closed = true
                        break
                    }
                } else if byte == UInt8(ascii: "\\"), position < bytes.count {
                    let escaped = bytes[position]
                    position += 1
                    switch escaped {
                    case UInt8(ascii: "n"): value.append(0x0A)
                    case UInt8(ascii: "t"): value.append(0x09)
                    case UInt8(ascii: "r"): value.append(0x0D)
                    case UInt8(ascii: "b"): value.append(0x08)
                    case UInt8(ascii: "f"): value.append(0x0C)
                    default: value.append(escaped)
                    }
                } else {
                    value.append(byte)
                }
            }
            guard closed else { throw syntaxError() }
        } else {
            while position < bytes.count, ![0x20, 0x09, 0x0D, UInt8(ascii: "#")].contains(bytes[position]) {
                value.append(bytes[position])
                position += 1
            }
            guard !value.isEmpty else { throw syntaxError() }
        }
        skipSpace()
        guard atEndOrComment() else { throw syntaxError() }
        return Entry(name: name, value: String(decoding: value, as: UTF8.self), line: line)
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
    }
}

extension SQLState {
    /// config_file_error: a configuration or password file that cannot be used.
    public static let configFileError = "F0000"
}
