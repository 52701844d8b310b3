import Crypto

/// PBKDF2 with HMAC-SHA-256 (RFC 8018 §5.2): SCRAM-SHA-256's Hi() (RFC 5802 §2.2).
///
/// Built on swift-crypto's `HMAC<SHA256>` in the `Crypto` product; swift-crypto's own
/// PBKDF2 lives in `_CryptoExtras`, which would add that module and swift-asn1 to every
/// build of the server for this one function. The keyed HMAC state is computed once
/// and copied for each of the `iterations` rounds.
enum PBKDF2 {
    static func sha256(password: [UInt8], salt: [UInt8], iterations: Int, length: Int = SHA256.byteCount) -> [UInt8] {
        precondition(iterations >= 1 && length >= 1)
        let keyed = HMAC<SHA256>(key: SymmetricKey(data: password))
        var derived: [UInt8] = []
        derived.reserveCapacity(length)
        var blockIndex: UInt32 = 1
        while derived.count < length {
            var first = keyed
            first.update(data: salt)
            first.update(data: [UInt8(blockIndex >> 24), UInt8(blockIndex >> 16 & 0xFF),
                                UInt8(blockIndex >> 8 & 0xFF), UInt8(blockIndex & 0xFF)])
            var u = Array(first.finalize())
            var block = u
            var round = 1
            while round < iterations {
                var next = keyed
                next.update(data: u)
                u = Array(next.finalize())
                for index in 0..<block.count { block[index] ^= u[index] }
                round += 1
            }
            derived.append(contentsOf: block.prefix(length - derived.count))
            blockIndex += 1
        }
        return derived
    }
}
