import CSQLite

/// A query plan for one omendb table (docs/sql.md, "What is pushed down"), chosen in
/// xBestIndex and handed to xFilter as idxNum: the operator of xFilter argument i in
/// bits 4i..4i+3, and `descendingBit` for ORDER BY key DESC. idxStr describes it
/// for EXPLAIN QUERY PLAN.
struct IndexPlan {
    static let maximumArguments = 7
    static let maximumKeyArguments = 5
    static let descendingBit: Int32 = 1 << 28

    let number: Int32

    var descending: Bool { number & Self.descendingBit != 0 }

    /// The operator of xFilter argument `index`.
    func op(_ index: Int) -> KeyOperator? { KeyOperator(rawValue: (number >> Int32(4 * index)) & 0xF) }

    /// Fills in `info` for table `schema` with `rowCount` rows (estimated).
    static func choose(_ info: UnsafeMutablePointer<sqlite3_index_info>, schema: TableSchema, rowCount: Int) {
        let keyColumn = Int32(schema.keyColumn ?? -1)
        let keyName = schema.keyColumn.map { schema.columns[$0].name } ?? "rowid"
        func isKey(_ column: Int32) -> Bool { column == -1 || column == keyColumn }

        let constraints = info.pointee.aConstraint!
        let usage = info.pointee.aConstraintUsage!
        var number: Int32 = 0
        var arguments = 0
        var everyConstraintUsed = true
        var usesIn = false
        var equalities = 0
        var lowerBounds = 0
        var upperBounds = 0
        var limit: Int32?
        var offset: Int32?
        var terms: [String] = []

        for index in 0..<Int(info.pointee.nConstraint) {
            let constraint = constraints[index]
            let raw = Int32(constraint.op)
            if raw == SQLITE_INDEX_CONSTRAINT_LIMIT || raw == SQLITE_INDEX_CONSTRAINT_OFFSET {
                if constraint.usable != 0 {
                    if raw == SQLITE_INDEX_CONSTRAINT_LIMIT { limit = Int32(index) } else { offset = Int32(index) }
                }
                continue
            }
            guard constraint.usable != 0, isKey(constraint.iColumn), arguments < maximumKeyArguments else {
                everyConstraintUsed = false
                continue
            }
            let op: KeyOperator
            switch raw {
            case SQLITE_INDEX_CONSTRAINT_EQ:
                if !usesIn && sqlite3_vtab_in(info, Int32(index), -1) != 0 {
                    _ = sqlite3_vtab_in(info, Int32(index), 1)
                    usesIn = true
                    op = .inList
                } else {
                    op = .equal
                    equalities += 1
                }
            case SQLITE_INDEX_CONSTRAINT_GT: op = .greater; lowerBounds += 1
            case SQLITE_INDEX_CONSTRAINT_GE: op = .greaterOrEqual; lowerBounds += 1
            case SQLITE_INDEX_CONSTRAINT_LT: op = .less; upperBounds += 1
            case SQLITE_INDEX_CONSTRAINT_LE: op = .lessOrEqual; upperBounds += 1
            default:
                everyConstraintUsed = false
                continue
            }
            number |= op.rawValue << Int32(4 * arguments)
            arguments += 1
            usage[index].argvIndex = Int32(arguments)
            usage[index].omit = 1
            terms.append(op == .inList ? "\(keyName) IN (...)" : "\(keyName) \(op.sql) ?")
        }

        // ORDER BY the key first: the scan's own order (keys are unique, so later terms
        // never matter).
        var orderConsumed = false
        if info.pointee.nOrderBy >= 1, isKey(info.pointee.aOrderBy[0].iColumn) {
            orderConsumed = true
            info.pointee.orderByConsumed = 1
            if info.pointee.aOrderBy[0].desc != 0 { number |= descendingBit }
        }

        // LIMIT/OFFSET bound how many rows the scan produces (SQLite still applies both);
        // only when the scan returns exactly the query's rows in the query's order.
        var limited = false
        if let limit, everyConstraintUsed, orderConsumed || info.pointee.nOrderBy == 0 {
            for (index, op) in [(limit, KeyOperator.limit), (offset, KeyOperator.offset)] {
                guard let index else { continue }
                number |= op.rawValue << Int32(4 * arguments)
                arguments += 1
                usage[Int(index)].argvIndex = Int32(arguments)
            }
            limited = true
        }

        // Costs: a point lookup is one model prediction; a scan visits its rows.
        let rows = Double(max(rowCount, 1))
        var estimate: Double
        if equalities > 0 {
            estimate = 1
            info.pointee.idxFlags |= SQLITE_INDEX_SCAN_UNIQUE
        } else if usesIn {
            estimate = min(rows, 25)
        } else {
            estimate = rows
            if lowerBounds > 0 { estimate /= 4 }
            if upperBounds > 0 { estimate /= 4 }
        }
        estimate = max(1, estimate)
        info.pointee.estimatedRows = Int64(estimate)
        info.pointee.estimatedCost = equalities > 0 || usesIn ? 2 * estimate : 10 + estimate
        info.pointee.idxNum = number

        var description = terms.joined(separator: " AND ")
        if orderConsumed { description += (description.isEmpty ? "" : " ") + "ORDER BY \(keyName)" + (number & descendingBit != 0 ? " DESC" : "") }
        if limited { description += (description.isEmpty ? "" : " ") + (offset == nil ? "LIMIT" : "LIMIT OFFSET") }
        if !description.isEmpty {
            let bytes = Array(description.utf8)
            if let text = sqlite3_malloc(Int32(bytes.count + 1))?.assumingMemoryBound(to: CChar.self) {
                for (index, byte) in bytes.enumerated() { text[index] = CChar(bitPattern: byte) }
                text[bytes.count] = 0
                info.pointee.idxStr = text
                info.pointee.needToFreeIdxStr = 1
            }
        }
    }
}
