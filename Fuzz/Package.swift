// swift-tools-version:5.4
// The fuzz targets of swiftvm-tck (libFuzzer + AddressSanitizer). Build and run with `Fuzz/run.sh`
// (or `make fuzz`); README.md beside this file says how to reproduce a crash.
//
// Two deliberate departures from the main package:
// - The modules under test are compiled from the main package's own sources through the symlinks in
//   Modules/ (the main package exports no library products, so `.package(path: "..")` could not name
//   them). The same files, instrumented for coverage here, unchanged there.
// - Tools version 5.4, language mode 6: from 5.5 on, SwiftPM renames an executable's entry point to
//   `<module>_main` so tests can link it, and a libFuzzer target has no Swift entry point (libFuzzer
//   brings `main`), so the link fails. 5.4 leaves `main` alone.
import PackageDescription

let package = Package(
    name: "swiftvm-tck-fuzz",
    targets: [
        // The main package's modules (symlinked sources), with its dependencies: `make test-graph`
        // (scripts/check-module-graph.py) fails when they drift from ../Package.swift.
        .target(name: "CKVM", path: "Modules/CKVM"),
        .target(name: "CProcess", path: "Modules/CProcess"),
        .systemLibrary(name: "CLibELF", path: "Modules/CLibELF", pkgConfig: "libelf"),
        .systemLibrary(name: "CZlib", path: "Modules/CZlib", pkgConfig: "zlib"),
        .target(name: "KVM", dependencies: ["CKVM"], path: "Modules/KVM"),
        .target(name: "GuestMemory", path: "Modules/GuestMemory"),
        .target(name: "Boot", dependencies: ["GuestMemory", "CLibELF"], path: "Modules/Boot"),
        .target(name: "Devices", dependencies: ["GuestMemory", "Snapshot"], path: "Modules/Devices"),
        .target(name: "BlockBackends", path: "Modules/BlockBackends"),
        .target(name: "QCOW2", dependencies: ["BlockBackends", "CZlib"], path: "Modules/QCOW2"),
        .target(name: "Virtio", dependencies: ["GuestMemory", "Devices", "BlockBackends", "Snapshot"], path: "Modules/Virtio"),
        .target(name: "CPUFeatures", path: "Modules/CPUFeatures"),
        .target(name: "ACPI", path: "Modules/ACPI"),
        .target(name: "Machine", dependencies: ["CProcess", "KVM", "GuestMemory", "Boot", "Devices", "CPUFeatures", "ACPI", "Virtio", "BlockBackends", "QCOW2",
                                                "Snapshot"],
                path: "Modules/Machine"),
        .target(name: "Quantities", path: "Modules/Quantities"),
        .target(name: "Snapshot", dependencies: ["CZlib", "BlockBackends"], path: "Modules/Snapshot"),
        .target(name: "ABI", dependencies: ["CPUFeatures"], path: "Modules/ABI"),
        .target(name: "TCK", dependencies: ["Quantities", "ABI", "CProcess", "QCOW2", "BlockBackends"], path: "Modules/TCK"),

        // Input decoding and invariant checks shared by the targets.
        .target(name: "FuzzSupport", dependencies: ["Devices"]),

        // One libFuzzer binary per target; each exports LLVMFuzzerTestOneInput.
        .executableTarget(name: "fuzz-elf", dependencies: ["FuzzSupport", "Boot", "GuestMemory", "Machine"]),
        .executableTarget(name: "fuzz-protocol", dependencies: ["FuzzSupport", "TCK"]),
        .executableTarget(name: "fuzz-catalog", dependencies: ["FuzzSupport", "TCK"]),
        .executableTarget(name: "fuzz-results-json", dependencies: ["FuzzSupport", "TCK"]),
        .executableTarget(name: "fuzz-uart", dependencies: ["FuzzSupport", "Devices"]),
        .executableTarget(name: "fuzz-testdev", dependencies: ["FuzzSupport", "Devices", "GuestMemory"]),
        .executableTarget(name: "fuzz-bus", dependencies: ["FuzzSupport", "Devices", "GuestMemory"]),
        .executableTarget(name: "fuzz-abi", dependencies: ["FuzzSupport", "ABI", "TCK"]),
        .executableTarget(name: "fuzz-acpi", dependencies: ["FuzzSupport", "ACPI"]),
        .executableTarget(name: "fuzz-pc-devices", dependencies: ["FuzzSupport", "Devices"]),
        .executableTarget(name: "fuzz-virtio", dependencies: ["FuzzSupport", "Virtio", "GuestMemory", "BlockBackends", "Devices"]),
        .executableTarget(name: "fuzz-qcow2", dependencies: ["FuzzSupport", "QCOW2", "BlockBackends"]),
        .executableTarget(name: "fuzz-snapshot", dependencies: ["FuzzSupport", "Snapshot"]),
        .executableTarget(name: "fuzz-device-state", dependencies: ["FuzzSupport", "Devices", "Virtio", "GuestMemory", "BlockBackends", "Snapshot"]),
    ],
    swiftLanguageVersions: [.version("6")]
)
