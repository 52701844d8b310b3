/// pg_catalog's relations about tables, columns and types (PostgreSQL 15's columns),
/// built from the session's OmenDB tables: each table is a heap relation in `public`
/// with a row type, and a table with a key column has a btree index `<table>_pkey`
/// and its PRIMARY KEY constraint.
enum TableRelations {
    typealias Row = [CatalogValue]

    static let all: [CatalogRelation] = [namespace, pgClass, attribute, type, index, constraint, attrdef, tables]

    static let namespace = CatalogRelation("pg_catalog", "pg_namespace", "oid oid, nspname name, nspowner oid, nspacl text") { _ in
        [
            [CatalogValue(CatalogState.toastNamespace), "pg_toast", CatalogValue(CatalogState.userOID), nil],
            [CatalogValue(CatalogState.catalogNamespace), "pg_catalog", CatalogValue(CatalogState.userOID), nil],
            [CatalogValue(CatalogState.publicNamespace), "public", CatalogValue(CatalogState.databaseOwnerOID), nil],
            [CatalogValue(CatalogState.informationSchemaNamespace), "information_schema", CatalogValue(CatalogState.userOID), nil],
        ]
    }

    static let pgClass = CatalogRelation("pg_catalog", "pg_class", """
        oid oid, relname name, relnamespace oid, reltype oid, reloftype oid, relowner oid, relam oid, relfilenode oid,
        reltablespace oid, relpages int4, reltuples float4, relallvisible int4, reltoastrelid oid, relhasindex bool,
        relisshared bool, relpersistence text, relkind text, relnatts int2, relchecks int2, relhasrules bool,
        relhastriggers bool, relhassubclass bool, relrowsecurity bool, relforcerowsecurity bool, relispopulated bool,
        relreplident text, relispartition bool, relrewrite oid, relfrozenxid xid, relminmxid xid, relacl text,
        reloptions text, relpartbound pg_node_tree
        """) { state throws(PGError) in
        try state.tables().flatMap { table -> [Row] in
            var rows: [Row] = [classRow(oid: table.oid, name: table.name, type: table.rowTypeOID, am: CatalogState.heapAM,
                                        hasIndex: table.key != nil, kind: "r", attributes: table.columns.count)]
            if table.key != nil {
                rows.append(classRow(oid: table.indexOID, name: table.indexName, type: 0, am: CatalogState.btreeAM,
                                     hasIndex: false, kind: "i", attributes: 1))
            }
            return rows
        }
    }

    private static func classRow(oid: UInt32, name: String, type: UInt32, am: UInt32, hasIndex: Bool,
                                 kind: String, attributes: Int) -> Row {
        [CatalogValue(oid), .text(name), CatalogValue(CatalogState.publicNamespace), CatalogValue(type), 0,
         CatalogValue(CatalogState.userOID), CatalogValue(am), CatalogValue(oid), 0, 0, .real(-1), 0, 0, CatalogValue(hasIndex),
         CatalogValue(false), "p", .text(kind), CatalogValue(attributes), 0, CatalogValue(false),
         CatalogValue(false), CatalogValue(false), CatalogValue(false), CatalogValue(false), CatalogValue(true),
         kind == "r" ? "d" : "n", CatalogValue(false), 0, 0, 0, nil, nil, nil]
    }

    static let attribute = CatalogRelation("pg_catalog", "pg_attribute", """
        attrelid oid, attname name, atttypid oid, attstattarget int4, attlen int2, attnum int2, attndims int4,
        attcacheoff int4, atttypmod int4, attbyval bool, attalign text, attstorage text, attcompression text,
        attnotnull bool, atthasdef bool, atthasmissing bool, attidentity text, attgenerated text, attisdropped bool,
        attislocal bool, attinhcount int4, attcollation oid, attacl text, attoptions text, attfdwoptions text,
        attmissingval text
        """) { state throws(PGError) in
        try state.tables().flatMap { table -> [Row] in
            var rows = table.columns.map { column in
                attributeRow(relation: table.oid, column: column)
            }
            if let key = table.key { rows.append(attributeRow(relation: table.indexOID, column: key, number: 1)) }
            return rows
        }
    }

    private static func attributeRow(relation: UInt32, column: UserColumn, number: Int? = nil) -> Row {
        let builtin = BuiltinType.byOID[column.type.oid]
        let collatable = builtin?.category == "S"
        let storage = builtin.map { $0.length == -1 ? ($0.oid == 1700 ? "m" : "x") : "p" } ?? "x"
        let isIndex = number != nil
        return [CatalogValue(relation), .text(column.name), CatalogValue(column.type.oid), -1,
                .integer(Int64(builtin?.length ?? -1)), CatalogValue(number ?? column.number), 0, -1,
                .integer(Int64(column.type.typmod)), CatalogValue(builtin?.byValue ?? false), .text(builtin?.align ?? "i"),
                .text(storage), "", CatalogValue(column.notNull && !isIndex),
                CatalogValue(column.defaultExpression != nil && !isIndex), CatalogValue(false), "", "", CatalogValue(false),
                CatalogValue(true), 0, collatable ? 100 : 0, nil, nil, nil, nil]
    }

    static let type = CatalogRelation("pg_catalog", "pg_type", """
        oid oid, typname name, typnamespace oid, typowner oid, typlen int2, typbyval bool, typtype text,
        typcategory text, typispreferred bool, typisdefined bool, typdelim text, typrelid oid, typsubscript regproc,
        typelem oid, typarray oid, typinput regproc, typoutput regproc, typreceive regproc, typsend regproc,
        typmodin regproc, typmodout regproc, typanalyze regproc, typalign text, typstorage text, typnotnull bool,
        typbasetype oid, typtypmod int4, typndims int4, typcollation oid, typdefaultbin pg_node_tree,
        typdefault text, typacl text
        """) { state throws(PGError) in
        var rows: [Row] = BuiltinType.all.map { type in
            [CatalogValue(type.oid), .text(type.name), CatalogValue(CatalogState.catalogNamespace), CatalogValue(CatalogState.userOID),
             .integer(Int64(type.length)), CatalogValue(type.byValue), type.oid == 705 ? "p" : "b", .text(type.category),
             CatalogValue(type.preferred), CatalogValue(true), ",", 0, "-", 0, CatalogValue(type.arrayOID),
             .text(type.name + "in"), .text(type.name + "out"), .text(type.name + "recv"), .text(type.name + "send"),
             "-", "-", "-", .text(type.align), type.length == -1 ? "x" : "p", CatalogValue(false), 0, -1, 0,
             type.category == "S" ? 100 : 0, nil, nil, nil]
        }
        rows += BuiltinType.all.filter { $0.arrayOID != 0 }.map { type in
            [CatalogValue(type.arrayOID), .text("_" + type.name), CatalogValue(CatalogState.catalogNamespace),
             CatalogValue(CatalogState.userOID), -1, CatalogValue(false), "b", "A", CatalogValue(false), CatalogValue(true),
             ",", 0, "array_subscript_handler", CatalogValue(type.oid), 0, "array_in", "array_out", "array_recv",
             "array_send", "-", "-", "array_typanalyze", type.align == "d" ? "d" : "i", "x", CatalogValue(false), 0, -1, 0,
             type.category == "S" ? 100 : 0, nil, nil, nil]
        }
        rows += try state.tables().map { table in
            [CatalogValue(table.rowTypeOID), .text(table.name), CatalogValue(CatalogState.publicNamespace),
             CatalogValue(CatalogState.userOID), -1, CatalogValue(false), "c", "C", CatalogValue(false), CatalogValue(true),
             ",", CatalogValue(table.oid), "-", 0, 0, "record_in", "record_out", "record_recv", "record_send", "-", "-", "-",
             "d", "x", CatalogValue(false), 0, -1, 0, 0, nil, nil, nil]
        }
        return rows
    }

    static let index = CatalogRelation("pg_catalog", "pg_index", """
        indexrelid oid, indrelid oid, indnatts int2, indnkeyatts int2, indisunique bool, indnullsnotdistinct bool,
        indisprimary bool, indisexclusion bool, indimmediate bool, indisclustered bool, indisvalid bool,
        indcheckxmin bool, indisready bool, indislive bool, indisreplident bool, indkey int2vector,
        indcollation oidvector, indclass oidvector, indoption int2vector, indexprs pg_node_tree, indpred pg_node_tree
        """) { state throws(PGError) in
        try state.tables().compactMap { table -> Row? in
            guard let key = table.key else { return nil }
            return [CatalogValue(table.indexOID), CatalogValue(table.oid), 1, 1, CatalogValue(true), CatalogValue(false),
                    CatalogValue(true), CatalogValue(false), CatalogValue(true), CatalogValue(false), CatalogValue(true),
                    CatalogValue(false), CatalogValue(true), CatalogValue(true), CatalogValue(false), .text(String(key.number)),
                    "0", "1978", "0", nil, nil]
        }
    }

    static let constraint = CatalogRelation("pg_catalog", "pg_constraint", """
        oid oid, conname name, connamespace oid, contype text, condeferrable bool, condeferred bool, convalidated bool,
        conrelid oid, contypid oid, conindid oid, conparentid oid, confrelid oid, confupdtype text, confdeltype text,
        confmatchtype text, conislocal bool, coninhcount int4, connoinherit bool, conkey int2[], confkey int2[],
        conpfeqop oid[], conppeqop oid[], conffeqop oid[], confdelsetcols int2[], conexclop oid[], conbin pg_node_tree
        """) { state throws(PGError) in
        try state.tables().compactMap { table -> Row? in
            guard let key = table.key else { return nil }
            return [CatalogValue(table.constraintOID), .text(table.indexName), CatalogValue(CatalogState.publicNamespace), "p",
                    CatalogValue(false), CatalogValue(false), CatalogValue(true), CatalogValue(table.oid), 0,
                    CatalogValue(table.indexOID), 0, 0, " ", " ", " ", CatalogValue(true), 0, CatalogValue(true),
                    .text("{\(key.number)}"), nil, nil, nil, nil, nil, nil, nil]
        }
    }

    /// adbin holds the default's text (pg_get_expr shows it as PostgreSQL does: a
    /// string literal with its type, `'x'::text`).
    static let attrdef = CatalogRelation("pg_catalog", "pg_attrdef", "oid oid, adrelid oid, adnum int2, adbin pg_node_tree") { state throws(PGError) in
        try state.tables().flatMap { table in
            table.columns.compactMap { column -> Row? in
                guard let expression = column.defaultExpression else { return nil }
                return [CatalogValue(attrdefOID(table, column)), CatalogValue(table.oid),
                        CatalogValue(column.number), .text(displayedDefault(expression, column.type))]
            }
        }
    }

    /// Above the tables' OIDs (which stay below 2^31).
    static func attrdefOID(_ table: UserTable, _ column: UserColumn) -> UInt32 {
        0x8000_0000 | ((table.oid / 4 &* 1601 &+ UInt32(column.number)) & 0x7FFF_FFFF)
    }

    /// PostgreSQL's deparsed form of a default: a string literal carries its type.
    /// Parentheses around the whole expression (`DEFAULT ('x')`) are dropped, as
    /// PostgreSQL's deparser drops them.
    static func displayedDefault(_ declared: String, _ type: PGColumnType) -> String {
        let expression = withoutOuterParentheses(declared)
        guard expression.hasPrefix("'"), expression.hasSuffix("'"), expression.count >= 2 else { return expression }
        let name = PGColumnType.format(oid: type.oid, typmod: -1)
        return expression + "::" + (type.oid == 1042 ? "bpchar" : name)
    }

    static let tables = CatalogRelation("pg_catalog", "pg_tables", """
        schemaname name, tablename name, tableowner name, tablespace name, hasindexes bool, hasrules bool,
        hastriggers bool, rowsecurity bool
        """) { state throws(PGError) in
        try state.tables().map { table in
            ["public", .text(table.name), .text(state.context.user), nil, CatalogValue(table.key != nil),
             CatalogValue(false), CatalogValue(false), CatalogValue(false)]
        }
    }

    static func withoutOuterParentheses(_ text: String) -> String {
        var characters = Array(text.trimmingCharacters(in: " "))
        while characters.first == "(", characters.last == ")" {
            // The first parenthesis must close at the end (not `(a) + (b)`); quotes hide parentheses.
            var depth = 0
            var quote: Character?
            var closesAtEnd = false
            for (index, character) in characters.enumerated() {
                if let open = quote {
                    if character == open { quote = nil }
                    continue
                }
                if character == "'" || character == "\"" { quote = character; continue }
                if character == "(" { depth += 1 }
                if character == ")" {
                    depth -= 1
                    if depth == 0 { closesAtEnd = index == characters.count - 1; break }
                }
            }
            guard closesAtEnd else { break }
            characters = Array(String(characters.dropFirst().dropLast()).trimmingCharacters(in: " "))
        }
        return String(characters)
    }
}
