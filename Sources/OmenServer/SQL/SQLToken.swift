/// One lexical token of PostgreSQL SQL, as PostgreSQL's scanner (scan.l) cuts the text.
/// Whitespace and comments are not tokens: `spaceBefore` records that some preceded it.
struct SQLToken: Equatable {
    enum Kind: Equatable {
        /// An unquoted identifier or keyword; `value` is lower-cased (PostgreSQL folds them).
        case word
        /// A `"quoted"` identifier; `value` is the name.
        case quotedIdentifier
        /// A string constant ('…', E'…', $tag$…$tag$, N'…'); `value` is its content.
        case string
        /// A numeric constant; `value` is its text.
        case number
        /// `$n`; `value` is n.
        case parameter
        /// An operator (`=`, `<>`, `||`, `~`, `::` is `typecast`).
        case op
        case typecast, leftParen, rightParen, leftBracket, rightBracket, comma, semicolon, dot, colon
    }

    var kind: Kind
    var value: String
    var spaceBefore: Bool
    /// 1-based character offset in the statement (for error positions).
    var position: Int

    init(_ kind: Kind, _ value: String, spaceBefore: Bool = true, position: Int = 0) {
        self.kind = kind
        self.value = value
        self.spaceBefore = spaceBefore
        self.position = position
    }

    func isWord(_ word: String) -> Bool { kind == .word && value == word }
    func isOp(_ op: String) -> Bool { kind == .op && value == op }
}
