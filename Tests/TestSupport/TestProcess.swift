import Foundation

/// Runs a program to the end for a test: the one way the test targets start a tool (qemu-img, iasl, the
/// built swiftvm) and read what it printed.
public enum TestProcess {
    public struct Output: Sendable {
        public let status: Int32
        public let stdout: String
        /// Empty when `mergingStderr`: it went to `stdout`, interleaved as printed.
        public let stderr: String
    }

    public static func run(_ executable: String, _ arguments: [String], in directory: String? = nil,
                           mergingStderr: Bool = false) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = mergingStderr ? out : err
        try process.run()
        // Read to EOF before waiting: a child holding our pipes open would show up here as a hang.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = mergingStderr ? Data() : err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// The first `tool` on PATH (as the kit's drivers find QEMU and iasl), or nil.
    public static func which(_ tool: String) -> String? {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map { "\($0)/\(tool)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
