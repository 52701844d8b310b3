/// Constants converted at translation time the way PostgreSQL's input functions convert
/// them, with PostgreSQL's errors (22P02, 22003) instead of SQLite's silent conversions.
enum PGConstant {
    private static let ranges: [String: (Int64, Int64, String)] = [
        "int2": (Int64(Int16.min), Int64(Int16.max), "smallint"),
        "int4": (Int64(Int32.min), Int64(Int32.max), "integer"),
        "int8": (Int64.min, Int64.max, "bigint"),
        "oid": (0, Int64(UInt32.max), "oid"),
        "xid": (0, Int64(UInt32.max), "xid"),
        "cid": (0, Int64(UInt32.max), "cid"),
    ]

    /// An integer constant's SQLite text; a numeric constant is rounded half away from zero
    /// (numeric → integer), a string must be an integer.
    static func integer(_ token: SQLToken, type: PGTypeName) throws(PGError) -> String {
        let (low, high, name) = ranges[type.name] ?? (Int64.min, Int64.max, type.name)
        let text = token.value.trimmingSpaces
        var value: Int64?
        if let exact = Int64(text.hasPrefix("+") ? String(text.dropFirst()) : text) {
            value = exact
        } else if token.kind == .number, let double = Double(text), double.isFinite {
            let rounded = double.rounded(.toNearestOrAwayFromZero)
            guard rounded >= -9.2e18 && rounded <= 9.2e18 else {
                throw PGError(SQLState.numericValueOutOfRange, "\(name) out of range")
            }
            value = Int64(rounded)
        } else if token.kind == .number {
            throw PGError(SQLState.numericValueOutOfRange, "\(name) out of range")
        }
        guard let value else {
            if token.kind == .string, !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber || $0 == "-" || $0 == "+" }) {
                throw PGError(SQLState.numericValueOutOfRange, "value \"\(token.value)\" is out of range for type \(name)")
            }
            throw PGError(SQLState.invalidTextRepresentation, "invalid input syntax for type \(name): \"\(token.value)\"")
        }
        guard value >= low && value <= high else {
            throw PGError(SQLState.numericValueOutOfRange,
                          token.kind == .string ? "value \"\(token.value)\" is out of range for type \(name)" : "\(name) out of range")
        }
        return String(value)
    }

    /// A floating-point or numeric constant's SQLite text. NaN and the infinities have no
    /// SQLite constant: refused.
    static func float(_ token: SQLToken, type: PGTypeName) throws(PGError) -> String {
        let text = token.value.trimmingSpaces
        let name = ["float4": "real", "float8": "double precision"][type.name] ?? type.name
        guard let value = Double(text), !text.isEmpty, !text.contains(where: { $0.isLetter && $0 != "e" && $0 != "E" }) else {
            if ["nan", "infinity", "+infinity", "-infinity", "inf", "+inf", "-inf"].contains(text.lowercased()) {
                throw PGError.unsupported("the \(name) value \(text)")
            }
            throw PGError(SQLState.invalidTextRepresentation, "invalid input syntax for type \(name): \"\(token.value)\"")
        }
        guard value.isFinite else {
            throw PGError(SQLState.numericValueOutOfRange, "\"\(token.value)\" is out of range for type \(name)")
        }
        if token.kind == .number && type.name == "numeric" { return token.value }
        return type.name == "numeric" ? text : String(value)
    }

    /// boolean's input: t/true/y/yes/on/1 and f/false/n/no/off/0 (any case, unique prefixes).
    static func boolean(_ token: SQLToken) throws(PGError) -> String {
        let text = token.value.trimmingSpaces.lowercased()
        if token.kind == .number {
            guard let n = Int64(text) else {
                throw PGError(SQLState.datatypeMismatch, "cannot cast type numeric to boolean")
            }
            return n != 0 ? "1" : "0"
        }
        let truths = ["true", "yes", "on"], falsehoods = ["false", "no", "off"]
        if text == "1" || (!text.isEmpty && truths.contains { $0.hasPrefix(text) } && text != "o") { return "1" }
        if text == "0" || (!text.isEmpty && falsehoods.contains { $0.hasPrefix(text) } && text != "o") { return "0" }
        throw PGError(SQLState.invalidTextRepresentation, "invalid input syntax for type boolean: \"\(token.value)\"")
    }

    /// bytea's hex input (`\x0aff`) as a SQLite blob literal; the escape format is refused.
    static func bytea(_ text: String) throws(PGError) -> String {
        guard text.hasPrefix("\\x") else {
            if !text.contains("\\") { return "x'" + text.utf8.map { hex($0) }.joined() + "'" }
            throw PGError.unsupported("bytea's escape input format")
        }
        let digits = text.dropFirst(2).filter { $0 != " " && $0 != "\n" && $0 != "\t" }
        guard digits.count % 2 == 0, digits.allSatisfy({ $0.isHexDigit }) else {
            throw PGError(SQLState.invalidTextRepresentation, "invalid hexadecimal data in bytea \"\(text)\"")
        }
        return "x'" + digits.lowercased() + "'"
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and newlines (PostgreSQL's input functions
    /// ignore them).
    var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
