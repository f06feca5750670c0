import Testing
@testable import TCK

/// How a QEMU run's exit status and stderr become a termination: a guest that broke the virtio ring
/// rules makes QEMU print the device's verdict and run on, which is not a VMM failure.
@Suite struct QEMUTerminationTests {
    static let pniWarning = "qemu-system-x86_64: warning: host doesn't support requested feature: CPUID.01H:ECX.pni [bit 0]"

    @Test func guestExitThroughDebugExit() {
        #expect(QEMUDriver.termination(status: 1, stderr: "") == .guestExit(code: 0))
        #expect(QEMUDriver.termination(status: 3, stderr: Self.pniWarning) == .guestExit(code: 1))
    }

    @Test func qemusOwnErrorIsAVMMFailure() {
        let stderr = "qemu-system-x86_64: -drive file=/nope: Could not open '/nope': No such file or directory\n"
        #expect(QEMUDriver.termination(status: 1, stderr: stderr)
                == .vmmFailure(reason: "qemu-system-x86_64: -drive file=/nope: Could not open '/nope': No such file or directory"))
    }

    /// What hostile-virtio-loop, -nested and -rdonly-status printed on QEMU 7.2 while the guest went on
    /// and exited 0 through isa-debug-exit.
    @Test(arguments: ["Looped descriptor", "virtio-blk missing headers", "Incorrect order for descriptors",
                      "Desc next is 17", "virtio: bogus descriptor or out of resources"])
    func virtioDeviceVerdictOnTheGuestIsNotAFailure(message: String) {
        let stderr = Self.pniWarning + "\nqemu-system-x86_64: \(message)\n"
        #expect(QEMUDriver.termination(status: 1, stderr: stderr) == .guestExit(code: 0))
    }

    @Test func aRealErrorAfterADeviceVerdictStillCounts() {
        let stderr = "qemu-system-x86_64: Looped descriptor\nqemu-system-x86_64: virtio: unexpected memory split\n"
        #expect(QEMUDriver.termination(status: 1, stderr: stderr)
                == .vmmFailure(reason: "qemu-system-x86_64: virtio: unexpected memory split"))
    }

    @Test func onlyTheMessageStartMatches() {
        // A device verdict's text inside another error is that error, not the verdict.
        let stderr = "qemu-system-x86_64: -device foo: Looped descriptor\n"
        #expect(QEMUDriver.termination(status: 1, stderr: stderr) == .vmmFailure(reason: "qemu-system-x86_64: -device foo: Looped descriptor"))
    }
}
