/// The names PostgreSQL gives result columns (its FigureColname), from the names SQLite
/// gives them. SQLite names an unaliased expression by its text (`count(*)`); PostgreSQL
/// by its function (`count`), a cast by its operand or else its type (`int4`), CASE as
/// `case`, anything else `?column?`. A column of a table or an alias keeps its name.
enum ColumnNames {
    static func postgres(_ sqliteName: String, fromTable: Bool) -> String {
        if fromTable { return sqliteName }
        return figure(Substring(sqliteName)) ?? "?column?"
    }

    private static func figure(_ text: Substring) -> String? {
        let trimmed = text.drop { $0 == " " }
        if isIdentifier(trimmed) { return String(trimmed) }
        let lower = trimmed.lowercased()
        if lower.hasPrefix("cast(") || lower.hasPrefix("cast (") {
            // CAST(operand AS type): the operand's name, else the type's.
            let inner = trimmed[trimmed.index(after: trimmed.firstIndex(of: "(")!)...].dropLast(trimmed.hasSuffix(")") ? 1 : 0)
            if let asRange = inner.firstRange(of: " AS ") ?? inner.firstRange(of: " as ") {
                if let name = figure(inner[..<asRange.lowerBound]), name != "?column?" { return name }
                let type = inner[asRange.upperBound...].lowercased()
                return PGTypes.forDeclared(String(type))?.name ?? String(type)
            }
            return nil
        }
        if lower.hasPrefix("case ") || lower.hasPrefix("case\n") { return "case" }
        // A function call: its unqualified name.
        if let open = trimmed.firstIndex(of: "(") {
            let callee = trimmed[..<open].trimmingSuffix(" ")
            let name = callee.split(separator: ".").last.map(String.init) ?? ""
            if !name.isEmpty && isIdentifier(Substring(name)) && trimmed.hasSuffix(")") { return name.lowercased() }
        }
        // A qualified column reference (t.c): the column.
        if let dot = trimmed.lastIndex(of: "."), isIdentifier(trimmed[trimmed.index(after: dot)...]),
           isIdentifier(trimmed[..<dot]) {
            return String(trimmed[trimmed.index(after: dot)...])
        }
        return nil
    }

    private static func isIdentifier(_ text: Substring) -> Bool {
        guard let first = text.first, first == "_" || first.isLetter else { return false }
        return text.allSatisfy { $0 == "_" || $0 == "$" || $0.isLetter || $0.isNumber }
    }
}

private extension Substring {
    func trimmingSuffix(_ character: Character) -> Substring {
        var result = self
        while result.last == character { result = result.dropLast() }
        return result
    }
}
