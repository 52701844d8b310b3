/// pg_catalog's relations about the server, not the tables: the database, roles,
/// settings, access methods, collations, functions; and the ones psql and pgbench
/// read that OmenDB has nothing in (inheritance, partitioning, policies, statistics
/// objects, publications, descriptions), empty with PostgreSQL 15's columns.
enum ServerRelations {
    static let all: [CatalogRelation] = [
        database, roles, user, settings, am, collation, proc, description, inherits, partitionedTable,
        policy, statisticExt, publication, publicationNamespace, publicationRel,
    ]

    static let database = CatalogRelation("pg_catalog", "pg_database", """
        oid oid, datname name, datdba oid, encoding int4, datlocprovider text, datistemplate bool, datallowconn bool,
        datconnlimit int4, datfrozenxid xid, datminmxid xid, dattablespace oid, datcollate text, datctype text,
        daticulocale text, datcollversion text, datacl text
        """) { state in
        [[CatalogValue(CatalogState.databaseOID), .text(state.context.database), CatalogValue(CatalogState.userOID), 6, "c",
          CatalogValue(false), CatalogValue(true), -1, 0, 1, 1663, "C", "C", nil, nil, nil]]
    }

    static let roles = CatalogRelation("pg_catalog", "pg_roles", """
        rolname name, rolsuper bool, rolinherit bool, rolcreaterole bool, rolcreatedb bool, rolcanlogin bool,
        rolreplication bool, rolconnlimit int4, rolpassword text, rolvaliduntil timestamptz, rolbypassrls bool,
        rolconfig text, oid oid
        """) { state in
        [[.text(state.context.user), CatalogValue(true), CatalogValue(true), CatalogValue(true), CatalogValue(true),
          CatalogValue(true), CatalogValue(true), -1, "********", nil, CatalogValue(true), nil, CatalogValue(CatalogState.userOID)],
         ["pg_database_owner", CatalogValue(false), CatalogValue(true), CatalogValue(false), CatalogValue(false),
          CatalogValue(false), CatalogValue(false), -1, "********", nil, CatalogValue(false), nil,
          CatalogValue(CatalogState.databaseOwnerOID)]]
    }

    static let user = CatalogRelation("pg_catalog", "pg_user", """
        usename name, usesysid oid, usecreatedb bool, usesuper bool, userepl bool, usebypassrls bool, passwd text,
        valuntil timestamptz, useconfig text
        """) { state in
        [[.text(state.context.user), CatalogValue(CatalogState.userOID), CatalogValue(true), CatalogValue(true),
          CatalogValue(true), CatalogValue(true), "********", nil, nil]]
    }

    static let settings = CatalogRelation("pg_catalog", "pg_settings", """
        name text, setting text, unit text, category text, short_desc text, extra_desc text, context text,
        vartype text, source text, min_val text, max_val text, enumvals text, boot_val text, reset_val text,
        sourcefile text, sourceline int4, pending_restart bool
        """) { state in
        state.settings.all.map { entry in
            let numeric = Int64(entry.value) != nil
            return [.text(entry.name), .text(entry.value), nil, "OmenDB", nil, nil, "user",
                    numeric ? "integer" : "string", "session", nil, nil, nil, nil, .text(entry.value), nil, nil,
                    CatalogValue(false)]
        }
    }

    static let am = CatalogRelation("pg_catalog", "pg_am", "oid oid, amname name, amhandler regproc, amtype text") { _ in
        [[CatalogValue(CatalogState.heapAM), "heap", "heap_tableam_handler", "t"],
         [CatalogValue(CatalogState.btreeAM), "btree", "bthandler", "i"]]
    }

    static let collation = CatalogRelation("pg_catalog", "pg_collation", """
        oid oid, collname name, collnamespace oid, collowner oid, collprovider text, collisdeterministic bool,
        collencoding int4, collcollate text, collctype text, colliculocale text, collversion text
        """) { _ in
        [[100, "default", CatalogValue(CatalogState.catalogNamespace), CatalogValue(CatalogState.userOID), "d",
          CatalogValue(true), -1, nil, nil, nil, nil],
         [950, "C", CatalogValue(CatalogState.catalogNamespace), CatalogValue(CatalogState.userOID), "c",
          CatalogValue(true), -1, "C", "C", nil, nil],
         [951, "POSIX", CatalogValue(CatalogState.catalogNamespace), CatalogValue(CatalogState.userOID), "c",
          CatalogValue(true), -1, "POSIX", "POSIX", nil, nil]]
    }

    /// The functions CatalogFunctions registers, one row each (no argument types).
    static let proc = CatalogRelation("pg_catalog", "pg_proc", """
        oid oid, proname name, pronamespace oid, proowner oid, prolang oid, procost float4, prorows float4,
        provariadic oid, prosupport regproc, prokind text, prosecdef bool, proleakproof bool, proisstrict bool,
        proretset bool, provolatile text, proparallel text, pronargs int2, pronargdefaults int2, prorettype oid,
        proargtypes oidvector, proallargtypes oid[], proargmodes char[], proargnames text[], proargdefaults pg_node_tree,
        protrftypes oid[], prosrc text, probin text, prosqlbody pg_node_tree, proconfig text[], proacl aclitem[]
        """) { _ in
        CatalogFunctions.names.enumerated().map { index, name in
            [CatalogValue(firstProcOID + UInt32(index)), .text(name), CatalogValue(CatalogState.catalogNamespace),
             CatalogValue(CatalogState.userOID), 12, .real(1), .real(name == "generate_series" ? 1000 : 0), 0, "-", "f",
             CatalogValue(false), CatalogValue(false), CatalogValue(true), CatalogValue(name == "generate_series"), "s", "s",
             0, 0, 25, "", nil, nil, nil, nil, nil, .text(name), nil, nil, nil, nil]
        }
    }

    /// pg_proc's OIDs: the functions in CatalogFunctions.names order, below the user
    /// range where the tables' OIDs are.
    static let firstProcOID: UInt32 = 14_000

    static let description = CatalogRelation("pg_catalog", "pg_description",
                                              "objoid oid, classoid oid, objsubid int4, description text")
    static let inherits = CatalogRelation("pg_catalog", "pg_inherits",
                                          "inhrelid oid, inhparent oid, inhseqno int4, inhdetachpending bool")
    static let partitionedTable = CatalogRelation("pg_catalog", "pg_partitioned_table", """
        partrelid oid, partstrat text, partnatts int2, partdefid oid, partattrs int2vector, partclass oidvector,
        partcollation oidvector, partexprs pg_node_tree
        """)
    static let policy = CatalogRelation("pg_catalog", "pg_policy", """
        oid oid, polname name, polrelid oid, polcmd text, polpermissive bool, polroles oid[], polqual pg_node_tree,
        polwithcheck pg_node_tree
        """)
    static let statisticExt = CatalogRelation("pg_catalog", "pg_statistic_ext", """
        oid oid, stxrelid oid, stxname name, stxnamespace oid, stxowner oid, stxstattarget int4, stxkeys int2vector,
        stxkind char[], stxexprs pg_node_tree
        """)
    static let publication = CatalogRelation("pg_catalog", "pg_publication", """
        oid oid, pubname name, pubowner oid, puballtables bool, pubinsert bool, pubupdate bool, pubdelete bool,
        pubtruncate bool, pubviaroot bool
        """)
    static let publicationNamespace = CatalogRelation("pg_catalog", "pg_publication_namespace",
                                                       "oid oid, pnpubid oid, pnnspid oid")
    static let publicationRel = CatalogRelation("pg_catalog", "pg_publication_rel",
                                                 "oid oid, prpubid oid, prrelid oid, prqual pg_node_tree, prattrs int2vector")
}
