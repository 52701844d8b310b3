/// information_schema.tables and information_schema.columns (PostgreSQL 15's columns;
/// the SQL-standard domains cardinal_number, character_data, sql_identifier and
/// yes_or_no as their base types) for the session's OmenDB tables.
enum InformationSchema {
    static let all: [CatalogRelation] = [tables, columns]

    static let tables = CatalogRelation("information_schema", "tables", """
        table_catalog name, table_schema name, table_name name, table_type varchar, self_referencing_column_name name,
        reference_generation varchar, user_defined_type_catalog name, user_defined_type_schema name,
        user_defined_type_name name, is_insertable_into varchar, is_typed varchar, commit_action varchar
        """) { state throws(PGError) in
        try state.tables().map { table in
            [.text(state.context.database), "public", .text(table.name), "BASE TABLE", nil, nil, nil, nil, nil, "YES", "NO", nil]
        }
    }

    static let columns = CatalogRelation("information_schema", "columns", """
        table_catalog name, table_schema name, table_name name, column_name name, ordinal_position int4,
        column_default varchar, is_nullable varchar, data_type varchar, character_maximum_length int4,
        character_octet_length int4, numeric_precision int4, numeric_precision_radix int4, numeric_scale int4,
        datetime_precision int4, interval_type varchar, interval_precision int4, character_set_catalog name,
        character_set_schema name, character_set_name name, collation_catalog name, collation_schema name,
        collation_name name, domain_catalog name, domain_schema name, domain_name name, udt_catalog name,
        udt_schema name, udt_name name, scope_catalog name, scope_schema name, scope_name name,
        maximum_cardinality int4, dtd_identifier name, is_self_referencing varchar, is_identity varchar,
        identity_generation varchar, identity_start varchar, identity_increment varchar, identity_maximum varchar,
        identity_minimum varchar, identity_cycle varchar, is_generated varchar, generation_expression varchar,
        is_updatable varchar
        """) { state throws(PGError) in
        try state.tables().flatMap { table in
            table.columns.map { column in columnRow(state, table, column) }
        }
    }

    private static func columnRow(_ state: CatalogState, _ table: UserTable, _ column: UserColumn) -> [CatalogValue] {
        let type = column.type
        let length: CatalogValue = (type.oid == 1042 || type.oid == 1043) && type.typmod >= 4 ? .integer(Int64(type.typmod - 4)) : nil
        let octets: CatalogValue = [25, 1042, 1043].contains(type.oid) ? (length == nil ? 1_073_741_824 : length.times(4)) : nil
        var precision: CatalogValue = nil, radix: CatalogValue = nil, scale: CatalogValue = nil, datetime: CatalogValue = nil
        switch type.oid {
        case 21: (precision, radix, scale) = (16, 2, 0)
        case 23: (precision, radix, scale) = (32, 2, 0)
        case 20: (precision, radix, scale) = (64, 2, 0)
        case 700: (precision, radix) = (24, 2)
        case 701: (precision, radix) = (53, 2)
        case 1700:
            radix = 10
            if type.typmod >= 4 {
                precision = .integer(Int64((type.typmod - 4) >> 16))
                scale = .integer(Int64((type.typmod - 4) & 0xFFFF))
            }
        case 1082: datetime = 0
        case 1083, 1114, 1184: datetime = .integer(Int64(type.typmod >= 0 ? type.typmod : 6))
        default: break
        }
        let dataType: String
        switch type.oid {
        case 1042: dataType = "character"
        case 1043: dataType = "character varying"
        case 1700: dataType = "numeric"
        default: dataType = PGColumnType.format(oid: type.oid, typmod: -1)
        }
        let udt = BuiltinType.byOID[type.oid]?.name ?? "text"
        return [.text(state.context.database), "public", .text(table.name), .text(column.name), CatalogValue(column.number),
                CatalogValue(column.defaultExpression.map { TableRelations.displayedDefault($0, type) }),
                column.notNull ? "NO" : "YES", .text(dataType), length, octets, precision, radix, scale, datetime, nil, nil,
                nil, nil, nil, nil, nil, nil, nil, nil, nil, .text(state.context.database), "pg_catalog", .text(udt), nil,
                nil, nil, nil, .text(String(column.number)), "NO", "NO", nil, nil, nil, nil, nil, "NO", "NEVER", nil, "YES"]
    }
}

private extension CatalogValue {
    func times(_ factor: Int64) -> CatalogValue {
        if case .integer(let value) = self { return .integer(value * factor) }
        return self
    }
}
