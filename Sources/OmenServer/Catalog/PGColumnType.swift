/// A column's PostgreSQL type as the catalog describes it: the type OID and the type
/// modifier (atttypmod: length + 4 for character types, ((precision << 16) | scale) + 4
/// for numeric, -1 without one), parsed from the declared type text.
struct PGColumnType: Equatable {
    let oid: UInt32
    let typmod: Int32

    init(oid: UInt32, typmod: Int32 = -1) {
        self.oid = oid
        self.typmod = typmod
    }

    /// PostgreSQL's spellings (`character varying(20)`, `double precision`, `int4`,
    /// `timestamp with time zone`, `numeric(10,2)`, serial types) and SQLite's
    /// (`INTEGER`, `REAL`, `BLOB`, no type); anything else is text.
    init(declared: String) {
        let lowered = declared.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).joined(separator: " ")
        var base = lowered
        var arguments: [Int32] = []
        if let open = lowered.firstIndex(of: "("), let close = lowered.lastIndex(of: ")"), open < close {
            arguments = lowered[lowered.index(after: open)..<close].split(separator: ",").compactMap {
                Int32(String($0).trimmingCharacters(in: " "))
            }
            base = (String(lowered[..<open]) + String(lowered[lowered.index(after: close)...])).trimmingCharacters(in: " ")
            base = base.split(separator: " ").joined(separator: " ")
        }
        switch base {
        case "bool", "boolean": self.init(oid: 16)
        case "bytea", "blob", "": self.init(oid: base.isEmpty ? 25 : 17)
        case "bigint", "int8", "bigserial", "serial8": self.init(oid: 20)
        case "smallint", "int2", "smallserial", "serial2": self.init(oid: 21)
        case "int", "integer", "int4", "serial", "serial4", "mediumint": self.init(oid: 23)
        case "text", "clob": self.init(oid: 25)
        case "real", "float4": self.init(oid: 700)
        case "double precision", "float8", "double": self.init(oid: 701)
        case "float": self.init(oid: (arguments.first ?? 53) <= 24 ? 700 : 701)
        case "character", "char", "bpchar":
            self.init(oid: 1042, typmod: (arguments.first ?? (base == "bpchar" ? -5 : 1)) + 4)
        case "character varying", "varchar", "nvarchar":
            self.init(oid: 1043, typmod: arguments.first.map { $0 + 4 } ?? -1)
        case "numeric", "decimal":
            if let precision = arguments.first {
                self.init(oid: 1700, typmod: ((precision << 16) | (arguments.count > 1 ? arguments[1] : 0)) + 4)
            } else {
                self.init(oid: 1700)
            }
        case "date": self.init(oid: 1082)
        case "time", "time without time zone": self.init(oid: 1083, typmod: arguments.first ?? -1)
        case "timestamp", "timestamp without time zone": self.init(oid: 1114, typmod: arguments.first ?? -1)
        case "timestamptz", "timestamp with time zone": self.init(oid: 1184, typmod: arguments.first ?? -1)
        case "interval": self.init(oid: 1186)
        case "uuid": self.init(oid: 2950)
        case "json": self.init(oid: 114)
        case "jsonb": self.init(oid: 3802)
        default:
            // SQLite's affinity rules for the rest (https://sqlite.org/datatype3.html, 3.1).
            if base.contains("int") { self.init(oid: 20) }
            else if base.contains("char") || base.contains("clob") || base.contains("text") { self.init(oid: 25) }
            else if base.contains("real") || base.contains("floa") || base.contains("doub") { self.init(oid: 701) }
            else { self.init(oid: 1700) }
        }
    }

    /// format_type(oid, typmod): PostgreSQL's SQL-standard spelling.
    static func format(oid: UInt32, typmod: Int32) -> String {
        let modifier: String
        switch oid {
        case 1042, 1043: modifier = typmod >= 4 ? "(\(typmod - 4))" : ""
        case 1700: modifier = typmod >= 4 ? "(\((typmod - 4) >> 16),\((typmod - 4) & 0xFFFF))" : ""
        case 1083, 1114, 1184: modifier = typmod >= 0 ? "(\(typmod))" : ""
        default: modifier = ""
        }
        switch oid {
        case 1042: return typmod >= 4 ? "character" + modifier : "bpchar"
        case 1043: return "character varying" + modifier
        case 1700: return "numeric" + modifier
        case 1083: return "time" + modifier + " without time zone"
        case 1114: return "timestamp" + modifier + " without time zone"
        case 1184: return "timestamp" + modifier + " with time zone"
        default:
            guard let type = BuiltinType.byOID[oid] else { return "???" }
            return type.sqlName
        }
    }
}

/// The built-in types pg_type lists (PostgreSQL 15's OIDs, lengths and categories).
struct BuiltinType {
    let oid: UInt32
    let name: String
    /// format_type's spelling.
    let sqlName: String
    let length: Int16
    let byValue: Bool
    let category: String
    let align: String
    let arrayOID: UInt32
    let preferred: Bool

    static let all: [BuiltinType] = [
        BuiltinType(oid: 16, name: "bool", sqlName: "boolean", length: 1, byValue: true, category: "B", align: "c", arrayOID: 1000, preferred: true),
        BuiltinType(oid: 17, name: "bytea", sqlName: "bytea", length: -1, byValue: false, category: "U", align: "i", arrayOID: 1001, preferred: false),
        BuiltinType(oid: 18, name: "char", sqlName: "\"char\"", length: 1, byValue: true, category: "Z", align: "c", arrayOID: 1002, preferred: false),
        BuiltinType(oid: 19, name: "name", sqlName: "name", length: 64, byValue: false, category: "S", align: "c", arrayOID: 1003, preferred: false),
        BuiltinType(oid: 20, name: "int8", sqlName: "bigint", length: 8, byValue: true, category: "N", align: "d", arrayOID: 1016, preferred: false),
        BuiltinType(oid: 21, name: "int2", sqlName: "smallint", length: 2, byValue: true, category: "N", align: "s", arrayOID: 1005, preferred: false),
        BuiltinType(oid: 23, name: "int4", sqlName: "integer", length: 4, byValue: true, category: "N", align: "i", arrayOID: 1007, preferred: false),
        BuiltinType(oid: 25, name: "text", sqlName: "text", length: -1, byValue: false, category: "S", align: "i", arrayOID: 1009, preferred: true),
        BuiltinType(oid: 26, name: "oid", sqlName: "oid", length: 4, byValue: true, category: "N", align: "i", arrayOID: 1028, preferred: true),
        BuiltinType(oid: 114, name: "json", sqlName: "json", length: -1, byValue: false, category: "U", align: "i", arrayOID: 199, preferred: false),
        BuiltinType(oid: 700, name: "float4", sqlName: "real", length: 4, byValue: true, category: "N", align: "i", arrayOID: 1021, preferred: false),
        BuiltinType(oid: 701, name: "float8", sqlName: "double precision", length: 8, byValue: true, category: "N", align: "d", arrayOID: 1022, preferred: true),
        BuiltinType(oid: 705, name: "unknown", sqlName: "unknown", length: -2, byValue: false, category: "X", align: "c", arrayOID: 0, preferred: false),
        BuiltinType(oid: 1042, name: "bpchar", sqlName: "bpchar", length: -1, byValue: false, category: "S", align: "i", arrayOID: 1014, preferred: false),
        BuiltinType(oid: 1043, name: "varchar", sqlName: "character varying", length: -1, byValue: false, category: "S", align: "i", arrayOID: 1015, preferred: false),
        BuiltinType(oid: 1082, name: "date", sqlName: "date", length: 4, byValue: true, category: "D", align: "i", arrayOID: 1182, preferred: false),
        BuiltinType(oid: 1083, name: "time", sqlName: "time without time zone", length: 8, byValue: true, category: "D", align: "d", arrayOID: 1183, preferred: false),
        BuiltinType(oid: 1114, name: "timestamp", sqlName: "timestamp without time zone", length: 8, byValue: true, category: "D", align: "d", arrayOID: 1115, preferred: false),
        BuiltinType(oid: 1184, name: "timestamptz", sqlName: "timestamp with time zone", length: 8, byValue: true, category: "D", align: "d", arrayOID: 1185, preferred: true),
        BuiltinType(oid: 1186, name: "interval", sqlName: "interval", length: 16, byValue: false, category: "T", align: "d", arrayOID: 1187, preferred: true),
        BuiltinType(oid: 1700, name: "numeric", sqlName: "numeric", length: -1, byValue: false, category: "N", align: "i", arrayOID: 1231, preferred: false),
        BuiltinType(oid: 2950, name: "uuid", sqlName: "uuid", length: 16, byValue: false, category: "U", align: "c", arrayOID: 2951, preferred: false),
        BuiltinType(oid: 3802, name: "jsonb", sqlName: "jsonb", length: -1, byValue: false, category: "U", align: "i", arrayOID: 3807, preferred: false),
    ]

    static let byOID: [UInt32: BuiltinType] = Dictionary(uniqueKeysWithValues: all.map { ($0.oid, $0) })
}
