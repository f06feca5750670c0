import Foundation
import Snapshot
import Testing
import TestSupport

/// Save and restore through the command line: a guest asks to be saved (port 0xEC8), a user asks with
/// SIGUSR1 or the control socket; `swiftvm run --restore` resumes the VM in a new process and the guest
/// finishes its checks. Hostile files are refused with status 65 and a line naming the problem.
@Suite(.enabled(if: SwiftVMProcess.kvmUsable, SwiftVMProcess.kvmReason))
struct SwiftVMSnapshotTests {
    /// Runs `first`, then restores while the status is 122 (each restore saving to the same file), as tck's
    /// swiftvm driver does. Returns the final status, every console joined and every stderr joined.
    static func saveRestoreChain(_ first: [String], snapshot: String, limit: Int = 8) throws -> (status: Int32, restores: Int, console: String, stderr: String) {
        var result = try SwiftVMProcess.run(first + ["--snapshot", snapshot])
        var console = result.stdout, stderr = result.stderr, restores = 0
        while result.status == 122 && restores < limit {
            #expect(!FileManager.default.fileExists(atPath: snapshot + ".tmp"), "a committed save leaves no FILE.tmp")
            result = try SwiftVMProcess.run(["run", "--restore", snapshot, "--snapshot", snapshot, "--timeout", "20s"])
            console += result.stdout
            stderr += result.stderr
            restores += 1
        }
        return (result.status, restores, console, stderr)
    }

    @Test(arguments: [("migrate_state", 1), ("migrate_smp", 2)])
    func aGuestSavedAtItsRequestFinishesInANewProcess(kernel: String, cpus: Int) throws {
        let directory = try TemporaryDirectory()
        let snapshot = directory.path + "/t.snap"
        let chain = try Self.saveRestoreChain(["run", "--kernel", SwiftVMProcess.kernel(kernel), "--testdev", "--cpus", "\(cpus)", "--timeout", "20s"],
                                              snapshot: snapshot)
        #expect(chain.status == 0, "\(chain.console)\n\(chain.stderr)")
        #expect(chain.restores >= 1)
        #expect(chain.stderr.contains("swiftvm: saved to \(snapshot) ("))
        #expect(chain.console.contains("CASE PASS migrate.save.1 :: generation 1 by the snapshot port"))
        #expect(!chain.console.contains("CASE FAIL"), "\(chain.console)")
        #expect(chain.console.contains(" fail=0 "))
    }

    @Test func withoutASnapshotFileTheGuestsRequestIsRefusedAndItGoesOn() throws {
        let result = try SwiftVMProcess.run(["run", "--kernel", SwiftVMProcess.kernel("migrate_state"), "--testdev", "--timeout", "20s"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("CASE FAIL migrate.save.1 :: save refused (generation 0 before, 0 after)"))
    }

    @Test func sigusr1SavesARunningGuestThatFinishesAfterTheRestore() throws {
        let directory = try TemporaryDirectory()
        let snapshot = directory.path + "/rtc.snap"
        // conf_rtc waits up to a second for the RTC's seconds to move, on LAPIC timer ticks: SIGUSR1 lands in
        // that wait. A run that finishes before the signal (the second moved at once) is tried again.
        var saved: BackgroundSwiftVM.Output?
        for _ in 0..<4 where saved == nil {
            let run = try BackgroundSwiftVM(["run", "--kernel", SwiftVMProcess.kernel("conf_rtc"), "--snapshot", snapshot, "--timeout", "20s"])
            try run.waitForOutput("rtc.date_sane")
            run.signal(SIGUSR1)
            let output = run.finish()
            if output.status == 122 { saved = output }
        }
        let first = try #require(saved, "no run was still going when SIGUSR1 came")
        #expect(first.stderr.contains("swiftvm: saved to \(snapshot) ("))
        #expect(!first.stdout.contains("TCK:1 END"))
        let restored = try SwiftVMProcess.run(["run", "--restore", snapshot, "--timeout", "5s"])
        #expect(restored.status == 0, "\(restored.stdout)\n\(restored.stderr)")
        #expect(restored.stdout.contains("CASE PASS rtc.seconds_advance"))
        #expect(restored.stdout.contains("TCK:1 END pass=8 fail=0 skip=0"))
    }

    @Test func theControlSocketAnswersInfoAndSave() throws {
        let directory = try TemporaryDirectory()
        let snapshot = directory.path + "/spin.snap", socketPath = directory.path + "/control"
        let run = try BackgroundSwiftVM(["run", "--kernel", SwiftVMProcess.kernel("hang"), "--cmdline", "spin", "--snapshot", snapshot,
                                         "--control-socket", socketPath, "--timeout", "20s"])
        try run.waitForOutput("hanging (spin)")
        let control = try UnixSocketClient(path: socketPath)
        #expect(try control.ask("info").hasPrefix("machine swiftvm-1.2 running "))
        #expect(try control.ask("frobnicate") == "error unknown command 'frobnicate' (commands: save, info)")
        #expect(try control.ask("save") == "ok saved \(snapshot)")
        let output = run.finish()
        #expect(output.status == 122)
        // Restored, the guest spins on: it is running again until the timeout.
        let restored = try SwiftVMProcess.run(["run", "--restore", snapshot, "--timeout", "300ms"])
        #expect(restored.status == 124)
        #expect(restored.stderr.contains("timeout: stopped by the watchdog after 300 ms"))
    }

    @Test func aSaveThatCannotBeWrittenIsAVMMFailureNamingTheCause() throws {
        let result = try SwiftVMProcess.run(["run", "--kernel", SwiftVMProcess.kernel("migrate_state"), "--testdev", "--snapshot", "/nonexistent/dir/x.snap",
                                             "--timeout", "20s"])
        #expect(result.status == 70)
        #expect(result.stderr.contains("save to /nonexistent/dir/x.snap failed: snapshot /nonexistent/dir/x.snap: create /nonexistent/dir/x.snap.tmp: No such file or directory"))
    }

    @Test func restoreTakesTheMachineFromTheFileOnly() throws {
        let result = try SwiftVMProcess.run(["run", "--restore", "/nonexistent.snap", "--memory", "128M"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--memory cannot be given with --restore: the snapshot fixes it"))
        let missing = try SwiftVMProcess.run(["run", "--restore", "/nonexistent.snap"])
        #expect(missing.status == 65)
        #expect(missing.stderr.contains("snapshot /nonexistent.snap"))
        let neither = try SwiftVMProcess.run(["run", "--timeout", "1s"])
        #expect(neither.status == 64)
        #expect(neither.stderr.contains("--kernel is required (or --restore FILE to resume a saved VM)"))
    }

    // MARK: - Hostile files

    /// A good snapshot to damage: migrate_state's first save.
    private func goodSnapshot(in directory: TemporaryDirectory) throws -> String {
        let path = directory.path + "/good.snap"
        let result = try SwiftVMProcess.run(["run", "--kernel", SwiftVMProcess.kernel("migrate_state"), "--testdev", "--snapshot", path, "--timeout", "20s"])
        try #require(result.status == 122, "\(result.stderr)")
        return path
    }

    private func expectRefused(_ path: String, saying phrase: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try SwiftVMProcess.run(["run", "--restore", path, "--timeout", "5s"])
        #expect(result.status == 65, "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains("swiftvm: snapshot \(path): "), "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains(phrase), "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stdout.isEmpty, "a refused file runs nothing", sourceLocation: sourceLocation)
    }

    @Test func hostileFilesAreRefusedWithTheProblemNamed() throws {
        let directory = try TemporaryDirectory()
        let good = try goodSnapshot(in: directory)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: good)))
        func variant(_ name: String, _ change: (inout [UInt8]) throws -> Void) throws -> String {
            var copy = bytes
            try change(&copy)
            let path = directory.path + "/" + name
            try Data(copy).write(to: URL(fileURLWithPath: path))
            return path
        }

        try expectRefused(try variant("truncated.snap") { $0.removeLast($0.count / 2) }, saying: "truncated")
        let vcpu = try SnapshotSurgery.sectionHeaderOffset(.vcpu, in: good)
        try expectRefused(try variant("flipped.snap") { $0[vcpu + 20 + 100] ^= 0x10 }, saying: "checksum mismatch in section \"VCPU\"")
        let lapic = try SnapshotSurgery.sectionHeaderOffset(.localAPIC, in: good)
        try expectRefused(try variant("oversized.snap") { $0.storeLittleEndian(UInt64(1) << 50, at: lapic + 8) },
                          saying: "section \"LAPI\" length 1125899906842624 is above the limit")
        try expectRefused(try variant("newer.snap") { $0.storeLittleEndian(UInt32(3), at: lapic + 4) },
                          saying: "section \"LAPI\" version 3 is newer than this swiftvm supports (≤ 1)")
        try expectRefused(try variant("garbage.snap") { $0.append(0x42) }, saying: "1 bytes after the last section")

        var outside = try SnapshotSurgery(path: good)
        outside[.memory].storeLittleEndian(UInt64(64) << 30, at: 8)       // run 0 at 64 GiB, in a 64 MiB guest
        try outside.write(to: directory.path + "/outside.snap")
        try expectRefused(directory.path + "/outside.snap", saying: "section \"MEMR\" run 0 at 0x1000000000: is outside guest RAM")

        var unknown = try SnapshotSurgery(path: good)
        unknown.header.machineType = "swiftvm-9.9"
        unknown[.configuration].replaceString(at: 0, with: "swiftvm-9.9")
        try unknown.write(to: directory.path + "/unknown.snap")
        try expectRefused(directory.path + "/unknown.snap", saying: "machine type swiftvm-9.9 is unknown")

        var mismatched = try SnapshotSurgery(path: good)
        mismatched.header.machineType = "swiftvm-1.0"
        try mismatched.write(to: directory.path + "/mismatched.snap")
        try expectRefused(directory.path + "/mismatched.snap", saying: "field machine type: swiftvm-1.2, but the header says swiftvm-1.0")

        var threeCPUs = try SnapshotSurgery(path: good)
        threeCPUs[.configuration].storeLittleEndian(UInt32(3), at: 4 + 11 + 8)
        try threeCPUs.write(to: directory.path + "/cpus.snap")
        try expectRefused(directory.path + "/cpus.snap", saying: "section \"VCPU\" field vCPU count: 1 vCPUs, but CONF says 3")
    }

    @Test func aDiskChangedSinceTheSaveIsRefused() throws {
        let directory = try TemporaryDirectory()
        let disk = directory.path + "/disk.img", snapshot = directory.path + "/virtio.snap"
        try Data(count: 1 << 20).write(to: URL(fileURLWithPath: disk))
        let saved = try SwiftVMProcess.run(["run", "--kernel", SwiftVMProcess.kernel("migrate_virtio"), "--testdev", "--disk", disk,
                                            "--snapshot", snapshot, "--timeout", "20s"])
        try #require(saved.status == 122, "\(saved.stdout)\n\(saved.stderr)")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: disk))
        try handle.seek(toOffset: 4096)
        try handle.write(contentsOf: Data([1, 2, 3]))
        try handle.close()
        try expectRefused(snapshot, saying: "disk image \(disk) was modified after the save (its mtime changed)")
    }
}

/// A swiftvm run in the background whose output can be watched while it runs.
final class BackgroundSwiftVM: @unchecked Sendable {
    private let process = Process()
    private let stdout = Pipe(), stderr = Pipe()
    private var seen = Data()

    init(_ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: SwiftVMProcess.binary)
        process.arguments = arguments
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
    }

    /// Reads stdout until it contains `text` (or the run ends, or 10 s pass).
    func waitForOutput(_ text: String) throws {
        let deadline = Date().addingTimeInterval(10)
        let handle = stdout.fileHandleForReading
        while !String(decoding: seen, as: UTF8.self).contains(text), Date() < deadline {
            let chunk = handle.availableData
            if chunk.isEmpty { return }
            seen += chunk
        }
    }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    struct Output {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    func finish() -> Output {
        seen += stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: seen, as: UTF8.self),
                      stderr: String(decoding: errors, as: UTF8.self))
    }
}

/// One connection to the control socket, a line per question and answer.
struct UnixSocketClient {
    let fd: Int32

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    func ask(_ line: String) throws -> String {
        var bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress, $0.count) }
        var answer: [UInt8] = []
        var byte: UInt8 = 0
        while read(fd, &byte, 1) == 1, byte != 10 { answer.append(byte) }
        return String(decoding: answer, as: UTF8.self)
    }
}
