/// How a client proves who it is (the `auth` setting; PostgreSQL's pg_hba.conf methods).
public enum AuthMethod: String, Sendable, CaseIterable {
    /// No check: the StartupMessage's user is believed (loopback only, the default).
    case trust
    /// AuthenticationCleartextPassword, checked against the user's SCRAM verifier.
    case password
    /// SASL SCRAM-SHA-256 (RFC 5802, RFC 7677) without channel binding.
    case scramSHA256 = "scram-sha-256"
}
