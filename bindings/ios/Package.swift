// swift-tools-version:5.9
// AjarCore: Ajar's Rust client core for iOS as a Swift package — the uniffi-generated Swift
// (Sources/AjarCore/AjarCore.swift), the static library and its C header in AjarFFI.xcframework
// (both produced by build-xcframework.sh, gitignored), and KeychainSecretStore.
import PackageDescription

let package = Package(
    name: "AjarCore",
    platforms: [.iOS(.v16)],
    products: [
        .library(name: "AjarCore", targets: ["AjarCore"]),
    ],
    targets: [
        .binaryTarget(name: "AjarFFI", path: "AjarFFI.xcframework"),
        .target(
            name: "AjarCore",
            dependencies: ["AjarFFI"],
            path: "Sources/AjarCore",
            linkerSettings: [
                // The Keychain, for KeychainSecretStore (and the core's keyring dependency).
                .linkedFramework("Security"),
            ]
        ),
    ]
)
