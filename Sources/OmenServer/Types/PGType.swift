/// A PostgreSQL data type as RowDescription and ParameterDescription carry it: the type's
/// OID, its name, `typlen` (-1 variable length, -2 C string) and the column's type
/// modifier (`atttypmod`: -1 none; varchar(n)/char(n) n + 4; numeric(p,s)
/// ((p << 16) | s) + 4; timestamp(p) p).
public struct PGType: Equatable, Hashable, Sendable {
    public var oid: UInt32
    public var name: String
    public var size: Int16
    public var modifier: Int32

    public init(oid: UInt32, name: String, size: Int16, modifier: Int32 = -1) {
        self.oid = oid
        self.name = name
        self.size = size
        self.modifier = modifier
    }

    /// numeric(p,s)'s scale, when the modifier gives one.
    var numericScale: Int? {
        guard oid == PGTypes.numeric.oid, modifier >= 4 else { return nil }
        return Int((modifier - 4) & 0xFFFF)
    }
}

/// The types the server maps to and from SQLite's values, with PostgreSQL 15's OIDs.
public enum PGTypes {
    public static let bool = PGType(oid: 16, name: "bool", size: 1)
    public static let bytea = PGType(oid: 17, name: "bytea", size: -1)
    public static let name = PGType(oid: 19, name: "name", size: 64)
    public static let int8 = PGType(oid: 20, name: "int8", size: 8)
    public static let int2 = PGType(oid: 21, name: "int2", size: 2)
    public static let int4 = PGType(oid: 23, name: "int4", size: 4)
    public static let text = PGType(oid: 25, name: "text", size: -1)
    public static let oid = PGType(oid: 26, name: "oid", size: 4)
    public static let float4 = PGType(oid: 700, name: "float4", size: 4)
    public static let float8 = PGType(oid: 701, name: "float8", size: 8)
    public static let unknown = PGType(oid: 705, name: "unknown", size: -2)
    public static let bpchar = PGType(oid: 1042, name: "bpchar", size: -1)
    public static let varchar = PGType(oid: 1043, name: "varchar", size: -1)
    public static let date = PGType(oid: 1082, name: "date", size: 4)
    public static let timestamp = PGType(oid: 1114, name: "timestamp", size: 8)
    public static let timestamptz = PGType(oid: 1184, name: "timestamptz", size: 8)
    public static let numeric = PGType(oid: 1700, name: "numeric", size: -1)

    public static let all = [bool, bytea, name, int8, int2, int4, text, oid, float4, float8, unknown,
                             bpchar, varchar, date, timestamp, timestamptz, numeric]

    public static func forOID(_ oid: UInt32) -> PGType? { all.first { $0.oid == oid } }

    /// The type of a column declared as `decltype` (sqlite3_column_decltype: the declared
    /// text, in any of PostgreSQL's spellings, with modifiers), or nil when it is not a
    /// type the server knows (the caller then uses the value's type).
    public static func forDeclared(_ decltype: String?) -> PGType? {
        guard let decltype else { return nil }
        var words: [String] = []
        var arguments: [Int32] = []
        var rest = Substring(decltype.lowercased())
        while let open = rest.firstIndex(of: "(") {
            guard let close = rest[open...].firstIndex(of: ")") else { return nil }
            words += rest[..<open].split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
            for argument in rest[rest.index(after: open)..<close].split(separator: ",") {
                guard let value = Int32(argument.trimmingPGSpace()), value >= 0 else { return nil }
                arguments.append(value)
            }
            rest = rest[rest.index(after: close)...]
        }
        words += rest.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
        if words.first?.hasPrefix("pg_catalog.") == true { words[0].removeFirst("pg_catalog.".count) }
        let spelled = words.joined(separator: " ")
        switch spelled {
        case "bool", "boolean":
            return bool
        case "bytea":
            return bytea
        case "name":
            return name
        case "int8", "bigint", "bigserial", "serial8":
            return int8
        case "int2", "smallint", "smallserial", "serial2":
            return int2
        case "int4", "int", "integer", "serial", "serial4":
            return int4
        case "text":
            return text
        case "oid":
            return oid
        case "float4", "real":
            return float4
        case "float8", "double precision":
            return float8
        case "float":
            // float(p): 1…24 is real, 25…53 double precision, as in PostgreSQL.
            guard let precision = arguments.first else { return float8 }
            return precision >= 1 && precision <= 24 ? float4 : float8
        case "char", "character", "bpchar":
            var type = bpchar
            if let length = arguments.first {
                type.modifier = length + 4
            } else if spelled != "bpchar" {
                type.modifier = 1 + 4   // char alone is char(1)
            }
            return type
        case "varchar", "character varying":
            var type = varchar
            if let length = arguments.first { type.modifier = length + 4 }
            return type
        case "numeric", "decimal":
            var type = numeric
            if let precision = arguments.first { type.modifier = (precision << 16 | (arguments.count > 1 ? arguments[1] : 0)) + 4 }
            return type
        case "date":
            return date
        case "timestamp", "timestamp without time zone":
            var type = timestamp
            if let precision = arguments.first { type.modifier = precision }
            return type
        case "timestamptz", "timestamp with time zone":
            var type = timestamptz
            if let precision = arguments.first { type.modifier = precision }
            return type
        default:
            return nil
        }
    }

    /// The type of a value of SQLite storage class `sqliteType` (SQLITE_INTEGER …) in a
    /// column with no known declared type: integers are int8, reals float8, text text,
    /// blobs bytea, and NULL text (PostgreSQL's type for an untyped NULL).
    public static func forSQLiteValue(_ sqliteType: Int32) -> PGType {
        switch sqliteType {
        case 1: return int8      // SQLITE_INTEGER
        case 2: return float8    // SQLITE_FLOAT
        case 4: return bytea     // SQLITE_BLOB
        default: return text     // SQLITE_TEXT, SQLITE_NULL
        }
    }
}
