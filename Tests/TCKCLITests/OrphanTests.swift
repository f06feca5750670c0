import Foundation
import Testing

/// Every VMM dies with tck: SIGKILL leaves tck no chance to clean up, so its children must carry a
/// parent-death signal (ChildProcess starts them through CProcess).
@Suite(.enabled(if: TCKProcess.kvmUsable, TCKProcess.kvmReason))
struct OrphanTests {
    /// A process as seen in /proc/<pid>/stat; the start time tells it from a later one with the same pid.
    struct Seen: Hashable, CustomStringConvertible {
        let pid: pid_t
        let command: String
        let startTime: String

        var description: String { "\(pid) (\(command))" }

        /// Still running: the same process is there and not a zombie (a dead child of a reaper that
        /// has not collected it yet counts as gone).
        var isRunning: Bool {
            guard let now = Self.stat(pid) else { return false }
            return now.startTime == startTime && now.state != "Z" && now.state != "X"
        }

        static func stat(_ pid: pid_t) -> (ppid: pid_t, command: String, state: String, startTime: String)? {
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")") else { return nil }
            // After "pid (comm)": state (field 3), ppid (4), … starttime (22).
            let fields = text[text.index(after: close)...].split(separator: " ")
            guard fields.count > 19, let ppid = pid_t(fields[1]) else { return nil }
            return (ppid, String(text[text.index(after: open)..<close]), String(fields[0]), String(fields[19]))
        }

        static func children(of parent: pid_t) -> [Seen] {
            ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap(pid_t.init).compactMap { pid in
                guard let stat = stat(pid), stat.ppid == parent else { return nil }
                return Seen(pid: pid, command: stat.command, startTime: stat.startTime)
            }
        }
    }

    /// The running children whose command line boots hang.elf, as seen after their exec: a child seen
    /// between fork and exec was recorded under tck's name, and that record is not the VMM's.
    static func bootingHang(_ children: Set<Seen>) -> [Seen] {
        children.filter { child in
            let cmdline = FileManager.default.contents(atPath: "/proc/\(child.pid)/cmdline") ?? Data()
            return child.isRunning && Seen.stat(child.pid)?.command == child.command
                && String(decoding: cmdline, as: UTF8.self).contains("/hang.elf")
        }
    }

    /// `tck run --jobs 2` of `hang` (30 s) on swiftvm and QEMU, SIGKILLed once both VMMs run (and at
    /// least 1.5 s in): 1 s later none of its children is left.
    @Test func killingTckLeavesNoVMMRunning() throws {
        let drivers = TCKProcess.qemuInstalled ? ["swiftvm", "qemu"] : ["swiftvm"]
        // A spinning hang: swiftvm would end cli;hlt at once as a deadlock.
        let scratch = try Scratch(catalog: "[hang]\ncmdline = spin\ntimeout = 30s\nexpect = timeout\n")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TCKProcess.buildDirectory + "/tck")
        process.arguments = ["run", "--catalog", scratch.catalogPath, "--kernels", TCKProcess.kernels,
                             "--report-dir", scratch.reports("r"), "--jobs", "2"] + drivers.flatMap { ["--driver", $0] }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let start = Date()
        try process.run()
        let tck = process.processIdentifier
        var seen = Set<Seen>()
        defer {
            // Whatever the outcome, leave nothing running.
            if process.isRunning { kill(tck, SIGKILL) }
            for leftover in seen where leftover.isRunning { kill(leftover.pid, SIGKILL) }
        }

        // A VMM is recognised once it has exec'd (its name and command line are tck's until then);
        // comm is cut at 15 characters.
        let vmmNames: Set<String> = drivers.contains("qemu") ? ["swiftvm", "qemu-system-x86"] : ["swiftvm"]
        for _ in 0..<300 {                                            // up to 15 s
            seen.formUnion(Seen.children(of: tck))
            if Set(Self.bootingHang(seen).map(\.command)) == vmmNames,
               Date().timeIntervalSince(start) >= 1.5 { break }
            usleep(50_000)
        }
        seen.formUnion(Seen.children(of: tck))
        // Also seen: the pre-flight's short-lived `swiftvm check` and `qemu --version`.
        let vmms = Self.bootingHang(seen)
        #expect(Set(vmms.map(\.command)) == vmmNames, "children seen under tck: \(seen)")

        #expect(kill(tck, SIGKILL) == 0)
        // Not process.waitUntilExit(): Foundation learns of the exit through a descriptor tck inherited,
        // and a leaked copy of it in an orphan would block that wait as long as the orphan lives.
        for _ in 0..<100 where Seen.stat(tck).map({ $0.state != "Z" }) ?? false { usleep(50_000) }
        #expect(Seen.stat(tck).map { $0.state == "Z" } ?? true, "tck did not die of SIGKILL")
        usleep(1_000_000)
        let left = seen.filter { $0.isRunning }
        #expect(left.isEmpty, "still running 1 s after tck was killed: \(left)")
    }
}
