import Foundation
import Testing
import TCK

@Suite struct CatalogTests {
    let drivers: Set<String> = ["swiftvm", "qemu"]

    static let goodCatalog = """
        # The suite.
        [defaults]
        cpus = 1
        memory = 64M
        timeout = 10s
        groups = all

        [hello]
        groups = all smoke boot
        description = boot protocol smoke test
        cmdline = foo=bar answer=42

        ; four CPUs on the smp kernel
        [smp-4]
        kernel = smp
        cpus = 4
        memory = 128MiB
        timeout = 500ms
        cmdline = cpus=4
        xfail.qemu = TCG starts APs slowly | https://example.org/issues/7

        [triplefault]
        expect = crash
        expect.qemu = timeout

        [fail]
        xfail = fails on purpose
        expect.swiftvm = pass
        """

    @Test func loadsAGoodCatalogWithDefaultsAndOverrides() throws {
        let directory = try Fixtures.kernelDirectory(["hello", "smp", "triplefault", "fail"])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/suite.cfg"
        try Self.goodCatalog.write(toFile: path, atomically: true, encoding: .utf8)
        let entries = try Catalog.load(path: path, kernelDirectory: directory, knownDrivers: drivers)
        #expect(entries.map(\.name) == ["hello", "smp-4", "triplefault", "fail"])

        let hello = entries[0]
        #expect(hello == CatalogEntry(name: "hello", kernel: "hello", groups: ["all", "smoke", "boot"],
                                      description: "boot protocol smoke test", cpus: 1, memoryBytes: 64 << 20,
                                      commandLine: "foo=bar answer=42", timeoutSeconds: 10))
        let smp = entries[1]
        #expect(smp.kernel == "smp" && smp.cpus == 4 && smp.memoryBytes == 128 << 20 && smp.timeoutSeconds == 0.5)
        #expect(smp.groups == ["all"])
        #expect(smp.expectation(for: "swiftvm") == .pass)
        #expect(smp.expectation(for: "qemu") == TCK.Expectation(outcome: .xfail, reason: "TCG starts APs slowly",
                                                                link: "https://example.org/issues/7"))
        let triple = entries[2]
        #expect(triple.expectation(for: "swiftvm").outcome == .crash)
        #expect(triple.expectation(for: "qemu").outcome == .timeout)
        let fail = entries[3]
        #expect(fail.expectation(for: "qemu") == TCK.Expectation(outcome: .xfail, reason: "fails on purpose"))
        #expect(fail.expectation(for: "swiftvm") == .pass)
    }

    @Test func withoutDefaultsTheEntryDefaultsApply() throws {
        let entries = try Catalog.parse(text: "[hello]\r\n", knownDrivers: drivers)
        #expect(entries == [CatalogEntry(name: "hello", kernel: "hello")])
        #expect(try Catalog.parse(text: "# nothing\n", knownDrivers: drivers).isEmpty)
    }

    @Test(arguments: [
        ("[a]\ncpu = 2\n", 2, "unknown key 'cpu' in [a]"),
        ("[a]\ncpus = 2\ncpus = 3\n", 3, "key 'cpus' appears twice in [a] (first on line 2)"),
        ("[a]\n[b]\n[a]\n", 3, "section [a] appears twice (first on line 1)"),
        ("cpus = 2\n", 1, "key 'cpus' is outside any [section]"),
        ("[a]\njust words\n", 2, "expected 'key = value', a [section] or a comment, found 'just words'"),
        ("[a\n", 1, "section header '[a' has no closing ']'"),
        ("[a b]\n", 1, "section name 'a b' is not a test name"),
        ("[a]\ncpus = 0\n", 2, "bad value for 'cpus' in [a]: '0' is not a vCPU count from 1 to 255"),
        ("[a]\ncpus = 256\n", 2, "bad value for 'cpus' in [a]"),
        ("[a]\ncpus = two\n", 2, "bad value for 'cpus' in [a]"),
        ("[a]\nmemory = lots\n", 2, "bad value for 'memory' in [a]: 'lots' is not a size"),
        ("[a]\nmemory = 512K\n", 2, "512K is outside 1M…1T"),
        ("[a]\nmemory = 1048577\n", 2, "is not a multiple of 4 KiB"),
        ("[a]\ntimeout = soon\n", 2, "bad value for 'timeout' in [a]: 'soon' is not a duration"),
        ("[a]\ntimeout = 0s\n", 2, "is not a duration"),
        ("[a]\ntimeout = 2h\n", 2, "is not a duration"),
        ("[a]\ntimeout = 90m\n", 2, "longer than the 1-hour limit"),
        ("[a]\ntimeout = nan\n", 2, "is not a duration"),
        ("[a]\nexpect = fail\n", 2, "'fail' is not an expectation"),
        ("[a]\nexpect.bochs = crash\n", 2, "unknown driver 'bochs' in key 'expect.bochs' (known drivers: qemu, swiftvm)"),
        ("[a]\nxfail.kvmtool = slow\n", 2, "unknown driver 'kvmtool'"),
        ("[a]\nxfail =\n", 2, "xfail needs a reason"),
        ("[a]\nxfail = | https://x\n", 2, "xfail needs a reason"),
        ("[a]\nxfail = slow |\n", 2, "has '|' but no link"),
        ("[a]\nexpect = crash\nxfail = broken\n", 3, "[a] has both 'expect' and 'xfail'; keep one"),
        ("[a]\nxfail.qemu = x\n\nexpect.qemu = pass\n", 4, "[a] has both 'expect.qemu' and 'xfail.qemu'"),
        ("[a]\ngroups = smp smp\n", 2, "group 'smp' is listed twice"),
        ("[a]\ngroups = s/mp\n", 2, "group 's/mp' is not of"),
        ("[a]\nkernel = ../etc/passwd\n", 2, "is not a kernel base name"),
        ("[defaults]\nkernel = x\n", 2, "key 'kernel' is not allowed in [defaults]"),
        ("[defaults]\ncpus = 0\n[a]\n", 2, "bad value for 'cpus' in [defaults]"),
    ] as [(String, Int, String)])
    func rejectsABadCatalog(text: String, line: Int, message: String) {
        #expect {
            try Catalog.parse(text: text, file: "suite.cfg", knownDrivers: drivers)
        } throws: { error in
            guard let error = error as? CatalogError else { return false }
            return error.file == "suite.cfg" && error.line == line && error.message.contains(message)
                && error.description.hasPrefix("suite.cfg:\(line): ")
        }
    }

    @Test func aMissingKernelIsAnErrorAtItsLine() throws {
        let directory = try Fixtures.kernelDirectory(["hello"])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let text = "[hello]\n\n[smp-2]\ncpus = 2\nkernel = smp\n[nokernel]\n"
        do {
            _ = try Catalog.parse(text: text, file: "suite.cfg", kernelDirectory: directory, knownDrivers: drivers)
            Issue.record("a missing kernel was accepted")
        } catch {
            #expect(error.line == 5)
            #expect(error.message == "kernel 'smp' of [smp-2] not found: \(directory)/smp.elf does not exist (build the kernels first)")
        }
        do {
            _ = try Catalog.parse(text: "[nokernel]\n", file: "suite.cfg", kernelDirectory: directory, knownDrivers: drivers)
        } catch {
            #expect(error.line == 1 && error.message.contains("nokernel.elf does not exist"))
        }
    }

    @Test func anOversizedFileIsRefusedBeforeParsing() throws {
        let path = NSTemporaryDirectory() + "big-\(UUID().uuidString).cfg"
        defer { try? FileManager.default.removeItem(atPath: path) }
        // Valid text (one long comment): only the size is wrong.
        try Data(("#" + String(repeating: "x", count: Catalog.maximumBytes)).utf8).write(to: URL(fileURLWithPath: path))
        do {
            _ = try Catalog.load(path: path, kernelDirectory: "/tmp", knownDrivers: drivers)
            Issue.record("loaded a catalog over the size limit")
        } catch {
            #expect(error.description == "\(path): the catalog is \(Catalog.maximumBytes + 1) bytes, over the 1024 KiB limit")
        }
    }

    @Test func anUnreadableFileIsAnError() {
        do {
            _ = try Catalog.load(path: "/nonexistent/suite.cfg", kernelDirectory: "/tmp", knownDrivers: drivers)
            Issue.record("loaded a file that does not exist")
        } catch {
            #expect(error.description == "/nonexistent/suite.cfg: cannot read the catalog file")
        }
    }

    @Test(arguments: [("64M", UInt64(64 << 20)), ("1G", 1 << 30), ("512MiB", 512 << 20), ("8388608", 8 << 20),
                      ("2048k", 2 << 20), ("1TB", 1 << 40)])
    func acceptsMemorySizes(text: String, bytes: UInt64) throws {
        let entries = try Catalog.parse(text: "[a]\nmemory = \(text)\n", knownDrivers: drivers)
        #expect(entries.first?.memoryBytes == bytes)
    }

    @Test(arguments: [("10s", 10.0), ("500ms", 0.5), ("2m", 120), ("1.5", 1.5), ("0.25s", 0.25)])
    func acceptsDurations(text: String, seconds: Double) throws {
        let entries = try Catalog.parse(text: "[a]\ntimeout = \(text)\n", knownDrivers: drivers)
        #expect(entries.first?.timeoutSeconds == seconds)
    }
}
