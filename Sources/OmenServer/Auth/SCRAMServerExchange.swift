import Crypto

/// The server side of one SCRAM-SHA-256 exchange (RFC 5802, RFC 7677) as PostgreSQL runs it
/// inside AuthenticationSASL / SASLContinue / SASLFinal: the session passes the client's
/// SASLInitialResponse data to `clientFirst` and sends back the result as
/// AuthenticationSASLContinue, then passes the SASLResponse data to `clientFinal` and sends
/// the result as AuthenticationSASLFinal followed by AuthenticationOk.
///
/// Channel binding is not offered (only the mechanism `SCRAM-SHA-256`, not `-PLUS`): a
/// client-first-message asking for it (`p=`) is refused; `n` and `y` are accepted, as in
/// PostgreSQL. The user name inside the message is ignored (the StartupMessage's counts;
/// libpq sends `n=`).
///
/// A user without a verifier gets a complete exchange with a salt derived from the user
/// name, so the two cases look the same to the client, and fails at the end with the same
/// 28P01 as a wrong password. Malformed messages are 08P01. Every error is FATAL.
public final class SCRAMServerExchange {
    private enum State { case awaitingClientFirst, awaitingClientFinal, finished }

    private let user: String
    private let verifier: SCRAMVerifier
    private let userExists: Bool
    private let serverNonce: String
    private var state = State.awaitingClientFirst
    private var gs2Header: [UInt8] = []
    private var clientFirstBare: [UInt8] = []
    private var serverFirst: [UInt8] = []
    private var combinedNonce: [UInt8] = []

    /// PostgreSQL's SCRAM_RAW_NONCE_LEN: 18 random bytes, sent as base64.
    static let rawNonceLength = 18

    public convenience init(user: String, verifier: SCRAMVerifier?) {
        var generator = SystemRandomNumberGenerator()
        let nonce = (0..<Self.rawNonceLength).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        self.init(user: user, verifier: verifier, serverNonce: Base64.encode(nonce))
    }

    /// `serverNonce` must be printable ASCII without commas (tests pass RFC 7677's).
    init(user: String, verifier: SCRAMVerifier?, serverNonce: String) {
        self.user = user
        self.userExists = verifier != nil
        self.verifier = verifier ?? Self.mockVerifier(user: user)
        self.serverNonce = serverNonce
    }

    /// client-first-message → server-first-message.
    public func clientFirst(_ message: [UInt8]) throws(PGError) -> [UInt8] {
        guard state == .awaitingClientFirst else { throw Self.malformed("unexpected SCRAM client-first-message") }
        state = .finished
        var reader = AttributeReader(message)
        switch reader.next() {
        case UInt8(ascii: "n"), UInt8(ascii: "y"):
            break
        case UInt8(ascii: "p"):
            throw Self.malformed("The client selected SCRAM-SHA-256 without channel binding, but the SCRAM message includes channel binding data.")
        default:
            throw Self.malformed("Unexpected channel-binding flag in client-first-message.")
        }
        guard reader.next() == UInt8(ascii: ",") else { throw Self.malformed("Comma expected in client-first-message.") }
        if reader.peek() == UInt8(ascii: "a") {
            throw PGError(SQLState.featureNotSupported, "client uses authorization identity, but it is not supported", severity: .fatal)
        }
        guard reader.next() == UInt8(ascii: ",") else { throw Self.malformed("Unexpected attribute in client-first-message.") }
        gs2Header = Array(message[..<reader.position])
        clientFirstBare = Array(message[reader.position...])
        if reader.peek() == UInt8(ascii: "m") {
            throw PGError(SQLState.featureNotSupported, "client requires an unsupported SCRAM extension", severity: .fatal)
        }
        _ = try reader.attribute("n")        // the user name: the StartupMessage's is used
        guard reader.next() == UInt8(ascii: ",") else { throw Self.malformed("Comma expected in client-first-message.") }
        let clientNonce = try reader.attribute("r")
        guard !clientNonce.isEmpty, clientNonce.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E && $0 != UInt8(ascii: ",") }) else {
            throw Self.malformed("The client nonce contains invalid characters.")
        }
        // Any further extensions are ignored, as PostgreSQL ignores them.
        combinedNonce = clientNonce + Array(serverNonce.utf8)
        serverFirst = Array("r=".utf8) + combinedNonce
            + Array(",s=\(Base64.encode(verifier.salt)),i=\(verifier.iterations)".utf8)
        state = .awaitingClientFinal
        return serverFirst
    }

    /// client-final-message → server-final-message (`v=` ServerSignature), or 28P01.
    public func clientFinal(_ message: [UInt8]) throws(PGError) -> [UInt8] {
        guard state == .awaitingClientFinal else { throw Self.malformed("unexpected SCRAM client-final-message") }
        state = .finished
        var reader = AttributeReader(message)
        guard let binding = Base64.decode(String(decoding: try reader.attribute("c"), as: UTF8.self)) else {
            throw Self.malformed("Malformed channel binding data in client-final-message.")
        }
        guard binding == gs2Header else {
            throw PGError(SQLState.protocolViolation, "SCRAM channel binding check failed", severity: .fatal)
        }
        guard reader.next() == UInt8(ascii: ",") else { throw Self.malformed("Comma expected in client-final-message.") }
        guard try reader.attribute("r") == combinedNonce else {
            throw Self.malformed("Nonce does not match.")
        }
        var proofStart = 0
        while true {
            guard reader.next() == UInt8(ascii: ",") else { throw Self.malformed("Comma expected in client-final-message.") }
            proofStart = reader.position
            if reader.peek() == UInt8(ascii: "p") { break }
            _ = try reader.anyAttribute()
        }
        let withoutProof = Array(message[..<(proofStart - 1)])
        let proofText = try reader.attribute("p")
        guard reader.atEnd else { throw Self.malformed("Garbage found at the end of client-final-message.") }
        guard let proof = Base64.decode(String(decoding: proofText, as: UTF8.self)), proof.count == SHA256.byteCount else {
            throw Self.malformed("Malformed proof in client-final-message.")
        }

        let authMessage = clientFirstBare + Array(",".utf8) + serverFirst + Array(",".utf8) + withoutProof
        let clientSignature = Array(HMAC<SHA256>.authenticationCode(for: authMessage, using: SymmetricKey(data: verifier.storedKey)))
        let clientKey = zip(proof, clientSignature).map { $0 ^ $1 }
        let matches = constantTimeEqual(Array(SHA256.hash(data: clientKey)), verifier.storedKey)
        guard matches && userExists else {
            throw PGError(SQLState.invalidPassword, "password authentication failed for user \"\(user)\"", severity: .fatal)
        }
        let serverSignature = HMAC<SHA256>.authenticationCode(for: authMessage, using: SymmetricKey(data: verifier.serverKey))
        return Array("v=\(Base64.encode(Array(serverSignature)))".utf8)
    }

    private static func malformed(_ detail: String) -> PGError {
        PGError(SQLState.protocolViolation, "malformed SCRAM message", severity: .fatal, detail: detail)
    }

    /// A process-wide random secret: the mock salt of a user is stable while the server
    /// runs (a client probing twice sees the same salt) and unpredictable across servers.
    private static let mockSecret: [UInt8] = {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }()

    private static func mockVerifier(user: String) -> SCRAMVerifier {
        let digest = Array(SHA256.hash(data: mockSecret + Array(user.utf8)))
        return SCRAMVerifier(iterations: SCRAMVerifier.defaultIterations,
                             salt: Array(digest.prefix(SCRAMVerifier.defaultSaltLength)),
                             storedKey: Array(SHA256.hash(data: digest)), serverKey: digest)
    }
}

/// Reads `x=value` attributes separated by commas (RFC 5802 §5.1).
private struct AttributeReader {
    let bytes: [UInt8]
    var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { position == bytes.count }

    func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

    mutating func next() -> UInt8? {
        guard position < bytes.count else { return nil }
        defer { position += 1 }
        return bytes[position]
    }

    /// `name=value` up to the next comma or the end; the value without the name.
    mutating func attribute(_ name: Character) throws(PGError) -> [UInt8] {
        guard peek() == name.asciiValue else {
            throw PGError(SQLState.protocolViolation, "malformed SCRAM message", severity: .fatal,
                          detail: "Expected attribute \"\(name)\".")
        }
        return try anyAttribute()
    }

    mutating func anyAttribute() throws(PGError) -> [UInt8] {
        guard let name = next(), (name >= UInt8(ascii: "a") && name <= UInt8(ascii: "z")) || (name >= UInt8(ascii: "A") && name <= UInt8(ascii: "Z")),
              next() == UInt8(ascii: "=") else {
            throw PGError(SQLState.protocolViolation, "malformed SCRAM message", severity: .fatal,
                          detail: "Attribute expected.")
        }
        let start = position
        while let byte = peek(), byte != UInt8(ascii: ",") { position += 1 }
        return Array(bytes[start..<position])
    }
}
