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

    /// The type the session reports for a column declared `declared`
    /// (PGTypes.forDeclared: PostgreSQL's spellings with their modifiers); for other
    /// declarations, the type of SQLite's affinity (https://sqlite.org/datatype3.html,
    /// 3.1): INTEGER bigint, REAL double precision, TEXT text, BLOB bytea, NUMERIC
    /// numeric, and text for a column declared without a type.
    init(declared: String) {
        if let type = PGTypes.forDeclared(declared) {
            self.init(oid: type.oid, typmod: type.modifier)
            return
        }
        let type = declared.uppercased()
        if type.trimmingCharacters(in: " ").isEmpty { self.init(oid: 25) }
        else if type.contains("INT") { self.init(oid: 20) }
        else if type.contains("CHAR") || type.contains("CLOB") || type.contains("TEXT") { self.init(oid: 25) }
        else if type.contains("BLOB") { self.init(oid: 17) }
        else if type.contains("REAL") || type.contains("FLOA") || type.contains("DOUB") { self.init(oid: 701) }
        else { self.init(oid: 1700) }
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
