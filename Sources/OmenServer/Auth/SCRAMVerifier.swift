import Crypto

/// A user's salted SCRAM-SHA-256 secret in PostgreSQL's format (what `pg_authid.rolpassword`
/// holds after `CREATE ROLE … PASSWORD` with `password_encryption = scram-sha-256`):
/// `SCRAM-SHA-256$<iterations>:<salt base64>$<StoredKey base64>:<ServerKey base64>`.
/// The password itself cannot be recovered from it.
///
/// Passwords are used as their UTF-8 bytes. PostgreSQL first applies SASLprep (RFC 4013)
/// to a UTF-8 password; that changes nothing for ASCII passwords and for non-ASCII ones
/// already in NFKC without mapped characters, but a password outside that set hashes
/// differently here than in PostgreSQL.
public struct SCRAMVerifier: Equatable, Sendable {
    public var iterations: Int
    public var salt: [UInt8]
    public var storedKey: [UInt8]
    public var serverKey: [UInt8]

    /// PostgreSQL's defaults: a 16-byte random salt, 4096 iterations (scram_iterations).
    public static let defaultSaltLength = 16
    public static let defaultIterations = 4096
    static let prefix = "SCRAM-SHA-256$"

    public init(iterations: Int, salt: [UInt8], storedKey: [UInt8], serverKey: [UInt8]) {
        self.iterations = iterations
        self.salt = salt
        self.storedKey = storedKey
        self.serverKey = serverKey
    }

    /// The verifier of `password`, with a fresh random salt unless one is given.
    public static func make(password: String, salt: [UInt8]? = nil, iterations: Int = defaultIterations) -> SCRAMVerifier {
        var generator = SystemRandomNumberGenerator()
        let salt = salt ?? (0..<defaultSaltLength).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let keys = Self.keys(password: password, salt: salt, iterations: iterations)
        return SCRAMVerifier(iterations: iterations, salt: salt, storedKey: keys.storedKey, serverKey: keys.serverKey)
    }

    /// Parses PostgreSQL's text form; anything else is 22023 saying what is wrong.
    public init(parsing text: String) throws(PGError) {
        func invalid(_ why: String) -> PGError {
            PGError(SQLState.invalidParameterValue, "invalid SCRAM-SHA-256 verifier: \(why)")
        }
        guard text.hasPrefix(Self.prefix) else { throw invalid("it does not start with \(Self.prefix)") }
        let parts = text.dropFirst(Self.prefix.count).split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw invalid("expected <iterations>:<salt>$<StoredKey>:<ServerKey>") }
        let head = parts[0].split(separator: ":", omittingEmptySubsequences: false)
        let keys = parts[1].split(separator: ":", omittingEmptySubsequences: false)
        guard head.count == 2, keys.count == 2 else { throw invalid("expected <iterations>:<salt>$<StoredKey>:<ServerKey>") }
        guard head[0].allSatisfy(\.isASCII), let iterations = Int(head[0]), iterations >= 1 else {
            throw invalid("the iteration count \"\(head[0])\" is not a positive integer")
        }
        guard let salt = Base64.decode(head[1]), !salt.isEmpty else { throw invalid("the salt is not base64") }
        guard let storedKey = Base64.decode(keys[0]), storedKey.count == SHA256.byteCount else {
            throw invalid("StoredKey is not a base64 SHA-256 value")
        }
        guard let serverKey = Base64.decode(keys[1]), serverKey.count == SHA256.byteCount else {
            throw invalid("ServerKey is not a base64 SHA-256 value")
        }
        self.init(iterations: iterations, salt: salt, storedKey: storedKey, serverKey: serverKey)
    }

    public var text: String {
        "\(Self.prefix)\(iterations):\(Base64.encode(salt))$\(Base64.encode(storedKey)):\(Base64.encode(serverKey))"
    }

    /// The cleartext check (`auth = password`): does `password` produce this verifier?
    public func verify(password: String) -> Bool {
        let keys = Self.keys(password: password, salt: salt, iterations: iterations)
        return constantTimeEqual(keys.storedKey, storedKey) && constantTimeEqual(keys.serverKey, serverKey)
    }

    /// RFC 5802 §3: SaltedPassword = Hi(password, salt, i); ClientKey = HMAC(SaltedPassword,
    /// "Client Key"); StoredKey = H(ClientKey); ServerKey = HMAC(SaltedPassword, "Server Key").
    static func keys(password: String, salt: [UInt8], iterations: Int) -> (storedKey: [UInt8], serverKey: [UInt8]) {
        let salted = SymmetricKey(data: PBKDF2.sha256(password: Array(password.utf8), salt: salt, iterations: iterations))
        let clientKey = HMAC<SHA256>.authenticationCode(for: Array("Client Key".utf8), using: salted)
        let serverKey = HMAC<SHA256>.authenticationCode(for: Array("Server Key".utf8), using: salted)
        return (Array(SHA256.hash(data: Array(clientKey))), Array(serverKey))
    }
}

/// Equal lengths and bytes, in time that does not depend on where they differ.
func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for index in 0..<a.count { difference |= a[index] ^ b[index] }
    return difference == 0
}
