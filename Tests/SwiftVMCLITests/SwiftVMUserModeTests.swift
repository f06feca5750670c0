import Foundation
import Testing
import TestSupport

/// The guest library's user mode (docs/guest-interface.md, "User mode and the kernel-entry port"): with
/// --testdev the kernels build their lines in user mode and come back through the kernel-entry port;
/// without it the same code runs in ring 0. The result lines must not differ by a byte.
@Suite(.enabled(if: SwiftVMProcess.kvmUsable, SwiftVMProcess.kvmReason))
struct SwiftVMUserModeTests {
    private func resultLines(_ output: String) -> [String] {
        output.split(separator: "\n").map(String.init).filter { $0.hasPrefix("TCK:1 ") }
    }

    @Test(arguments: ["hello", "conf_pci", "conf_acpi"])
    func userModeAndRingZeroPrintTheSameLines(kernel: String) throws {
        let viaUserMode = try SwiftVMProcess.run(["run", "--kernel", SwiftVMProcess.kernel(kernel), "--testdev", "-v"])
        let inRingZero = try SwiftVMProcess.run(["run", "--kernel", SwiftVMProcess.kernel(kernel)])
        #expect(viaUserMode.status == 0 && inRingZero.status == 0)
        #expect(resultLines(viaUserMode.stdout).count > 3)
        #expect(resultLines(viaUserMode.stdout) == resultLines(inRingZero.stdout))

        let summary = try #require(viaUserMode.stderr.split(separator: "\n").first { $0.contains("kernel-entry port 0xed0") })
        let entries = summary.split(separator: ":").last?.split(separator: " ").first.flatMap { Int($0) } ?? 0
        #expect(entries >= resultLines(viaUserMode.stdout).count, "one entry a line at least: \(summary)")
        #expect(summary.hasSuffix(" 0 descriptors refused"))
    }

    @Test func badDescriptorsAreRefusedAndCountedAndAGoodOneLands() throws {
        let result = try SwiftVMProcess.run(["run", "--kernel", SwiftVMProcess.kernel("hostile_kernel_entry"), "--testdev", "-v"])
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.contains("TCK:1 END pass=8 fail=0 skip=0"))
        #expect(result.stderr.contains(" 6 descriptors refused"), "\(result.stderr)")
    }
}
