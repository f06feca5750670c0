import Foundation
import Testing
@testable import ABI
@testable import TCK

/// A disassembler that needs no iasl: each table's ASL is given by the test.
struct CannedDisassembler: ASLDisassembler {
    var asl: [[UInt8]: String]
    func disassemble(_ table: [UInt8]) -> String? { asl[table] }
}

/// The pieces of `tck abi check` that are decisions, not I/O: baseline order, the host CPUID context,
/// the fingerprint file's errors, the check's verdicts, and ASL diffs through a given disassembler.
@Suite struct ABIGateTests {
    @Test func baselinesSortByVersionNotByText() {
        let names = ["swiftvm-1.10", "swiftvm-1.2", "swiftvm-1.0", "swiftvm-2.0", "swiftvm-1.1", "qemu-pc", "swiftvm-1.2a"]
        #expect(names.sorted(by: ABIBaselines.versionOrder)
                == ["qemu-pc", "swiftvm-1.0", "swiftvm-1.1", "swiftvm-1.2", "swiftvm-1.2a", "swiftvm-1.10", "swiftvm-2.0"])
        // A digit run too long for Int sorts after the others instead of as 0.
        #expect(ABIBaselines.versionOrder("v-9", "v-99999999999999999999999"))
    }

    @Test func hostCPUIDHashIgnoresTheAPICIDOfTheCPUTheIoctlRanOn() throws {
        let onCPU0 = """
            kvm: api 12, vcpu mmap 12288 bytes, max vcpus 1024
            capability KVM_CAP_IRQCHIP 1
            CPUID.00000001.0: eax=00a00f11 ebx=00020800 ecx=81202000 edx=078bfbff
            CPUID.0000000b.1: eax=00000000 ebx=00000000 ecx=00000201 edx=00000000
            """
        let onCPU1 = onCPU0.replacingOccurrences(of: "ebx=00020800", with: "ebx=01020800")
            .replacingOccurrences(of: "ecx=00000201 edx=00000000", with: "ecx=00000201 edx=00000001")
        let hash = try #require(HostCPUIDContext.hash(hostOutput: onCPU0))
        #expect(hash.hasPrefix("sha256:"))
        #expect(HostCPUIDContext.hash(hostOutput: onCPU1) == hash)
        // Anything else KVM reports is part of the hash.
        #expect(HostCPUIDContext.hash(hostOutput: onCPU0.replacingOccurrences(of: "ecx=81202000", with: "ecx=81202001")) != hash)
        #expect(HostCPUIDContext.hash(hostOutput: "kvm: api 12\n") == nil)
        // The sub-leaf is decimal, as CPUIDEntry prints it; a line that does not parse is not hashed.
        let leaf = try #require(HostCPUIDContext.Leaf("CPUID.00000007.12: eax=00000001 ebx=00000002 ecx=00000003 edx=00000004"))
        #expect(leaf.index == 12 && leaf.line == "CPUID.00000007.12: eax=00000001 ebx=00000002 ecx=00000003 edx=00000004")
        #expect(HostCPUIDContext.Leaf("CPUID.00000007.0: eax=1 ebx=2") == nil)
    }

    @Test func machineTypesAreTheFirstWordOfEachUnindentedLine() {
        let output = "swiftvm-1.0  first\n    change: x\nswiftvm-1.2 (default)  newest\n"
        #expect(SwiftVMMachineTypes.names(machinesOutput: output) == ["swiftvm-1.0", "swiftvm-1.2"])
    }

    @Test func fingerprintFileErrorsNameTheFileAndTheProblem() throws {
        let directory = NSTemporaryDirectory() + "abi-gate-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(throws: FingerprintFileError.self) { try FingerprintFile.read(directory + "/absent.json") }
        let notJSON = directory + "/not.json"
        try Data("{\"schemaVersion\": ".utf8).write(to: URL(fileURLWithPath: notJSON))
        let malformed = #expect(throws: FingerprintFileError.self) { try FingerprintFile.read(notJSON) }
        #expect(malformed?.description.hasPrefix("\(notJSON): not a fingerprint: not JSON") == true, "\(String(describing: malformed))")
        let deep = directory + "/deep.json"
        try Data((String(repeating: "[", count: 100) + String(repeating: "]", count: 100)).utf8).write(to: URL(fileURLWithPath: deep))
        let nested = #expect(throws: FingerprintFileError.self) { try FingerprintFile.read(deep) }
        #expect(nested?.description.contains("nested more than 64 levels") == true)
        var newer = try baseline("swiftvm-1.0")
        newer.schemaVersion = Fingerprint.currentSchemaVersion + 1
        let future = directory + "/future.json"
        try FingerprintFile.encode(newer).write(to: URL(fileURLWithPath: future))
        #expect(throws: FingerprintFileError.newerSchema(path: future, version: newer.schemaVersion, understood: Fingerprint.currentSchemaVersion)) {
            try FingerprintFile.read(future)
        }
        // What encode writes, read reads back equal.
        let round = directory + "/round.json"
        try FingerprintFile.encode(try baseline("swiftvm-1.2")).write(to: URL(fileURLWithPath: round))
        #expect(try FingerprintFile.read(round) == (try baseline("swiftvm-1.2")))
    }

    @Test func checkVerdictsCoverEveryWayAMachineTypeCanFail() throws {
        let directory = NSTemporaryDirectory() + "abi-gate-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let v11 = try baseline("swiftvm-1.1")
        try FingerprintFile.encode(v11).write(to: URL(fileURLWithPath: ABIBaselines.path(directory: directory, machine: "swiftvm-1.1")))
        let check = ABICheck(baselines: directory, waivers: [], disassembler: nil)

        let same = try check.judge(machine: "swiftvm-1.1", captured: v11, problems: [])
        #expect(same.passed)
        guard case let .compared(hash, _) = same.verdict else { Issue.record("not compared"); return }
        #expect(hash == v11.hash)

        var changed = v11
        changed.abi.cpuid = changed.abi.cpuid.filter { !$0.key.hasPrefix("80000007") }
        let different = try check.judge(machine: "swiftvm-1.1", captured: changed, problems: [])
        #expect(!different.passed && !different.failedOnlyForUnusedWaivers && !(different.comparison?.unwaived.isEmpty ?? true))

        let unreliable = try check.judge(machine: "swiftvm-1.1", captured: v11, problems: ["probe case x failed"])
        guard case .unreliableCapture(["probe case x failed"]) = unreliable.verdict else { Issue.record("\(unreliable.verdict)"); return }
        let missing = try check.judge(machine: "swiftvm-9.9", captured: v11, problems: [])
        guard case .noBaseline = missing.verdict else { Issue.record("\(missing.verdict)"); return }

        let summary = ABICheck.Summary([same, different, unreliable, missing])
        #expect(summary.passed == 1 && summary.failed == 3 && summary.failedOnlyForUnusedWaivers == 0)
        #expect(summary.masked == (same.comparison?.masked.count ?? 0) + (different.comparison?.masked.count ?? 0))
    }

    @Test func dsdtDiffsGoThroughTheGivenDisassembler() throws {
        let old = try baseline("swiftvm-1.0")
        var new = old
        var table = ABIRecordDecoder.bytes(fromHex: old.abi.acpi["DSDT"]!.bytes)!
        table[table.count - 1] ^= 1
        table[9] ^= 1  // checksum
        new.abi.acpi["DSDT"]!.bytes = hexBytes(table)
        let before = ABIRecordDecoder.bytes(fromHex: old.abi.acpi["DSDT"]!.bytes)!
        let added = CannedDisassembler(asl: [before: "Scope (\\_SB)\n{\n}\n", table: "Scope (\\_SB)\n{\n    Device (NEW0)\n    {\n    }\n}\n"])
        let gained = try #require(ABIDiff.compare(old, new, disassembler: added).changes.first { $0.item == "DSDT content" })
        #expect(gained.compatibility == .compatible && gained.detail?.contains("+    Device (NEW0)") == true)
        #expect(ABIDiff.compare(old, new, disassembler: added).changes.contains { $0.summary == "DSDT device \\_SB.NEW0 added (device)" })
        let rewritten = CannedDisassembler(asl: [before: "Name (X, One)\n", table: "Name (X, Zero)\n"])
        #expect(ABIDiff.compare(old, new, disassembler: rewritten).changes.first { $0.item == "DSDT content" }?.compatibility == .breaking)
        // Without a disassembler (or when it fails) only the byte note remains, and it is breaking.
        let bare = try #require(ABIDiff.compare(old, new).changes.first { $0.item == "DSDT content" })
        #expect(bare.compatibility == .breaking && bare.detail == nil)
        #expect(ABIDiff.compare(old, new, disassembler: CannedDisassembler(asl: [:])).changes.first { $0.item == "DSDT content" }?.detail == nil)
    }
}
