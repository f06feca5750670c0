// swift-tools-version:6.0
import PackageDescription

// The functions a swiftvm run executes, in one contiguous stretch of .text: the executable is 14 MB of
// code, and each first touch of a 64 KiB stretch of it is a page fault (~2.5 µs on these hosts). A hello
// run took ~93 of them scattered over the stdlib, the runtime and our modules, and takes ~33 with the
// order (benchmarks/README.md, "Sixth pass"). Every function needs a section of its own to be movable:
// `-function-sections` for swiftvm's modules; the static stdlib already has them. The data the run
// touches follows the functions in the same file: each module's .data/.bss (lazy metadata caches,
// one-time tokens, static arrays) then sits in a few pages, whose first writes are copy-on-write faults
// (226 → 182 faults a run; "Tenth pass"). A name the file lists that the build no longer has is skipped,
// so a stale file costs only speed: `make startup-order` (a single-stepping trace of hello, and its loads
// and stores under valgrind) writes it anew. With SWIFTVM_LINK_MAP=path the link also writes its map,
// which that script reads for section sizes. SwiftPM does not relink for a changed order file alone.
let startupOrder = ["-use-ld=lld",
                    "-Xlinker", "--symbol-ordering-file=\(Context.packageDirectory)/Sources/swiftvm/startup.order",
                    "-Xlinker", "--no-warn-symbol-ordering"]
    + (Context.environment["SWIFTVM_LINK_MAP"].map { ["-Xlinker", "-Map=\($0)", "-Xlinker", "--no-demangle"] } ?? [])

let package = Package(
    name: "swiftvm-tck",
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C floor: only what Swift cannot import by itself (ioctl request numbers).
        .target(name: "CKVM"),
        // Starting a child that dies with the runner (fork, PR_SET_PDEATHSIG, execve): ChildProcess.
        .target(name: "CProcess"),
        .systemLibrary(name: "CLibELF", pkgConfig: "libelf", providers: [.apt(["libelf-dev"])]),
        // The system zlib, for qcow2's compressed clusters (docs/qcow2.md says why not a package).
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        .target(name: "KVM", dependencies: ["CKVM"]),
        .target(name: "GuestMemory"),
        .target(name: "Boot", dependencies: ["GuestMemory", "CLibELF"]),
        .target(name: "Devices", dependencies: ["GuestMemory", "Snapshot"]),
        // Disk contents at byte offsets (raw images; qcow2 later), for virtual disks to read and write.
        .target(name: "BlockBackends"),
        // qcow2 v2/v3 images behind BlockBackend: L1/L2, refcounts, backing chains, compressed clusters.
        .target(name: "QCOW2", dependencies: ["BlockBackends", "CZlib"]),
        // Virtio: split virtqueues over GuestMemory, virtio-blk, the modern virtio-pci register model.
        .target(name: "Virtio", dependencies: ["GuestMemory", "Devices", "BlockBackends", "Snapshot"]),
        .target(name: "Quantities"),
        // The snapshot file (save/restore): header, sections, field codec, sparse guest memory (docs/snapshot-format.md).
        .target(name: "Snapshot", dependencies: ["CZlib", "BlockBackends"]),
        // Names of CPUID feature bits: machine types build CPUs from them, ABI diffs speak in them.
        .target(name: "CPUFeatures"),
        // ACPI tables and AML as bytes; the Machine module places them in guest memory.
        .target(name: "ACPI"),
        .target(name: "Machine", dependencies: ["CProcess", "KVM", "GuestMemory", "Boot", "Devices", "CPUFeatures", "ACPI", "Virtio", "BlockBackends", "QCOW2",
                                                "Snapshot"]),
        // A static executable: no dynamic loader, no relocations at start (a run of hello takes ~375
        // page faults instead of ~630, and ~3.5 ms less; benchmarks/README.md). tck, run once a suite,
        // stays dynamic (its Foundation does not link statically here). Linked by lld with the functions a
        // run executes placed together (`startupOrder` below).
        .executableTarget(name: "swiftvm", dependencies: [
            "Machine", "KVM", "Boot", "Devices", "Quantities", "QCOW2", "BlockBackends", "Snapshot",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], exclude: ["startup.order"],
        linkerSettings: [.unsafeFlags(["-static-executable"] + startupOrder, .when(configuration: .release))]),

        // The conformance kit: catalog, result protocol, drivers, runner (TCK); report writers (Reports).
        .target(name: "TCK", dependencies: ["Quantities", "ABI", "CProcess", "QCOW2", "BlockBackends"]),
        // syncfs(2) for AtomicFile, which Swift's Glibc module does not declare.
        .target(name: "CFileSync"),
        .target(name: "Reports", dependencies: ["TCK", "ABI", "CFileSync"]),
        // Guest-visible ABI: probe records → canonical fingerprints → semantic diffs.
        .target(name: "ABI", dependencies: ["CPUFeatures"]),
        .executableTarget(name: "tck", dependencies: [
            "TCK", "Reports", "ABI", "Quantities",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "KVMTests", dependencies: ["KVM", "GuestMemory", "RealModeGuest"]),
        // A one-vCPU real-mode VM running a few hand-assembled instructions (KVMTests, MachineTests).
        .target(name: "RealModeGuest", dependencies: ["KVM", "GuestMemory"], path: "Tests/RealModeGuest"),
        .testTarget(name: "GuestMemoryTests", dependencies: ["GuestMemory"]),
        .testTarget(name: "QuantitiesTests", dependencies: ["Quantities"]),
        .testTarget(name: "ACPITests", dependencies: ["ACPI", "TestSupport"]),
        .testTarget(name: "BootTests", dependencies: ["Boot", "GuestMemory"], resources: [.copy("Fixtures")]),
        .testTarget(name: "DevicesTests", dependencies: ["Devices", "GuestMemory", "Snapshot"]),
        .testTarget(name: "BlockBackendsTests", dependencies: ["BlockBackends"]),
        // Judged by the real qemu-img (skipped, with the reason, when it is not installed).
        .testTarget(name: "QCOW2Tests", dependencies: ["QCOW2", "BlockBackends", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "VirtioTests", dependencies: ["Virtio", "GuestMemory", "Devices", "BlockBackends", "TestSupport", "Snapshot"]),
        .testTarget(name: "SnapshotTests", dependencies: ["Snapshot", "TestSupport"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "TCK"]),
        // Seeded randomness for the tests that use it (SplitMix64, a printed seed, TEST_SEED to replay).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "TCKTests", dependencies: ["TCK", "ABI", "TestSupport", "QCOW2"]),
        // Counts heap allocations per thread (interposes malloc in the test executable): the exit path's proof.
        .target(name: "AllocationCounter", path: "Tests/AllocationCounter"),
        .testTarget(name: "MachineTests", dependencies: ["Machine", "CProcess", "KVM", "Devices", "Boot", "GuestMemory", "CPUFeatures", "AllocationCounter", "Snapshot", "RealModeGuest"],
                    resources: [.copy("Fixtures")]),
        // Runs the built swiftvm binary; depending on it makes `swift build --build-tests` build it first.
        .testTarget(name: "SwiftVMCLITests", dependencies: ["swiftvm", "TestSupport", "Snapshot"], resources: [.copy("Fixtures")]),
        // Runs the built tck binary (and through it swiftvm and qemu) on temporary catalogs.
        .testTarget(name: "TCKCLITests", dependencies: ["tck", "swiftvm", "TestSupport"]),
        .testTarget(name: "ABITests", dependencies: ["ABI", "CPUFeatures", "Reports", "TCK", "TestSupport"], resources: [.copy("Fixtures")]),
    ]
)

// swiftvm's modules reach generic metadata (Set<String>, [PCIAddress: PCIFunction], …) through direct
// accessors, not mangled names: a mangled name is resolved at run time, and each first use of one then
// scans every conformance record of the static binary (~3,000) for its Hashable witness — 16 scans,
// ~48,000 records, in a hello run (benchmarks/README.md, "Fourth pass").
let swiftvmModules: Set<String> = ["KVM", "GuestMemory", "Boot", "Devices", "BlockBackends", "QCOW2", "Virtio", "Quantities",
                                   "Snapshot", "CPUFeatures", "ACPI", "Machine", "swiftvm"]
for target in package.targets where swiftvmModules.contains(target.name) {
    target.swiftSettings = (target.swiftSettings ?? [])
        + [.unsafeFlags(["-Xfrontend", "-disable-concrete-type-metadata-mangled-name-accessors",
                         "-Xfrontend", "-function-sections"], .when(configuration: .release))]
}
