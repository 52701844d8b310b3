#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#else
import Darwin
#endif
import NIOCore

/// A PostgreSQL `numeric` value as decimal digits: the text form (numeric_in/numeric_out),
/// the binary form (numeric_send/numeric_recv: base-10000 digits), and conversions from and
/// to SQLite's integers and reals. SQLite has no decimal type: a numeric bound into a
/// statement becomes an integer when it is one (and fits 64 bits), a real otherwise, as
/// SQLite's NUMERIC affinity stores it.
struct PGNumeric: Equatable {
    enum Special: Equatable { case nan, infinity, negativeInfinity }

    var special: Special?
    var negative = false
    /// Digits before the point without leading zeros (empty for 0).
    var integer: [UInt8] = []
    /// Digits after the point; their count is the display scale.
    var fraction: [UInt8] = []

    init(special: Special) { self.special = special }

    init(negative: Bool, integer: [UInt8], fraction: [UInt8]) {
        self.negative = negative
        self.integer = Array(integer.drop(while: { $0 == 0 }))
        self.fraction = fraction
        if isZero { self.negative = false }
    }

    var isZero: Bool { special == nil && integer.isEmpty && !fraction.contains { $0 != 0 } }

    init(_ value: Int64) {
        let text = String(value.magnitude)
        self.init(negative: value < 0, integer: text.utf8.map { $0 - 0x30 }, fraction: [])
    }

    /// float8 → numeric as PostgreSQL 15 converts it: the value printed with 15 significant
    /// digits (DBL_DIG), then read as a numeric (so 0.1 + 0.2 becomes 0.3).
    init(_ value: Double) {
        if value.isNaN { self.init(special: .nan); return }
        if value.isInfinite { self.init(special: value < 0 ? .negativeInfinity : .infinity); return }
        var buffer = [CChar](repeating: 0, count: 64)
        _ = withVaList([value]) { vsnprintf(&buffer, buffer.count, "%.15g", $0) }
        let text = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let (negative, digits, exponent) = PGFloatText.decimalParts(text)
        self.init(negative: negative, digits: digits.utf8.map { $0 - 0x30 }, exponent: exponent)
    }

    /// Significant digits whose first digit is at 10^exponent.
    private init(negative: Bool, digits: [UInt8], exponent: Int) {
        if digits.isEmpty { self.init(negative: false, integer: [], fraction: []); return }
        if exponent < 0 {
            self.init(negative: negative, integer: [], fraction: [UInt8](repeating: 0, count: -exponent - 1) + digits)
        } else if digits.count > exponent + 1 {
            self.init(negative: negative, integer: Array(digits[...exponent]), fraction: Array(digits[(exponent + 1)...]))
        } else {
            self.init(negative: negative, integer: digits + [UInt8](repeating: 0, count: exponent + 1 - digits.count), fraction: [])
        }
    }

    /// numeric_in: `[+-]digits[.digits][e[+-]n]`, NaN, Infinity, inf (any case),
    /// surrounding whitespace; 22P02 otherwise.
    init(parsing text: String) throws(PGError) {
        let trimmed = text.trimmingPGSpace()
        switch trimmed.lowercased() {
        case "nan": self.init(special: .nan); return
        case "infinity", "+infinity", "inf", "+inf": self.init(special: .infinity); return
        case "-infinity", "-inf": self.init(special: .negativeInfinity); return
        default: break
        }
        guard PGTextInput.isDecimalNumber(trimmed) else { throw PGTextInput.syntax("numeric", text) }
        var bytes = Substring(trimmed).utf8[...]
        var negative = false
        if let sign = bytes.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
            negative = sign == UInt8(ascii: "-")
            bytes = bytes.dropFirst()
        }
        var exponent = 0
        if let e = bytes.firstIndex(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            guard let parsed = Int(String(decoding: bytes[bytes.index(after: e)...], as: UTF8.self)), abs(parsed) <= 1000 else {
                throw PGTextInput.syntax("numeric", text)
            }
            exponent = parsed
            bytes = bytes[..<e]
        }
        let point = bytes.firstIndex(of: UInt8(ascii: ".")) ?? bytes.endIndex
        var integer = bytes[..<point].map { $0 - 0x30 }
        var fraction = point < bytes.endIndex ? bytes[bytes.index(after: point)...].map { $0 - 0x30 } : []
        // Move the point by the exponent; the display scale shrinks or grows with it.
        if exponent > 0 {
            let moved = min(exponent, fraction.count)
            integer += fraction.prefix(moved)
            fraction.removeFirst(moved)
            integer += [UInt8](repeating: 0, count: exponent - moved)
        } else if exponent < 0 {
            let moved = min(-exponent, integer.count)
            fraction = Array(integer.suffix(moved)) + fraction
            integer.removeLast(moved)
            fraction = [UInt8](repeating: 0, count: -exponent - moved) + fraction
        }
        self.init(negative: negative, integer: integer, fraction: fraction)
    }

    /// numeric_out.
    var text: String {
        switch special {
        case .nan: return "NaN"
        case .infinity: return "Infinity"
        case .negativeInfinity: return "-Infinity"
        case nil: break
        }
        var out = negative ? "-" : ""
        out += integer.isEmpty ? "0" : String(decoding: integer.map { $0 + 0x30 }, as: UTF8.self)
        if !fraction.isEmpty { out += "." + String(decoding: fraction.map { $0 + 0x30 }, as: UTF8.self) }
        return out
    }

    /// Rounded (half away from zero, as PostgreSQL rounds) or zero-padded to `scale` digits
    /// after the point: numeric(p,s)'s display.
    func rounded(toScale scale: Int) -> PGNumeric {
        guard special == nil else { return self }
        if fraction.count <= scale {
            return PGNumeric(negative: negative, integer: integer, fraction: fraction + [UInt8](repeating: 0, count: scale - fraction.count))
        }
        var digits = integer + fraction.prefix(scale)
        if fraction[scale] >= 5 {
            var index = digits.count - 1
            while index >= 0 {
                if digits[index] == 9 {
                    digits[index] = 0
                    index -= 1
                } else {
                    digits[index] += 1
                    break
                }
            }
            if index < 0 { digits.insert(1, at: 0) }
        }
        let integerCount = digits.count - scale
        return PGNumeric(negative: negative, integer: Array(digits.prefix(integerCount)), fraction: Array(digits.suffix(scale)))
    }

    /// numeric_send: ndigits, weight, sign, dscale (Int16 each), then base-10000 digits
    /// with leading and trailing zero groups left out.
    func write(into buffer: inout ByteBuffer) {
        if let special {
            // numeric_send reads the display scale out of the special value's header bits:
            // 0 for NaN (0xC000), 32 for ±Infinity (0xD000, 0xF000).
            let sign: UInt16 = special == .nan ? 0xC000 : special == .infinity ? 0xD000 : 0xF000
            buffer.writeMultipleIntegers(UInt16(0), Int16(0), sign, UInt16(special == .nan ? 0 : 32))
            return
        }
        let leadingPad = (4 - integer.count % 4) % 4
        let trailingPad = (4 - fraction.count % 4) % 4
        let all = [UInt8](repeating: 0, count: leadingPad) + integer + fraction + [UInt8](repeating: 0, count: trailingPad)
        var groups: [Int16] = stride(from: 0, to: all.count, by: 4).map { start in
            all[start..<(start + 4)].reduce(Int16(0)) { $0 * 10 + Int16($1) }
        }
        var weight = (leadingPad + integer.count) / 4 - 1
        while groups.first == 0 {
            groups.removeFirst()
            weight -= 1
        }
        while groups.last == 0 { groups.removeLast() }
        if groups.isEmpty { weight = 0 }
        buffer.writeMultipleIntegers(Int16(groups.count), Int16(weight), UInt16(negative ? 0x4000 : 0), Int16(fraction.count))
        for group in groups { buffer.writeInteger(group) }
    }

    /// numeric_recv, with its checks (22P03).
    init(reading buffer: inout ByteBuffer) throws(PGError) {
        func invalid(_ what: String) -> PGError {
            PGError(SQLState.invalidBinaryRepresentation, what)
        }
        guard let (count, weight, sign, scale) = buffer.readMultipleIntegers(as: (Int16, Int16, UInt16, Int16).self),
              count >= 0, buffer.readableBytes == Int(count) * 2 else {
            throw invalid("insufficient data left in message")
        }
        switch sign {
        case 0xC000: self.init(special: .nan); return
        case 0xD000: self.init(special: .infinity); return
        case 0xF000: self.init(special: .negativeInfinity); return
        case 0x0000, 0x4000: break
        default: throw invalid("invalid sign in external \"numeric\" value")
        }
        guard scale >= 0, scale <= 0x3FFF else { throw invalid("invalid scale in external \"numeric\" value") }
        var digits: [UInt8] = []
        for _ in 0..<count {
            let group = buffer.readInteger(as: Int16.self)!
            guard group >= 0, group < 10000 else { throw invalid("invalid digit in external \"numeric\" value") }
            digits += [UInt8(group / 1000), UInt8(group / 100 % 10), UInt8(group / 10 % 10), UInt8(group % 10)]
        }
        // The first group holds the digits of 10000^weight: its first decimal digit is at 10^(4·weight + 3).
        var value = PGNumeric(negative: sign == 0x4000, digits: digits, exponent: 4 * Int(weight) + 3)
        if value.fraction.count > Int(scale) {
            // Digits beyond the display scale are truncated away, as numeric_recv does.
            value = PGNumeric(negative: value.negative, integer: value.integer, fraction: Array(value.fraction.prefix(Int(scale))))
        } else {
            value.fraction += [UInt8](repeating: 0, count: Int(scale) - value.fraction.count)
        }
        self = value
    }

    /// What to bind into SQLite: an integer when the value is one and fits 64 bits, a real
    /// otherwise. NaN cannot be stored (SQLite turns a NaN real into NULL): 0A000.
    enum SQLiteValue: Equatable { case integer(Int64), real(Double) }

    func sqliteValue() throws(PGError) -> SQLiteValue {
        switch special {
        case .nan: throw PGError.unsupported("numeric NaN (SQLite stores NaN as NULL)")
        case .infinity: return .real(.infinity)
        case .negativeInfinity: return .real(-.infinity)
        case nil: break
        }
        if !fraction.contains(where: { $0 != 0 }), integer.count <= 19 {
            let magnitude = integer.reduce(UInt64(0)) { $0 * 10 + UInt64($1) }   // 19 digits fit
            if magnitude <= UInt64(Int64.max) + (negative ? 1 : 0) {
                return .integer(negative ? Int64(truncatingIfNeeded: 0 &- magnitude) : Int64(magnitude))
            }
        }
        return .real(Double(text)!)   // always a valid decimal
    }
}
