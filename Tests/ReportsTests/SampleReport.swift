import Foundation
import TCK

/// A realistic run for the report tests: seven tests on two drivers covering every outcome, with
/// hostile case names, messages and console text, interrupted before the last result (partial).
enum SampleReport {
    /// Console text a broken or malicious guest could send.
    static let hostileConsole = "boot\r\n<script>alert(1)</script>\n]]> end of CDATA\nNUL:\u{0}: bell:\u{7}:\n"
        + "\u{1B}[31mred\u{1B}[0m \u{1B}[1;33;40mbold\u{1B}[m\n"
        + String(decoding: [0x62, 0x61, 0x64, 0xFF, 0xC3, 0x28, 0x0A], as: UTF8.self)
        + "nonchar:\u{FFFF}: c1:\u{85}: del:\u{7F}:\n</pre></details></section><img src=x onerror=alert(2)>\n"
    static let hostileCaseName = "cpuid.<img src=x onerror=alert(3)>&\"leaf\"#1"
    static let hostileMessage = "expected 0x1 got 0x0 \"quoted\" & <b>bold</b> ]]> \u{1B}[31m\u{0}"

    static let swiftvm = DriverInfo(name: "swiftvm", version: "0.3.0 (git 0e8d231)", executable: ".build/release/swiftvm",
                                    details: ["accel": "kvm", "machine": "swiftvm-pc-1.0"])
    static let qemu = DriverInfo(name: "qemu", version: "QEMU emulator version 8.2.2", executable: "/usr/bin/qemu-system-x86_64",
                                 details: ["accel": "kvm", "machine": "microvm"])
    static let firecracker = DriverInfo(name: "firecracker", version: "1.7.0", executable: "/usr/local/bin/firecracker")

    static let xfail = Expectation(outcome: .xfail, reason: "APIC IDs are not unique yet",
                                   link: "https://example.org/swiftvm/issues/7")

    static func report(drivers: [DriverInfo] = [swiftvm, qemu], partial: Bool = true) -> RunReport {
        var results: [TestResult] = []
        for driver in drivers.map(\.name) {
            results += resultsFor(driver: driver)
        }
        if partial { results.removeAll { $0.driver == "qemu" && $0.test == "garbage" } }
        return RunReport(tool: "swiftvm-tck 0.1", startedAt: "2025-05-04T10:00:00Z", finishedAt: "2025-05-04T10:00:42Z",
                         partial: partial, shard: partial ? "2/3" : nil, drivers: drivers,
                         host: HostInfo(hostname: "ci-runner-7", kernel: "6.1.0-25-amd64",
                                        cpu: "AMD EPYC 7763 64-Core Processor", kvm: "/dev/kvm usable (API 12)"),
                         results: results)
    }

    static func resultsFor(driver: String) -> [TestResult] {
        let onSwiftVM = driver == "swiftvm"
        return [
            result("hello", driver, .pass, reason: "2 cases passed", groups: ["boot", "smoke"],
                   cases: [CaseResult(name: "boot.protocol", status: .pass, message: "PVH"),
                           CaseResult(name: "boot.cmdline", status: .pass)],
                   data: [DataRecord(key: "boot.cmdline", value: "foo=bar answer=42"),
                          DataRecord(key: "memmap.0", value: "addr=0x0 size=0x9fc00 type=1")],
                   console: "Hello from PVH guest\r\nTCK:1 CASE PASS boot.protocol :: PVH\r\nTCK:1 END pass=2 fail=0 skip=0\r\n"),
            onSwiftVM
                ? result("cpuid-basic", driver, .fail, expected: false, reason: "1 of 2 cases failed: \(hostileCaseName)",
                         groups: ["cpu"], cases: [CaseResult(name: "cpuid.vendor", status: .pass),
                                                  CaseResult(name: hostileCaseName, status: .fail, message: hostileMessage)],
                         console: "TCK:1 CASE FAIL \(hostileCaseName) :: \(hostileMessage)\n", exit: "guest exit 1")
                : result("cpuid-basic", driver, .pass, reason: "2 cases passed", groups: ["cpu"],
                         cases: [CaseResult(name: "cpuid.vendor", status: .pass), CaseResult(name: hostileCaseName, status: .pass)]),
            result("smp-4", driver, onSwiftVM ? .xfail : .xpass, expected: onSwiftVM,
                   reason: onSwiftVM ? "1 of 3 cases failed: smp.apic_ids_unique" : "3 cases passed although expected to fail",
                   groups: ["smp"], expectation: xfail,
                   cases: [CaseResult(name: "smp.online", status: .pass),
                           CaseResult(name: "smp.apic_ids_unique", status: onSwiftVM ? .fail : .pass, message: onSwiftVM ? "cpu 2 and 3 share APIC ID 2" : nil),
                           CaseResult(name: "smp.ipi", status: .pass)]),
            result("pci-scan", driver, .skip, reason: onSwiftVM ? "all 1 cases skipped" : "no PCI bus on this machine type",
                   groups: ["pci"], cases: onSwiftVM ? [CaseResult(name: "pci.enumerate", status: .skip, message: "no PCI host bridge")] : []),
            result("hang", driver, .timeout, expected: onSwiftVM, reason: "no END within 2.0 s",
                   groups: ["robustness"], expectation: onSwiftVM ? Expectation(outcome: .timeout, reason: "hangs on purpose") : .pass,
                   console: "spinning forever\n", exit: "timeout after 2.0 s", duration: 2.0),
            result("triple-fault", driver, .crash, expected: onSwiftVM, reason: "triple fault (shutdown) after 0.01 s",
                   groups: ["robustness"], expectation: onSwiftVM ? Expectation(outcome: .crash, reason: "faults on purpose") : .pass,
                   exit: "guest crash: triple fault",
                   diagnostics: "KVM_EXIT_SHUTDOWN\nRIP=0x0000000000100010 RSP=0x0000000000000000 CR0=0x00000011\n"),
            result("garbage", driver, .error, expected: false, reason: "protocol: no END line; 3 garbage lines",
                   groups: ["robustness"], protocolErrors: ["line 3: unknown record \"<script>\"", "missing END line"],
                   console: hostileConsole, truncated: true, exit: "guest exit 0",
                   diagnostics: "stderr with \u{1B}[33mcolour\u{1B}[0m and \u{0} NUL"),
        ]
    }

    static func result(_ test: String, _ driver: String, _ outcome: Outcome, expected: Bool = true, reason: String,
                       groups: [String] = [], expectation: Expectation = .pass, cases: [CaseResult] = [],
                       data: [DataRecord] = [], protocolErrors: [String] = [], console: String = "",
                       truncated: Bool = false, exit: String = "guest exit 0", duration: Double = 0.125,
                       diagnostics: String = "") -> TestResult {
        TestResult(test: test, kernel: test.replacingOccurrences(of: "-", with: "_"), groups: groups, driver: driver,
                   outcome: outcome, expected: expected, reason: reason, expectation: expectation, cases: cases, data: data,
                   protocolErrors: protocolErrors, console: console, consoleTruncated: truncated, exitDescription: exit,
                   durationSeconds: duration, diagnostics: diagnostics,
                   commandLine: [driver == "qemu" ? "/usr/bin/qemu-system-x86_64" : ".build/release/swiftvm",
                                 "--kernel", "TestGuests/build/\(test).elf", "--append", "it's a \"test\""])
    }

    /// True when the text holds a character XML 1.0 cannot carry, or an ANSI escape.
    static func hasIllegalXMLCharacter(_ text: String) -> Bool {
        text.unicodeScalars.contains { scalar in
            switch scalar.value {
            case 0x09, 0x0A, 0x0D: false
            case 0x00...0x1F, 0xFFFE, 0xFFFF: true
            default: false
            }
        }
    }
}
