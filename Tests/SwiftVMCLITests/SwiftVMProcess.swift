import Foundation
import Testing
import TestSupport

/// Runs the built `swiftvm` binary (it sits beside the test bundle in the build directory).
struct SwiftVMProcess {
    static let binary: String = {
        let testBundle = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: testBundle).deletingLastPathComponent().appendingPathComponent("swiftvm").path
    }()
    static let kernels = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("TestGuests/build").path
    static let kvmUsable = access("/dev/kvm", R_OK | W_OK) == 0
    static let kvmReason: Comment = "needs a usable /dev/kvm (absent or no permission on this host)"

    typealias Output = TestProcess.Output

    static func run(_ arguments: [String]) throws -> Output { try TestProcess.run(binary, arguments) }

    static func kernel(_ name: String) -> String { "\(kernels)/\(name).elf" }
}
