import Foundation
import Testing
import TestSupport

/// Runs the built `tck` binary (beside the test bundle, with `swiftvm`) on temporary catalogs.
struct TCKProcess {
    static let buildDirectory: String = {
        let testBundle = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: testBundle).deletingLastPathComponent().path
    }()
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let kernels = packageRoot + "/TestGuests/build"
    static let kvmUsable = access("/dev/kvm", R_OK | W_OK) == 0
    static let kvmReason: Comment = "needs a usable /dev/kvm (absent or no permission on this host)"
    /// Found where the qemu driver looks: on PATH.
    static let qemuInstalled = onPath("qemu-system-x86_64")
    static let qemuReason: Comment = "needs qemu-system-x86_64 on PATH (apt-get install qemu-system-x86)"
    static let iaslInstalled = onPath("iasl")

    static func onPath(_ tool: String) -> Bool { TestProcess.which(tool) != nil }

    struct Output {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static func run(_ arguments: [String], interruptAfter: Double? = nil) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: buildDirectory + "/tck")
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: packageRoot)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        if let interruptAfter {
            Thread.sleep(forTimeInterval: interruptAfter)
            kill(process.processIdentifier, SIGINT)
        }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }
}

/// A scratch directory with a catalog in it, removed at the end of the test.
final class Scratch {
    let path: String

    init(catalog: String) throws {
        path = NSTemporaryDirectory() + "tck-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try catalog.write(toFile: catalogPath, atomically: true, encoding: .utf8)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    var catalogPath: String { path + "/suite.cfg" }
    func reports(_ name: String) -> String { path + "/" + name }

    /// `tck run` on this catalog, writing to reports(name).
    func run(_ name: String, _ extra: [String] = [], interruptAfter: Double? = nil) throws -> TCKProcess.Output {
        try TCKProcess.run(["run", "--catalog", catalogPath, "--kernels", TCKProcess.kernels, "--report-dir", reports(name)] + extra,
                           interruptAfter: interruptAfter)
    }

    func results(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: reports(name) + "/results.json"))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    func outcomes(_ name: String) throws -> [String: String] {
        let results = try self.results(name)["results"] as? [[String: Any]] ?? []
        return Dictionary(uniqueKeysWithValues: results.map { ("\($0["driver"]!)/\($0["test"]!)", "\($0["outcome"]!)") })
    }
}
