/// PostgreSQL's text input of the scalar types (boolin, int2in/int4in/int8in, oidin,
/// float4in/float8in), with its error messages: 22P02 for bad syntax, 22003 out of range.
enum PGTextInput {
    /// boolin: true/false, yes/no, on/off, 1/0 and unique prefixes, any case, surrounding
    /// whitespace allowed; nil otherwise.
    static func bool<S: StringProtocol>(_ text: S) -> Bool? {
        let word = text.trimmingPGSpace().lowercased()
        guard !word.isEmpty else { return nil }
        for (spelling, value, minimum) in [("true", true, 1), ("false", false, 1), ("yes", true, 1), ("no", false, 1),
                                           ("on", true, 2), ("off", false, 2), ("1", true, 1), ("0", false, 1)] {
            if word.count >= minimum, spelling.hasPrefix(word) { return value }
        }
        return nil
    }

    static func boolOrThrow(_ text: String) throws(PGError) -> Bool {
        guard let value = bool(text) else { throw syntax("boolean", text) }
        return value
    }

    /// int2in/int4in/int8in/oidin: optional sign, decimal digits, surrounding whitespace.
    static func integer(_ text: String, type: PGType) throws(PGError) -> Int64 {
        let typeName = Self.sqlName(type)
        let trimmed = text.trimmingPGSpace()
        var digits = Substring(trimmed)
        var negative = false
        if let sign = digits.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { throw syntax(typeName, text) }
        var magnitude: UInt64 = 0
        for digit in digits.utf8 {
            let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(digit - 0x30))
            guard !overflow1, !overflow2 else { throw range(typeName, text) }
            magnitude = sum
        }
        let limit = negative ? UInt64(Int64.max) + 1 : UInt64(Int64.max)
        guard magnitude <= limit else { throw range(typeName, text) }
        let value = negative ? Int64(truncatingIfNeeded: 0 &- magnitude) : Int64(magnitude)
        guard integerFits(value, type) else { throw range(typeName, text) }
        return value
    }

    static func integerFits(_ value: Int64, _ type: PGType) -> Bool {
        switch type.oid {
        case PGTypes.int2.oid: return value >= Int64(Int16.min) && value <= Int64(Int16.max)
        case PGTypes.int4.oid: return value >= Int64(Int32.min) && value <= Int64(Int32.max)
        case PGTypes.oid.oid: return value >= 0 && value <= Int64(UInt32.max)
        default: return true
        }
    }

    /// float4in/float8in: a decimal number with optional exponent, or NaN, Infinity, inf
    /// (any case, with sign); surrounding whitespace allowed. Values beyond the type's range
    /// (and non-zero values that would round to zero) are 22003, as in PostgreSQL.
    static func float(_ text: String, type: PGType) throws(PGError) -> Double {
        let typeName = Self.sqlName(type)
        let trimmed = String(text.trimmingPGSpace())
        switch trimmed.lowercased() {
        case "nan", "+nan", "-nan": return .nan
        case "infinity", "+infinity", "inf", "+inf": return .infinity
        case "-infinity", "-inf": return -.infinity
        default: break
        }
        // strtod's hexadecimal form (0x1.8p1) is accepted too, as PostgreSQL accepts it.
        let isHex = trimmed.drop(while: { $0 == "+" || $0 == "-" }).lowercased().hasPrefix("0x")
        guard isDecimalNumber(trimmed) || isHex, let value = Double(trimmed) else { throw syntax(typeName, text) }
        let mantissa = isHex ? trimmed.lowercased().prefix(while: { $0 != "p" }).dropFirst(2)
            : Substring(trimmed).prefix(while: { $0 != "e" && $0 != "E" })
        let hasNonZeroDigit = mantissa.contains { $0.isHexDigit && $0 != "0" }
        if type.oid == PGTypes.float4.oid {
            let single = Float(value)
            guard single.isFinite, single != 0 || !hasNonZeroDigit else {
                throw PGError(SQLState.numericValueOutOfRange, "\"\(text)\" is out of range for type real")
            }
            return Double(Float(trimmed) ?? single)
        }
        guard value.isFinite, value != 0 || !hasNonZeroDigit else {
            throw PGError(SQLState.numericValueOutOfRange, "\"\(text)\" is out of range for type double precision")
        }
        return value
    }

    /// `[+-]digits[.digits][e[+-]digits]` (or `.digits`): what strtod reads, without hex.
    static func isDecimalNumber<S: StringProtocol>(_ text: S) -> Bool {
        let bytes = Array(text.utf8)
        var index = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
        var mantissaDigits = 0
        while index < bytes.count, bytes[index] >= 0x30 && bytes[index] <= 0x39 { index += 1; mantissaDigits += 1 }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < bytes.count, bytes[index] >= 0x30 && bytes[index] <= 0x39 { index += 1; mantissaDigits += 1 }
        }
        guard mantissaDigits > 0 else { return false }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            let exponentStart = index
            while index < bytes.count, bytes[index] >= 0x30 && bytes[index] <= 0x39 { index += 1 }
            guard index > exponentStart else { return false }
        }
        return index == bytes.count
    }

    /// The SQL name PostgreSQL uses in input error messages (format_type's).
    static func sqlName(_ type: PGType) -> String {
        switch type.oid {
        case PGTypes.int2.oid: return "smallint"
        case PGTypes.int4.oid: return "integer"
        case PGTypes.int8.oid: return "bigint"
        case PGTypes.float4.oid: return "real"
        case PGTypes.float8.oid: return "double precision"
        case PGTypes.bool.oid: return "boolean"
        case PGTypes.varchar.oid: return "character varying"
        case PGTypes.bpchar.oid: return "character"
        case PGTypes.timestamp.oid: return "timestamp without time zone"
        case PGTypes.timestamptz.oid: return "timestamp with time zone"
        default: return type.name
        }
    }

    static func syntax(_ typeName: String, _ text: String) -> PGError {
        PGError(SQLState.invalidTextRepresentation, "invalid input syntax for type \(typeName): \"\(text)\"")
    }

    static func range(_ typeName: String, _ text: String) -> PGError {
        PGError(SQLState.numericValueOutOfRange, "value \"\(text)\" is out of range for type \(typeName)")
    }
}

extension StringProtocol {
    /// Without the leading and trailing whitespace PostgreSQL's input functions skip
    /// (isspace: space, \t, \n, \v, \f, \r).
    func trimmingPGSpace() -> SubSequence {
        // The spaces are ASCII, so UTF-8 positions are character boundaries.
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || ($0 >= 0x09 && $0 <= 0x0D) }
        var first: Index?
        var last = startIndex
        for index in utf8.indices where !isSpace(utf8[index]) {
            if first == nil { first = index }
            last = index
        }
        guard let first else { return self[endIndex...] }
        return self[first...last]
    }
}
