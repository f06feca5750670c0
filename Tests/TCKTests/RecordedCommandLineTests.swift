import Foundation
import Testing
@testable import TCK

/// The command line a result records re-runs as shown: absolute paths, sizes as written, no temporary files.
@Suite struct RecordedCommandLineTests {
    @Test func sizesAreWrittenAsPeopleWriteThem() {
        #expect(RecordedCommandLine.size(64 << 20) == "64M")
        #expect(RecordedCommandLine.size(2 << 30) == "2G")
        #expect(RecordedCommandLine.size(1536 << 20) == "1536M")
        #expect(RecordedCommandLine.size(1 << 40) == "1T")
        #expect(RecordedCommandLine.size(4096) == "4096")
        #expect(RecordedCommandLine.size(0) == "0")
    }

    @Test func pathsBecomeAbsoluteAgainstTheWorkingDirectory() {
        let cwd = FileManager.default.currentDirectoryPath
        #expect(RecordedCommandLine.absolute("/k/x.elf") == "/k/x.elf")
        #expect(RecordedCommandLine.absolute("TestGuests/build/x.elf") == cwd + "/TestGuests/build/x.elf")
        #expect(RecordedCommandLine.absolute("./a/../b.elf") == cwd + "/b.elf")
        #expect(RecordedCommandLine.executable("swiftvm") == "swiftvm")
        #expect(RecordedCommandLine.executable(".build/debug/swiftvm") == cwd + "/.build/debug/swiftvm")
    }

    /// The recorded command line re-runs from anywhere: absolute kernel and executable, memory as
    /// written, and no temporary --data/--tables file (they are deleted after the run).
    @Test func swiftvmRecordsARerunnableCommandLine() throws {
        let directory = NSTemporaryDirectory() + "tck-cmdline-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let script = directory + "/swiftvm"
        try "#!/bin/sh\necho \"$@\" > \(directory)/arguments\nexit 0\n".write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        var driver = SwiftVMDriver(executable: script)
        driver.recordsProgrammedTables = true
        let entry = CatalogEntry(name: "t", kernel: "hello", memoryBytes: 128 << 20, commandLine: "a=1")
        let run = driver.run(entry, kernelDirectory: "TestGuests/build", cancelled: { false })
        let cwd = FileManager.default.currentDirectoryPath
        #expect(run.commandLine == [script, "run", "--kernel", cwd + "/TestGuests/build/hello.elf", "--memory", "128M",
                                    "--cpus", "1", "--cmdline", "a=1", "--timeout", "10000ms", "--testdev", "--serial", "stdout"])
        // What ran had the temporary files.
        let ran = try String(contentsOfFile: directory + "/arguments", encoding: .utf8)
        #expect(ran.contains("--data /") && ran.contains("--tables /") && ran.contains("--memory 128M"))
    }

    @Test func qemuRecordsTheKernelByAbsolutePath() {
        let entry = CatalogEntry(name: "t", kernel: "hello")
        let cwd = FileManager.default.currentDirectoryPath
        let microvm = QEMUDriver(executable: "qemu-system-x86_64").arguments(for: entry, kernelDirectory: "TestGuests/build")
        #expect(microvm.contains(cwd + "/TestGuests/build/pvh/hello.elf"))
        let pc = QEMUDriver(executable: "qemu-system-x86_64", machine: .pc).arguments(for: entry, kernelDirectory: "/k")
        #expect(pc.contains("/k/hello.elf") && pc.contains("64M"))
    }
}
