import Foundation
import Testing

/// Reports survive faults: a VMM killed under tck, a report directory whose disk is full.
/// (Ctrl-C: TCKRunTests.ctrlCWritesAPartialReport.)
@Suite(.enabled(if: TCKProcess.kvmUsable, TCKProcess.kvmReason))
struct ReportFaultTests {
    /// SIGKILL to the swiftvm running `hang`: that test is an `error` naming the signal, the run goes
    /// on to the next test, and the report is complete (not partial).
    @Test func aKilledVMMIsAnErrorAndTheRunGoesOn() throws {
        // A spinning hang: swiftvm ends cli;hlt at once as a deadlock, before the kill could land.
        let scratch = try Scratch(catalog: "[hello]\n[hang]\ncmdline = spin\ntimeout = 30s\nexpect = timeout\n[hello-after]\nkernel = hello\n")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TCKProcess.buildDirectory + "/tck")
        process.arguments = ["run", "--catalog", scratch.catalogPath, "--kernels", TCKProcess.kernels,
                             "--report-dir", scratch.reports("r")]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()

        var victim: pid_t?
        for _ in 0..<200 where victim == nil {      // up to 10 s
            victim = Self.children(of: process.processIdentifier).first { Self.commandLine(of: $0).contains("/hang.elf") }
            if victim == nil { usleep(50_000) }
        }
        if victim == nil { process.terminate() }
        let killed = try #require(victim, "no swiftvm child running hang.elf appeared under tck")
        usleep(200_000)                             // let it reach KVM_RUN
        #expect(kill(killed, SIGKILL) == 0)

        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        _ = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 1, "tck: \(stderr)")
        #expect(try scratch.outcomes("r") == ["swiftvm/hello": "pass", "swiftvm/hang": "error", "swiftvm/hello-after": "pass"])
        let results = try scratch.results("r")
        #expect(results["partial"] as? Bool == false)
        let hang = (results["results"] as? [[String: Any]] ?? []).first { $0["test"] as? String == "hang" }
        let reason = hang?["reason"] as? String ?? ""
        #expect(reason.contains("signal 9"), "reason: \(reason)")
        #expect(stderr.contains("UNEXPECTED error swiftvm/hang"))
        for file in ["junit.xml", "report.html"] {
            #expect(FileManager.default.fileExists(atPath: scratch.reports("r") + "/" + file))
        }
    }

    /// The report directory on a 64 KiB tmpfs. First a good report; then the disk is filled until only
    /// two pages are free (room for the new results.json and junit.xml, not report.html), then
    /// completely: each time tck exits 2 naming the file and the reason, and the earlier report is
    /// byte for byte what it was, with no temporary files left behind.
    @Test(.enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func aFullDiskKeepsTheEarlierReport() throws {
        let scratch = try Scratch(catalog: "[hello]\n")
        let dir = scratch.reports("tiny")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: "/bin/mount")
        mount.arguments = ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir]
        mount.standardError = FileHandle.nullDevice
        try mount.run()
        mount.waitUntilExit()
        if mount.terminationStatus != 0 { try Test.cancel("mount -t tmpfs failed (no mount permission in this container?)") }
        defer { umount2(dir, Int32(MNT_DETACH)) }

        #expect(try scratch.run("tiny").status == 0)
        let files = ["junit.xml", "report.html", "results.json"]
        let before = try files.map { try Data(contentsOf: URL(fileURLWithPath: dir + "/" + $0)) }
        let page = 4096

        for (round, leave) in [2 * page, 0].enumerated() {
            var fs = statvfs()
            #expect(statvfs(dir, &fs) == 0)
            let free = Int(fs.f_bavail) * Int(fs.f_frsize)
            let filler = FileManager.default.createFile(atPath: dir + "/filler-\(round)",
                                                        contents: Data(count: max(0, free - leave)))
            #expect(filler)
            if leave == 0 { Self.fillUp(dir + "/filler-last") }

            let output = try scratch.run("tiny")
            #expect(output.status == 2, "round \(round): \(output.stderr)")
            #expect(output.stderr.contains("could not write reports to \(dir)"))
            #expect(output.stderr.contains("No space left on device"))
            let after = try files.map { try Data(contentsOf: URL(fileURLWithPath: dir + "/" + $0)) }
            #expect(after == before, "round \(round): the earlier report changed")
            let listing = try FileManager.default.contentsOfDirectory(atPath: dir)
            #expect(!listing.contains { $0.hasSuffix(".tmp") }, "leftovers: \(listing)")
        }
    }

    /// Appends until the file system says ENOSPC.
    static func fillUp(_ path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let block = [UInt8](repeating: 0, count: 1024)
        while block.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) > 0 {}
    }

    /// Processes whose parent is `parent` (from /proc/<pid>/stat).
    static func children(of parent: pid_t) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { pid_t($0) }.filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            // After "pid (comm)": state, ppid, …
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && pid_t(fields[1]) == parent
        }
    }

    static func commandLine(of pid: pid_t) -> String {
        let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data()
        return String(decoding: data.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
    }
}
