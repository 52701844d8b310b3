// swift-tools-version:6.0
//
// A Swift program that embeds OmenDB directly (no C layer). It depends on the
// repository by path; scripts/test.sh (suite swift_consumer) also builds it with the
// dependency rewritten to a versioned one (`.package(url:from:)`), which SwiftPM
// allows only because the OmenDB product carries no unsafeFlags.
import PackageDescription

let package = Package(
    name: "omendb-swift-demo",
    dependencies: [
        .package(name: "OmenDB", path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "omendb-swift-demo",
            dependencies: [.product(name: "OmenDB", package: "OmenDB")]
        ),
    ]
)
