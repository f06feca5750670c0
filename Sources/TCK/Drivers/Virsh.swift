import Foundation

/// libvirt's `virsh` run through the kit's child-process runner: one connection per call, to `uri`.
struct Virsh: Sendable {
    /// Resolved path of the virsh binary.
    let executable: String
    let uri: String

    /// Runs one virsh command line (virsh's own syntax: several commands joined by `;` share one
    /// connection; quote words with `quote`).
    func process(_ commands: String, timeoutSeconds: Double = 60) -> ChildProcess {
        ChildProcess(executable: executable, arguments: ["-c", uri, commands], timeoutSeconds: timeoutSeconds)
    }

    func run(_ commands: String, timeoutSeconds: Double = 60) -> ChildProcess.Result {
        process(commands, timeoutSeconds: timeoutSeconds).run()
    }

    /// A word for virsh's command parser: single-quoted, a quote inside written `'\''` as in sh.
    static func quote(_ word: String) -> String {
        "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// virsh's error lines ("error: …") joined, the prefix dropped; else its whole stderr, trimmed.
    static func errorText(_ result: ChildProcess.Result) -> String {
        let lines = result.stderrText.split(separator: "\n").filter { $0.hasPrefix("error: ") }.map { $0.dropFirst("error: ".count) }
        let text = lines.isEmpty ? result.stderrText.trimmingCharacters(in: .whitespacesAndNewlines) : lines.joined(separator: ": ")
        if !text.isEmpty { return text }
        switch result.ending {
        case .exited(let status): return "virsh exited with status \(status)"
        case .spawnFailed(let code): return "could not start virsh (errno \(code))"
        default: return "virsh did not finish (\(result.ending))"
        }
    }

    /// True when virsh said the domain does not exist (gone already: nothing left to destroy).
    static func saysNoDomain(_ result: ChildProcess.Result) -> Bool {
        let text = result.stderrText
        return text.contains("failed to get domain") || text.contains("Domain not found") || text.contains("domain is not running")
    }
}

/// Domains tck starts are named `tck-<pid>-<sequence>-<test>`: the pid of the process that owns them.
/// They are transient and started with `--autodestroy`, so libvirt destroys them when that process's
/// connection closes (tck killed, even by SIGKILL); a domain whose owner is gone and that is still
/// there (the daemon was restarted meanwhile, say) is destroyed by the next tck's pre-flight sweep.
public enum LibvirtDomainNames {
    public static let prefix = "tck-"

    public static func name(owner: Int32, sequence: Int, test: String) -> String {
        "\(prefix)\(owner)-\(sequence)-\(test)"
    }

    /// The owning pid of a tck domain name; nil for any other domain.
    public static func owner(of name: String) -> Int32? {
        guard name.hasPrefix(prefix) else { return nil }
        let fields = name.dropFirst(prefix.count).split(separator: "-", maxSplits: 2)
        guard fields.count == 3, Int(fields[1]) != nil else { return nil }
        return Int32(fields[0])
    }

    /// The tck domains among `names` whose owner is no longer running.
    public static func leftovers(_ names: [String], isRunning: (Int32) -> Bool) -> [String] {
        names.filter { name in owner(of: name).map { !isRunning($0) } ?? false }
    }

    /// kill(pid, 0): the process exists (EPERM: exists, owned by someone else).
    public static func isRunning(_ pid: Int32) -> Bool {
        pid > 0 && (kill(pid, 0) == 0 || errno == EPERM)
    }
}
