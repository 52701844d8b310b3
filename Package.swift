// swift-tools-version:6.0
//
// Package.swift is the single source of truth for OmenDB's modules and flags.
// CMake (CMakeLists.txt) is a thin layer that calls `swift build` and installs
// what it produces.
//
// The Swift product OmenDB carries no unsafeFlags, so other packages can depend on
// it by version (SwiftPM refuses unsafeFlags in the products a dependency uses, not
// in the package's other products: examples/swift and scripts/test.sh, suite
// swift_consumer, check it). Exclusivity checks are off only on the stored
// properties marked @exclusivity(unchecked) (bench/exclusivity measures why).
// The C library's linker flags stay on the omendb product, which only the C build
// (CMake, scripts, bindings) uses.
import PackageDescription

/// ABI major version: the SONAME is libomendb.so.<abiMajor>. Keep in sync with
/// OMENDB_VERSION_MAJOR in include/omendb.h (a C test checks that they agree).
let abiMajor = 0

let package = Package(
    name: "OmenDB",
    products: [
        // The Swift engine, for Swift programs that embed OmenDB directly.
        .library(name: "OmenDB", targets: ["OmenDB"]),
        // The C ABI: libomendb.so, described by include/omendb.h.
        .library(name: "omendb", type: .dynamic, targets: ["OmenDBCAPI"]),
        // The same objects as an archive, from which CMake makes libomendb.a (the
        // Swift runtime merged in, only omendb_* global: cmake/StaticLibrary.cmake).
        .library(name: "omendb_objects", type: .static, targets: ["OmenDBCAPI"]),
        // The `omendb` command-line tool (docs/cli.md).
        .executable(name: "omendb-cli", targets: ["OmenDBCLI"]),
        // The SQLite virtual-table module for Swift programs (docs/sql.md).
        .library(name: "OmenSQL", targets: ["OmenSQL"]),
        // libomendb_sql.so: omendb_sql_register (include/omendb_sql.h) and a loadable
        // SQLite extension; it contains its own engine (docs/sql.md, "Ways in").
        .library(name: "omendb_sql", type: .dynamic, targets: ["OmenSQLCAPI"]),
        // `omendb-server`: the PostgreSQL wire protocol over OmenSQL (docs/server.md).
        .executable(name: "omendb-server", targets: ["OmenServerMain"]),
    ],
    dependencies: [
        // Only the command-line tool uses it: the OmenDB product stays dependency-free.
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // Only the server uses these (docs/server.md).
        .package(url: "https://github.com/apple/swift-nio", from: "2.65.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
    ],
    targets: [
        // A few lines of C that Swift cannot express portably (thread-local storage, relaxed atomics on raw buffers).
        .target(name: "COmenDBShim", path: "Sources/COmenDBShim"),
        // The engine: learned indexes, storage, transactions. No C-ABI concerns.
        .target(
            name: "OmenDB",
            dependencies: ["COmenDBShim"],
            path: "Sources/OmenDB"
        ),
        // The thin C-API layer: handles, status codes and pointers in, engine calls out.
        .target(
            name: "OmenDBCAPI",
            dependencies: ["OmenDB", "COmenDBShim"],
            path: "Sources/OmenDBCAPI",
            exclude: ["omendb.map", "README.md"],
            linkerSettings: [
                .unsafeFlags([
                    // Self-contained .so: no Swift runtime needed on the target machine.
                    "-static-stdlib", "-use-ld=lld",
                    "-Xlinker", "-soname", "-Xlinker", "libomendb.so.\(abiMajor)",
                    // Export only the documented omendb_* symbols.
                    "-Xlinker", "--version-script=\(Context.packageDirectory)/Sources/OmenDBCAPI/omendb.map",
                    "-Xlinker", "-z", "-Xlinker", "noexecstack",
                ])
            ]
        ),
        // The `omendb` executable: stat, dump, load, verify, compact (docs/cli.md). Its
        // linker flag is allowed here because no library product contains this target;
        // it makes the tool run without the Swift runtime installed.
        .executableTarget(
            name: "OmenDBCLI",
            dependencies: ["OmenDB", "OmenSQL", "CSQLite", "CEditLine",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/OmenDBCLI",
            linkerSettings: [
                .unsafeFlags(["-static-stdlib"]),
                // ArgumentParser uses FoundationEssentials, whose static archive needs these two.
                .linkedLibrary("_FoundationCollections"), .linkedLibrary("_FoundationCShims"),
            ]
        ),
        // Debian's libsqlite3 (libsqlite3-dev), found through pkg-config.
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        // Debian's libedit (libedit-dev): line editing and history for `omendb sql`.
        .systemLibrary(name: "CEditLine", path: "Sources/CEditLine", pkgConfig: "libedit",
                       providers: [.apt(["libedit-dev"])]),
        // The SQLite virtual-table module `omendb` (docs/sql.md).
        .target(name: "OmenSQL", dependencies: ["OmenDB", "CSQLite"], path: "Sources/OmenSQL"),
        // The C entry points of libomendb_sql.so (include/omendb_sql.h).
        .target(
            name: "OmenSQLCAPI",
            dependencies: ["OmenSQL", "CSQLite"],
            path: "Sources/OmenSQLCAPI",
            exclude: ["omendb_sql.map"],
            linkerSettings: [
                .unsafeFlags([
                    "-static-stdlib", "-use-ld=lld",
                    "-Xlinker", "-soname", "-Xlinker", "libomendb_sql.so.\(abiMajor)",
                    "-Xlinker", "--version-script=\(Context.packageDirectory)/Sources/OmenSQLCAPI/omendb_sql.map",
                    "-Xlinker", "-z", "-Xlinker", "noexecstack",
                ])
            ]
        ),
        // The PostgreSQL-protocol server as a library (the executable and the tests use it).
        .target(
            name: "OmenServer",
            dependencies: ["OmenDB", "OmenSQL", "CSQLite",
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                           .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "Logging", package: "swift-log")],
            path: "Sources/OmenServer"
        ),
        // The `omendb-server` executable (docs/server.md); -static-stdlib as for the CLI.
        .executableTarget(
            name: "OmenServerMain",
            dependencies: ["OmenServer",
                           .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "Logging", package: "swift-log")],
            path: "Sources/OmenServerMain",
            linkerSettings: [
                .unsafeFlags(["-static-stdlib"]),
                .linkedLibrary("_FoundationCollections"), .linkedLibrary("_FoundationCShims"),
                // swift-crypto imports Foundation, whose static archive needs these.
                .linkedLibrary("CoreFoundation"), .linkedLibrary("_FoundationICU"),
            ]
        ),
        // The seeded generator every test target draws its random cases from.
        .target(name: "OmenTestSupport", path: "Tests/OmenTestSupport"),
        .testTarget(
            name: "OmenServerTests",
            dependencies: ["OmenServer", "OmenSQL", "OmenDB", "CSQLite", "OmenTestSupport",
                           .product(name: "NIOCore", package: "swift-nio")],
            path: "Tests/OmenServerTests"
        ),
        .testTarget(
            name: "OmenSQLTests",
            dependencies: ["OmenSQL", "OmenDB", "CSQLite", "OmenTestSupport"],
            path: "Tests/OmenSQLTests"
        ),
        .testTarget(
            name: "OmenDBTests",
            dependencies: ["OmenDB", "OmenTestSupport"],
            path: "Tests/OmenDBTests",
            // Database files written by older engine versions (read by the compatibility tests).
            exclude: ["Fixtures"]
        ),
    ],
    swiftLanguageModes: [.v5]
)
