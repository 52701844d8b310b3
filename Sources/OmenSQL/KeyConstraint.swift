import CSQLite

/// The key constraints a plan pushes down (the operator of each xFilter argument).
enum KeyOperator: Int32 {
    case equal = 1, inList = 2, greater = 3, greaterOrEqual = 4, less = 5, lessOrEqual = 6, limit = 7, offset = 8

    var sql: String {
        switch self {
        case .equal: return "="
        case .inList: return "IN"
        case .greater: return ">"
        case .greaterOrEqual: return ">="
        case .less: return "<"
        case .lessOrEqual: return "<="
        case .limit: return "LIMIT"
        case .offset: return "OFFSET"
        }
    }
}

/// The keys a scan may return: an inclusive range, empty when `lower > upper`.
struct KeyBounds {
    var lower = Int64.min
    var upper = Int64.max

    var isEmpty: Bool { lower > upper }

    mutating func setEmpty() {
        lower = 1
        upper = 0
    }

    /// Narrows the bounds by `key <op> value`, comparing as SQLite compares an INTEGER
    /// column with `value`: numeric affinity applied to text; every integer is less than
    /// any text or blob; NULL matches nothing. `.equal` narrows to the one key.
    mutating func apply(_ op: KeyOperator, _ value: OpaquePointer?) {
        switch sqlite3_value_numeric_type(value) {
        case SQLITE_INTEGER:
            let key = sqlite3_value_int64(value)
            switch op {
            case .equal: narrow(key, key)
            case .greater: key == Int64.max ? setEmpty() : narrow(key + 1, Int64.max)
            case .greaterOrEqual: narrow(key, Int64.max)
            case .less: key == Int64.min ? setEmpty() : narrow(Int64.min, key - 1)
            case .lessOrEqual: narrow(Int64.min, key)
            default: break
            }
        case SQLITE_FLOAT:
            apply(op, real: sqlite3_value_double(value))
        case SQLITE_TEXT, SQLITE_BLOB:
            // Integers sort before text and blobs: key < 'x' holds for every key.
            if op != .less && op != .lessOrEqual { setEmpty() }
        default:
            setEmpty()
        }
    }

    private static let twoTo63 = 9223372036854775808.0

    private mutating func apply(_ op: KeyOperator, real: Double) {
        switch op {
        case .equal:
            if let key = Self.exactKey(real) { narrow(key, key) } else { setEmpty() }
        case .greater, .greaterOrEqual:
            if real >= Self.twoTo63 { setEmpty(); return }
            if real < -Self.twoTo63 { return }
            let bound = op == .greater ? real.rounded(.down) + 1 : real.rounded(.up)
            if bound >= Self.twoTo63 { setEmpty() } else { narrow(Int64(bound), Int64.max) }
        case .less, .lessOrEqual:
            if real < -Self.twoTo63 || (op == .less && real == -Self.twoTo63) { setEmpty(); return }
            if real >= Self.twoTo63 { return }
            let bound = op == .less ? real.rounded(.up) - 1 : real.rounded(.down)
            if bound < -Self.twoTo63 { setEmpty() } else { narrow(Int64.min, Int64(bound)) }
        default:
            break
        }
    }

    /// The integer equal to `real`, if there is one.
    static func exactKey(_ real: Double) -> Int64? {
        guard real == real.rounded(), real >= -twoTo63, real < twoTo63 else { return nil }
        return Int64(real)
    }

    private mutating func narrow(_ low: Int64, _ high: Int64) {
        lower = max(lower, low)
        upper = min(upper, high)
    }
}
