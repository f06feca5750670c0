import Foundation
import Testing
import TestSupport

/// The `swiftvm run` command line as a user (or a CI script) sees it: output streams and exit statuses.
@Suite(.enabled(if: SwiftVMProcess.kvmUsable, SwiftVMProcess.kvmReason))
struct SwiftVMRunTests {
    @Test func helloPrintsItsConsoleAndExitsWithTheGuestStatus() throws {
        let result = try SwiftVMProcess.run(["run", "--kernel", SwiftVMProcess.kernel("hello"), "--cmdline", "x=1"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("Hello from PVH guest"))
        #expect(result.stdout.contains("TCK:1 DATA boot.cmdline x=1"))
        #expect(result.stderr.isEmpty)
    }

    /// The child that holds the VM past swiftvm's exit (DeferredTeardown: it shares swiftvm's memory, so
    /// it shows the same command line) lets go of stdio at once (TestProcess reads to EOF before
    /// waiting) and is gone soon after: nothing is left behind.
    @Test func theTeardownHolderEndsAfterSwiftVM() throws {
        let token = "holder-\(UUID().uuidString)"
        let result = try SwiftVMProcess.run(["run", "--kernel", SwiftVMProcess.kernel("hello"), "--cmdline", token])
        #expect(result.status == 0)
        let deadline = Date().addingTimeInterval(10)
        var holders = Self.processes(mentioning: token)
        while !holders.isEmpty && Date() < deadline {
            usleep(20_000)
            holders = Self.processes(mentioning: token)
        }
        #expect(holders.isEmpty, "still running 10 s after swiftvm exited: \(holders)")
    }

    private static func processes(mentioning token: String) -> [Int] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int.init).filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: data, as: UTF8.self).contains(token)
        }
    }

    @Test func guestStatusesPassThroughOrAreMappedLikeQEMU() throws {
        #expect(try SwiftVMProcess.run(["run", "--kernel", SwiftVMProcess.kernel("fail"), "--testdev"]).status == 1)
        #expect(try SwiftVMProcess.run(["run", "--kernel", SwiftVMProcess.kernel("fail"), "--qemu-exit-codes"]).status == 3)
    }

    @Test func vmmStatusesHaveTheirOwnCodesAndAnExplanation() throws {
        let triple = try SwiftVMProcess.run(["run", "--kernel", SwiftVMProcess.kernel("triplefault")])
        #expect(triple.status == 125)
        #expect(triple.stderr.contains("triple fault (KVM_EXIT_SHUTDOWN) on vCPU 0"))
        #expect(triple.stderr.contains("rip="))

        let spin = try SwiftVMProcess.run(["run", "--kernel", SwiftVMProcess.kernel("hang"), "--cmdline", "spin", "--timeout", "300ms"])
        #expect(spin.status == 124)
        #expect(spin.stderr.contains("timeout: stopped by the watchdog after 300 ms"))

        // cli; hlt can never go on: a deadlock at once, not a timeout after 10 s.
        let started = Date()
        let hang = try SwiftVMProcess.run(["run", "--kernel", SwiftVMProcess.kernel("hang"), "--timeout", "10s"])
        #expect(hang.status == 123)
        #expect(hang.stderr.contains("nothing can wake the guest (vCPU 0 hlt with interrupts disabled at rip 0x"))
        #expect(Date().timeIntervalSince(started) < 2)

        let stray = try SwiftVMProcess.run(["run", "--kernel", SwiftVMProcess.kernel("strayio"), "--strict-io"])
        #expect(stray.status == 71)
        #expect(stray.stderr.contains("read from unassigned port 0x2f8"))

        let emulation = try SwiftVMProcess.run(["run", "--kernel", SwiftVMProcess.kernel("emulfail")])
        #expect([125, 126].contains(emulation.status))
        if emulation.status == 126 { #expect(emulation.stderr.contains("emulation failure, instruction bytes cc")) }
    }

    @Test func serialCanGoToAFileOrNowhere() throws {
        let path = NSTemporaryDirectory() + "swiftvm-serial-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let toFile = try SwiftVMProcess.run(["run", "--kernel", SwiftVMProcess.kernel("hello"), "--serial", "file:\(path)"])
        #expect(toFile.status == 0 && toFile.stdout.isEmpty)
        #expect(try String(contentsOfFile: path, encoding: .utf8).contains("Hello from PVH guest"))

        let silent = try SwiftVMProcess.run(["run", "--kernel", SwiftVMProcess.kernel("hello"), "--serial", "none", "--verbose"])
        #expect(silent.status == 0 && silent.stdout.isEmpty)
        #expect(silent.stderr.contains("guest exited with status 0"))
        #expect(silent.stderr.contains("pvh entry 0x"))
    }

    /// A guest writing forever cannot fill the disk through --serial file: (nor --data: same sink).
    @Test func outputFilesStopAtTheFileLimit() throws {
        let path = NSTemporaryDirectory() + "swiftvm-flood-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let flood = try SwiftVMProcess.run(["run", "--kernel", SwiftVMProcess.kernel("flood"), "--testdev",
                                            "--serial", "file:\(path)", "--file-limit", "1M", "--timeout", "1s"])
        #expect(flood.status == 124)
        #expect(flood.stderr.contains("console file full at --file-limit 1M"))
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int
        #expect(size == 1 << 20)
    }
}

/// `swiftvm check`: can this host run a machine type, without booting anything.
@Suite(.enabled(if: SwiftVMProcess.kvmUsable, SwiftVMProcess.kvmReason))
struct SwiftVMCheckTests {
    @Test func theMachineTypesRunHere() throws {
        for arguments in [["check"], ["check", "--machine", "swiftvm-1.0"]] {
            let check = try SwiftVMProcess.run(arguments)
            #expect(check.status == 0, "\(check.stderr)")
            #expect(check.stdout.contains("this host can run it"))
        }
    }

    /// pni (SSE3) is missing from this nested AMD host's KVM-supported CPUID but present on Intel hosts.
    @Test func aFeatureTheHostLacksIsStatus78AndNamed() throws {
        let check = try SwiftVMProcess.run(["check", "--cpu-features", "+pni"])
        #expect([0, 78].contains(check.status), "\(check.stderr)")
        if check.status == 78 {
            #expect(check.stderr.hasPrefix("swiftvm: machine type swiftvm-1.2: this host's KVM cannot provide"))
            #expect(check.stderr.contains("pni"))
        }
    }
}

/// Usage and input errors need no KVM.
@Suite struct SwiftVMUsageTests {
    @Test func checkRefusesAnUnknownFeatureName() throws {
        let check = try SwiftVMProcess.run(["check", "--cpu-features", "+nosuch"])
        #expect(check.status == 64)
        #expect(check.stderr.contains("'nosuch'"))
    }

    @Test func badInputIsStatus65WithTheReason() throws {
        let missing = try SwiftVMProcess.run(["run", "--kernel", "/nonexistent.elf"])
        #expect(missing.status == 65)
        #expect(missing.stderr == "swiftvm: cannot read kernel /nonexistent.elf: No such file or directory (errno 2)\n")

        let notELF = try SwiftVMProcess.run(["run", "--kernel", "/etc/hostname"])
        #expect(notELF.status == 65)
        #expect(notELF.stderr.contains("not an ELF file"))
    }

    @Test func badUsageIsStatus64() throws {
        let memory = try SwiftVMProcess.run(["run", "--kernel", "k.elf", "--memory", "lots"])
        #expect(memory.status == 64)
        #expect(memory.stderr.contains("--memory 'lots' is not a size"))
        #expect(try SwiftVMProcess.run(["run", "--kernel", "k.elf", "--data", "d.bin"]).status == 64)
        #expect(try SwiftVMProcess.run(["run", "--kernel", "k.elf", "--serial", "printer"]).status == 64)
    }

    @Test func helpExplainsTheExitStatuses() throws {
        let help = try SwiftVMProcess.run(["run", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("EXIT STATUS"))
        #expect(help.stdout.contains("124  timeout"))
        #expect(help.stdout.contains("123  deadlock"))
        #expect(help.stdout.contains("--strict-io"))
    }
}

/// `swiftvm run` with plain options skips ArgumentParser's parse (QuickRun); whatever it does not
/// recognise goes through ArgumentParser, so messages and statuses are the same either way.
@Suite(.enabled(if: SwiftVMProcess.kvmUsable, SwiftVMProcess.kvmReason))
struct SwiftVMQuickRunTests {
    @Test func bothSpellingsOfAnOptionRunTheGuest() throws {
        let kernel = SwiftVMProcess.kernel("hello")
        for arguments in [["run", "--kernel", kernel, "--memory", "32M", "--cmdline", "x=1", "-v"],
                          ["run", "--kernel=\(kernel)", "--memory=32M", "--cmdline=x=1", "--verbose"]] {
            let result = try SwiftVMProcess.run(arguments)
            #expect(result.status == 0)
            #expect(result.stdout.contains("TCK:1 DATA boot.cmdline x=1"))
            #expect(result.stderr.contains("guest exited with status 0"))
        }
    }

    @Test func whatQuickRunDoesNotTakeArgumentParserAnswers() throws {
        let kernel = SwiftVMProcess.kernel("hello")
        let bad = try SwiftVMProcess.run(["run", "--kernel", kernel, "--cpus", "0"])
        #expect(bad.status == 64 && bad.stderr.contains("--cpus must be at least 1"))
        let unknown = try SwiftVMProcess.run(["run", "--kernel", kernel, "--bogus"])
        #expect(unknown.status == 64 && unknown.stderr.contains("Unknown option '--bogus'"))
        let size = try SwiftVMProcess.run(["run", "--kernel", kernel, "--memory=lots"])
        #expect(size.status == 64 && size.stderr.contains("--memory 'lots' is not a size"))
        let help = try SwiftVMProcess.run(["run", "--kernel", kernel, "--help"])
        #expect(help.status == 0 && help.stdout.contains("EXIT STATUS"))
        let qemu = try SwiftVMProcess.run(["run", "--kernel", SwiftVMProcess.kernel("fail"), "--qemu-exit-codes", "--serial", "none"])
        #expect(qemu.status == 3)
        // --restore with an option the snapshot fixes: ArgumentParser's message (QuickRun's validate failed).
        let fixed = try SwiftVMProcess.run(["run", "--restore", "x.snap", "--memory", "32M"])
        #expect(fixed.status == 64 && fixed.stderr.contains("--memory cannot be given with --restore"))
        let neither = try SwiftVMProcess.run(["run", "--snapshot", "x.snap"])
        #expect(neither.status == 64 && neither.stderr.contains("--kernel is required"))
    }
}
