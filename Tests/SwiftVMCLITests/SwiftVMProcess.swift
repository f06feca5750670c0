import Foundation
import Testing

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

    struct Output {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static func run(_ arguments: [String]) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read to EOF before waiting: a child holding our pipes open would show up here as a hang.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func kernel(_ name: String) -> String { "\(kernels)/\(name).elf" }
}
