/// float4out/float8out as PostgreSQL 15 writes them with extra_float_digits > 0 (every
/// client's setting: libpq's default is 1, drivers and postgres_fdw set 3): the shortest
/// decimal that reads back as the same value, in fixed notation when the decimal exponent
/// is from -4 to 14 (float4: to 5) and as `d.ddde±XX` otherwise; `NaN`, `Infinity`,
/// `-Infinity`, `-0`.
enum PGFloatText {
    static func float8(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        return format(value.description, fixedBelow: 15)
    }

    static func float4(_ value: Float) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        return format(value.description, fixedBelow: 6)
    }

    /// Swift's `description` is already the shortest round-trip decimal; only the layout
    /// differs (`1.0`, `1e-05`, `1.5e+20`).
    private static func format(_ swift: String, fixedBelow limit: Int) -> String {
        var (negative, digits, exponent) = decimalParts(swift)
        guard !digits.isEmpty else { return negative ? "-0" : "0" }
        var out = negative ? "-" : ""
        if exponent >= -4 && exponent < limit {
            if exponent < 0 {
                out += "0." + String(repeating: "0", count: -exponent - 1) + digits
            } else {
                while digits.count <= exponent { digits += "0" }
                let split = digits.index(digits.startIndex, offsetBy: exponent + 1)
                out += digits[..<split]
                if split < digits.endIndex { out += "." + digits[split...] }
            }
        } else {
            out.append(digits.first!)
            if digits.count > 1 { out += "." + digits.dropFirst() }
            out += exponent < 0 ? "e-" : "e+"
            let magnitude = String(abs(exponent))
            out += magnitude.count < 2 ? "0" + magnitude : magnitude
        }
        return out
    }

    /// A decimal string (`-12.5e3`) as sign, significant digits without leading or
    /// trailing zeros ("" for zero) and the power of ten of the first digit.
    static func decimalParts(_ text: String) -> (negative: Bool, digits: String, exponent: Int) {
        var mantissa = Substring(text)
        var negative = false
        if mantissa.first == "-" || mantissa.first == "+" {
            negative = mantissa.first == "-"
            mantissa = mantissa.dropFirst()
        }
        var exponent = 0
        if let e = mantissa.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(mantissa[mantissa.index(after: e)...]) ?? 0
            mantissa = mantissa[..<e]
        }
        let point = mantissa.firstIndex(of: ".") ?? mantissa.endIndex
        var digits = String(mantissa.filter { $0 != "." })
        exponent += mantissa.distance(from: mantissa.startIndex, to: point) - 1
        while digits.first == "0" {
            digits.removeFirst()
            exponent -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        return (negative, digits, exponent)
    }
}
