/// Base64 with the standard alphabet and padding (RFC 4648 §4), as SCRAM messages and
/// PostgreSQL's verifiers use it.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    private static let values: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (index, character) in alphabet.enumerated() { table[Int(character)] = Int8(index) }
        return table
    }()

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let remaining = bytes.count - index
            let b0 = UInt32(bytes[index])
            let b1 = remaining > 1 ? UInt32(bytes[index + 1]) : 0
            let b2 = remaining > 2 ? UInt32(bytes[index + 2]) : 0
            let triple = b0 << 16 | b1 << 8 | b2
            out.append(alphabet[Int(triple >> 18 & 63)])
            out.append(alphabet[Int(triple >> 12 & 63)])
            out.append(remaining > 1 ? alphabet[Int(triple >> 6 & 63)] : UInt8(ascii: "="))
            out.append(remaining > 2 ? alphabet[Int(triple & 63)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// nil unless `text` is canonical padded base64 (length a multiple of 4, `=` only at
    /// the end, no whitespace, unused bits zero).
    static func decode<S: StringProtocol>(_ text: S) -> [UInt8]? {
        let characters = Array(text.utf8)
        guard characters.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(characters.count / 4 * 3)
        var index = 0
        while index < characters.count {
            let isLast = index + 4 == characters.count
            var quad: UInt32 = 0
            var padding = 0
            for offset in 0..<4 {
                let character = characters[index + offset]
                if character == UInt8(ascii: "=") {
                    guard isLast, offset >= 2 else { return nil }
                    padding += 1
                    quad <<= 6
                } else {
                    let value = values[Int(character)]
                    guard value >= 0, padding == 0 else { return nil }
                    quad = quad << 6 | UInt32(value)
                }
            }
            // Canonical only: the bits after the last byte must be zero.
            guard padding == 0 || quad & (padding == 1 ? 0xFF : 0xFFFF) == 0 else { return nil }
            out.append(UInt8(quad >> 16 & 0xFF))
            if padding < 2 { out.append(UInt8(quad >> 8 & 0xFF)) }
            if padding < 1 { out.append(UInt8(quad & 0xFF)) }
            index += 4
        }
        return out
    }
}
