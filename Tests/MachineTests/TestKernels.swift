import Foundation
import Testing
@testable import Machine

/// The TestGuests kernels (built by `make -C TestGuests`, which `make test` runs first) and a one-call boot.
enum TestKernels {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    static let buildDirectory = packageRoot + "/TestGuests/build"

    static let kvmUsable = access("/dev/kvm", R_OK | W_OK) == 0
    static let kvmReason: Comment = "needs a usable /dev/kvm (absent or no permission on this host)"

    /// `build/<name>.elf` (PVH + Multiboot), or `build/pvh/<name>.elf` (PVH only).
    static func path(_ name: String, pvhOnly: Bool = false) throws -> String {
        let path = buildDirectory + (pvhOnly ? "/pvh/" : "/") + name + ".elf"
        guard FileManager.default.fileExists(atPath: path) else {
            throw KernelMissing(path: path)
        }
        return path
    }

    struct KernelMissing: Error, CustomStringConvertible {
        let path: String
        var description: String { "\(path) is not built; run `make -C TestGuests` (make test does)" }
    }

    static func boot(_ name: String, timeout: Double = 20, _ configure: (inout MachineConfiguration) -> Void = { _ in }) throws -> RunResult {
        var configuration = MachineConfiguration(kernelPath: try path(name))
        configuration.testdev = true
        configure(&configuration)
        return try Machine(configuration).run(timeout: timeout)
    }

    static func temporaryFile(_ bytes: [UInt8]) throws -> String {
        let path = NSTemporaryDirectory() + "swiftvm-test-\(UUID().uuidString)"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }
}

extension RunResult {
    var text: String { String(decoding: console, as: UTF8.self) }
    var lines: [Substring] { text.split(separator: "\n") }
}
