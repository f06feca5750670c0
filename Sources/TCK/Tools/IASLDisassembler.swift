import ABI
import Foundation

/// ACPICA's `iasl -d` as the ABI diff's disassembler, run through the kit's one child-process runner.
///
/// The table bytes come from a guest: iasl runs in a private temporary directory, with a time limit, and
/// whatever it prints or fails to print only ever becomes text in a report.
public struct IASLDisassembler: ASLDisassembler {
    public static let timeoutSeconds = 20.0
    /// A disassembly larger than this is not read (a captured table is at most a few KiB of AML).
    public static let maximumOutputBytes = 16 << 20

    public let path: String

    public init(path: String) { self.path = path }

    /// The iasl to use: `$TCK_IASL` when set (empty disables the ASL diff), else the first on `$PATH`.
    public static func find(environment: [String: String] = ProcessInfo.processInfo.environment) -> IASLDisassembler? {
        if let configured = environment["TCK_IASL"] {
            return configured.isEmpty || !FileManager.default.isExecutableFile(atPath: configured) ? nil : IASLDisassembler(path: configured)
        }
        for directory in (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/iasl"
            if FileManager.default.isExecutableFile(atPath: candidate) { return IASLDisassembler(path: candidate) }
        }
        return nil
    }

    public func disassemble(_ table: [UInt8]) -> String? {
        let directory = NSTemporaryDirectory() + "tck-aml-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false,
                                                    attributes: [.posixPermissions: 0o700])
            try Data(table).write(to: URL(fileURLWithPath: directory + "/table.dat"))
        } catch {
            return nil
        }
        // -p names the output file, so iasl needs no working directory of its own.
        let run = ChildProcess(executable: path, arguments: ["-p", directory + "/table", "-d", directory + "/table.dat"],
                               timeoutSeconds: Self.timeoutSeconds).run()
        guard case .exited(0) = run.ending,
              let attributes = try? FileManager.default.attributesOfItem(atPath: directory + "/table.dsl"),
              let size = attributes[.size] as? Int, size <= Self.maximumOutputBytes,
              let data = FileManager.default.contents(atPath: directory + "/table.dsl") else { return nil }
        return Self.withoutLeadingComment(String(decoding: data, as: UTF8.self))
    }

    static func withoutLeadingComment(_ text: String) -> String {
        let trimmed = text.drop { $0.isWhitespace }
        guard trimmed.hasPrefix("/*"), let end = trimmed.range(of: "*/") else { return text }
        return String(trimmed[end.upperBound...].drop { $0 == "\n" })
    }
}
