// swift-tools-version:6.0
//
// OmenDB's libFuzzer targets, in a package of their own so that the root package's
// `swift build` / `swift test` never see fuzzing flags. run.sh builds it with
//   swift build -c release -Xswiftc -enable-testing -Xswiftc -sanitize=fuzzer,address
// (the engine is then coverage-instrumented and under ASan too); the targets reach
// engine internals through `@testable import OmenDB`. See docs/reliability.md, "Fuzzing".
import PackageDescription

let omendb = Target.Dependency.product(name: "OmenDB", package: "OmenDB")
/// The toolchain's lld: gold fails on the instrumented objects.
let linker: [LinkerSetting] = [.unsafeFlags(["-use-ld=lld"])]
let targets = ["fuzz-wal", "fuzz-manifest", "fuzz-run", "fuzz-index", "fuzz-map", "fuzz-database"]

let package = Package(
    name: "OmenDBFuzz",
    dependencies: [.package(name: "OmenDB", path: "../..")],
    targets: [
        .target(name: "CLibFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer", omendb]),
        // Writes the seed corpora from files the engine writes (run.sh --seeds).
        .executableTarget(name: "fuzz-seeds", dependencies: ["FuzzSupport", omendb], linkerSettings: linker),
    ] + targets.map { .executableTarget(name: $0, dependencies: ["FuzzSupport", omendb], linkerSettings: linker) },
    swiftLanguageModes: [.v5]
)
