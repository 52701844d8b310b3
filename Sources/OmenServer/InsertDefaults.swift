import OmenSQL

/// PostgreSQL's column defaults on INSERT, which SQLite does not apply to a virtual table
/// (docs/sql.md): a translated INSERT into an omendb table is rewritten to name every
/// column it leaves out that has a DEFAULT, with the default expression as that column's
/// value in each row (so it is evaluated per row, as in PostgreSQL). `DEFAULT` as a value
/// of a VALUES row and `DEFAULT VALUES` become the column's default (NULL without one).
/// With RETURNING, a left-out key that the module would allocate (a table's INTEGER or
/// serial key) gets `omendb_next_key('t')`, the key the module would have taken, so that
/// RETURNING shows it: SQLite evaluates RETURNING from the values it hands the table.
///
/// The forms: `[WITH …] INSERT INTO t [AS a] [(columns)]` then `VALUES (…), (…)`,
/// `DEFAULT VALUES` or a query (which becomes `SELECT *, defaults FROM (query)`), then
/// `[RETURNING …]`. Without a column list the values fill the first columns, as in
/// PostgreSQL.
enum InsertDefaults {
    /// `sql` rewritten, or nil when it needs nothing (not an INSERT into an omendb table,
    /// or nothing it leaves out has a default) or is not well formed (SQLite then reports
    /// the statement's error). `schema` finds an omendb table by name; `sourceColumns` is
    /// the number of result columns of a query (nil when it does not prepare).
    static func rewrite(_ sql: String, schema: (String) -> TableSchema?, sourceColumns: (String) -> Int?) -> String? {
        let tokens = SQLiteTokens.scan(sql)
        func text(_ range: Range<Int>) -> String {
            String(sql.unicodeScalars[tokens[range.lowerBound].range.lowerBound..<tokens[range.upperBound - 1].range.upperBound])
        }
        guard let insert = topLevel(tokens, 0..<tokens.count, "insert"), insert + 3 < tokens.count,
              tokens[insert + 1].isWord("into") else { return nil }
        // The table, perhaps qualified (`main.t`, `` `main`.`t` ``): SQLite finds the omendb
        // table by its name in whichever schema declared it.
        var index = insert + 3
        var name = tokens[insert + 2].text
        if index + 1 < tokens.count && tokens[index].text == "." {
            name = tokens[index + 1].text
            index += 2
        }
        guard index < tokens.count, let table = schema(ParameterTypes.unqualified(name)) else { return nil }
        if index + 2 < tokens.count && tokens[index].isWord("as") { index += 2 }
        let listStart = index
        var named: [Int]?
        if tokens[index].text == "(" {
            guard let close = matching(tokens, index) else { return nil }
            var columns: [Int] = []
            for item in items(tokens, (index + 1)..<close) {
                guard item.count == 1, let column = table.columns.firstIndex(where: {
                    $0.name.lowercased() == ParameterTypes.unqualified(tokens[item.lowerBound].text).lowercased()
                }) else { return nil }
                columns.append(column)
            }
            named = columns
            index = close + 1
        }
        let end = topLevel(tokens, index..<tokens.count, "returning") ?? tokens.count
        guard index < end else { return nil }
        let returning = end < tokens.count

        // The source: DEFAULT VALUES, VALUES rows (nothing after them), or a query.
        var rows: [[Range<Int>]]?
        var count: Int?
        if end == index + 2 && tokens[index].isWord("default") && tokens[index + 1].isWord("values") {
            rows = [[]]
            count = 0
        } else if tokens[index].isWord("values") {
            var values: [[Range<Int>]] = []
            var next = index + 1
            while next < end, tokens[next].text == "(", let close = matching(tokens, next), close < end {
                values.append(items(tokens, (next + 1)..<close))
                next = close + 1
                guard next < end, tokens[next].text == "," else { break }
                next += 1
            }
            if next == end {
                guard let first = values.first, !first.isEmpty,
                      values.allSatisfy({ $0.count == first.count && !$0.contains(where: \.isEmpty) })
                else { return nil }
                rows = values
                count = first.count
            }
        }
        let source = index..<end
        guard let count = count ?? named?.count ?? sourceColumns(text(source)) else { return nil }
        let targets = named ?? Array(0..<count)
        guard targets.count == count, count <= table.columns.count else { return nil }

        func filler(_ column: Int) -> String? {
            if let expression = table.columns[column].defaultExpression { return "(" + expression + ")" }
            guard returning, column == table.keyColumn, table.allocatesKeys else { return nil }
            return "omendb_next_key(" + quoteLiteral(table.name) + ")"
        }
        let added = table.columns.indices.filter { !targets.contains($0) }.compactMap { column in
            filler(column).map { (column, $0) }
        }
        func isDefault(_ item: Range<Int>) -> Bool { item.count == 1 && tokens[item.lowerBound].isWord("default") }
        guard !added.isEmpty || rows?.contains(where: { $0.contains(where: isDefault) }) == true else { return nil }

        var out = String(sql.unicodeScalars[..<tokens[listStart].range.lowerBound])
        out += "(" + (targets + added.map(\.0)).map { "`" + SQLEmitter.doubling(table.columns[$0].name, "`") + "`" }
            .joined(separator: ", ") + ") "
        if let rows {
            out += "VALUES " + rows.map { row in
                let values = row.enumerated().map { position, item in isDefault(item) ? filler(targets[position]) ?? "NULL" : text(item) }
                return "(" + (values + added.map(\.1)).joined(separator: ", ") + ")"
            }.joined(separator: ", ")
        } else {
            out += "SELECT *, " + added.map(\.1).joined(separator: ", ") + " FROM (" + text(source) + ")"
        }
        if returning { out += " " + String(sql.unicodeScalars[tokens[end].range.lowerBound...]) }
        return out
    }

    /// The first token of `range` that is `word` outside parentheses.
    private static func topLevel(_ tokens: [SQLiteToken], _ range: Range<Int>, _ word: String) -> Int? {
        var depth = 0
        for index in range {
            if tokens[index].text == "(" { depth += 1 }
            if tokens[index].text == ")" { depth -= 1 }
            if depth == 0 && tokens[index].isWord(word) { return index }
        }
        return nil
    }

    /// The index of the parenthesis closing the one at `open`.
    private static func matching(_ tokens: [SQLiteToken], _ open: Int) -> Int? {
        var depth = 0
        for index in open..<tokens.count {
            if tokens[index].text == "(" { depth += 1 }
            if tokens[index].text == ")" { depth -= 1; if depth == 0 { return index } }
        }
        return nil
    }

    /// The items of a comma-separated list (commas inside parentheses are the items').
    private static func items(_ tokens: [SQLiteToken], _ range: Range<Int>) -> [Range<Int>] {
        var items: [Range<Int>] = []
        var start = range.lowerBound
        var depth = 0
        for index in range {
            if tokens[index].text == "(" { depth += 1 }
            if tokens[index].text == ")" { depth -= 1 }
            if depth == 0 && tokens[index].text == "," {
                items.append(start..<index)
                start = index + 1
            }
        }
        if start < range.upperBound || !items.isEmpty { items.append(start..<range.upperBound) }
        return items
    }
}
