/// bytea's text forms: output in the hex format (`\x` then two lower-case hex digits a
/// byte, PostgreSQL's default bytea_output), input in hex or in the escape format
/// (`\\` for a backslash, `\ooo` octal, any other byte as itself).
enum PGByteaText {
    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func hex<C: Collection>(_ bytes: C) -> [UInt8] where C.Element == UInt8 {
        var out: [UInt8] = [UInt8(ascii: "\\"), UInt8(ascii: "x")]
        out.reserveCapacity(2 + bytes.count * 2)
        for byte in bytes {
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 0x0F)])
        }
        return out
    }

    /// byteain, with its error messages (22P02 / 22023).
    static func parse(_ text: [UInt8]) throws(PGError) -> [UInt8] {
        if text.count >= 2, text[0] == UInt8(ascii: "\\"), text[1] == UInt8(ascii: "x") {
            var out: [UInt8] = []
            out.reserveCapacity((text.count - 2) / 2)
            var index = 2
            while index < text.count {
                // Whitespace between digit pairs is allowed, as in PostgreSQL's hex_decode.
                if [0x20, 0x09, 0x0A, 0x0D].contains(text[index]) {
                    index += 1
                    continue
                }
                guard let high = hexValue(text[index]) else { throw invalidHexDigit(text[index]) }
                guard index + 1 < text.count else {
                    throw PGError(SQLState.invalidParameterValue, "invalid hexadecimal data: odd number of digits")
                }
                guard let low = hexValue(text[index + 1]) else { throw invalidHexDigit(text[index + 1]) }
                out.append(high << 4 | low)
                index += 2
            }
            return out
        }
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var index = 0
        while index < text.count {
            let byte = text[index]
            if byte != UInt8(ascii: "\\") {
                out.append(byte)
                index += 1
            } else if index + 1 < text.count, text[index + 1] == UInt8(ascii: "\\") {
                out.append(byte)
                index += 2
            } else if index + 3 < text.count, (0x30...0x33).contains(text[index + 1]),
                      (0x30...0x37).contains(text[index + 2]), (0x30...0x37).contains(text[index + 3]) {
                out.append((text[index + 1] - 0x30) << 6 | (text[index + 2] - 0x30) << 3 | (text[index + 3] - 0x30))
                index += 4
            } else {
                throw PGError(SQLState.invalidTextRepresentation, "invalid input syntax for type bytea")
            }
        }
        return out
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    private static func invalidHexDigit(_ byte: UInt8) -> PGError {
        PGError(SQLState.invalidParameterValue, "invalid hexadecimal digit: \"\(String(decoding: [byte], as: UTF8.self))\"")
    }
}
