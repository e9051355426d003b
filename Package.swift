// swift-tools-version:6.0
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Depot",
    products: [
        .executable(name: "depot", targets: ["depot"])
    ],
    targets: [
        // C libraries from Debian, each behind a system-library target with a tiny shim.
        .systemLibrary(name: "CFastCGI", pkgConfig: "fcgi", providers: [.apt(["libfcgi-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CPostgres", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CQRencode", pkgConfig: "libqrencode", providers: [.apt(["libqrencode-dev"])]),
        .systemLibrary(name: "CVips", pkgConfig: "vips", providers: [.apt(["libvips-dev"])]),
        // glibc's <malloc.h> (arena cap, trim), which the Glibc module does not export.
        .systemLibrary(name: "CMalloc"),
        .systemLibrary(name: "CLinux"),

        // Pure logic: no C library, no I/O (Foundation and libc's time functions only).
        .target(name: "DepotCore", swiftSettings: swiftSettings),
        // Every C and OS boundary.
        .target(
            name: "DepotSystem",
            dependencies: ["DepotCore", "CFastCGI", "CSQLite", "CZlib", "CCrypto", "CCurl", "CQRencode", "CPostgres", "CVips", "CMalloc", "CLinux"],
            swiftSettings: swiftSettings
        ),
        // Routes, handlers, configuration, error -> HTTP status.
        .target(name: "DepotApp", dependencies: ["DepotCore", "DepotSystem"], swiftSettings: swiftSettings),
        .executableTarget(name: "depot", dependencies: ["DepotApp", "DepotSystem"], swiftSettings: swiftSettings),

        // Test-only: a FastCGI client written from the specification, and a process harness.
        // Deliberately does not depend on DepotCore, so a bug shared with Core cannot cancel itself out.
        .target(name: "FastCGITestSupport", swiftSettings: swiftSettings),

        .testTarget(name: "DepotCoreTests", dependencies: ["DepotCore"], swiftSettings: swiftSettings),
        .testTarget(name: "DepotSystemTests", dependencies: ["DepotSystem", "DepotCore"], swiftSettings: swiftSettings),
        .testTarget(name: "DepotAppTests", dependencies: ["DepotApp", "DepotCore", "DepotSystem"], swiftSettings: swiftSettings),
        .testTarget(
            name: "DepotIntegrationTests",
            dependencies: ["FastCGITestSupport"],
            swiftSettings: swiftSettings
        ),
    ]
)
