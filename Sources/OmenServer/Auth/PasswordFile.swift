/// The users the server knows (`password_file`): one `user:verifier` line each, the
/// verifier in PostgreSQL's SCRAM-SHA-256 format (copied from `pg_authid.rolpassword`, or
/// written by `omendb-server passwd`, which prints `PasswordFile.line`). Blank lines and
/// lines starting with `#` are ignored; the user name ends at the first `:`.
public struct PasswordFile: Sendable {
    private var verifiers: [String: SCRAMVerifier] = [:]

    public init(contents: String) throws(PGError) {
        var lineNumber = 0
        for rawLine in contents.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.trimmingPGSpace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
                throw Self.error(lineNumber, "expected user:SCRAM-SHA-256$…")
            }
            let user = String(line[..<colon])
            let verifier: SCRAMVerifier
            do {
                verifier = try SCRAMVerifier(parsing: String(line[line.index(after: colon)...]))
            } catch {
                throw Self.error(lineNumber, error.message)
            }
            guard verifiers.updateValue(verifier, forKey: user) == nil else {
                throw Self.error(lineNumber, "user \"\(user)\" appears twice")
            }
        }
    }

    public func verifier(for user: String) -> SCRAMVerifier? { verifiers[user] }

    public var users: [String] { verifiers.keys.sorted() }

    /// The line for `user` with a fresh verifier of `password` (what `omendb-server passwd`
    /// prints). User names with `:`, line breaks or surrounding spaces cannot be written in
    /// the file; empty passwords are refused, as PostgreSQL refuses them.
    public static func line(user: String, password: String, iterations: Int = SCRAMVerifier.defaultIterations) throws(PGError) -> String {
        guard !user.isEmpty, !user.contains(":"), !user.contains(where: \.isNewline), user.trimmingPGSpace() == user[...],
              !user.hasPrefix("#") else {
            throw PGError(SQLState.invalidParameterValue,
                          "user name \"\(user)\" cannot be stored in a password file (empty, or with \":\", \"#\" first, a line break or surrounding spaces)")
        }
        guard !password.isEmpty else { throw PGError(SQLState.invalidParameterValue, "empty string is not a valid password") }
        guard iterations >= 1 else { throw PGError(SQLState.invalidParameterValue, "the iteration count must be positive") }
        return "\(user):\(SCRAMVerifier.make(password: password, iterations: iterations).text)"
    }

    private static func error(_ line: Int, _ why: String) -> PGError {
        PGError(SQLState.configFileError, "invalid password file line \(line): \(why)")
    }
}
