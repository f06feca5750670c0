import Glibc
import Testing
@testable import TCK

/// How virsh's lifecycle events and the domain's QEMU log become a termination (LibvirtLifecycle),
/// from output captured on libvirt 9.0 / QEMU 7.2.
@Suite struct LibvirtLifecycleTests {
    /// The head of a domain log as libvirt 9.0 writes it (environment and command line, shortened).
    static let logHead = """
        2026-12-01 03:14:42.166+0000: starting up libvirt version: 9.0.0, package: 9.0.0-4+deb12u2 (Debian), qemu version: 7.2.22
        LC_ALL=C \\
        /usr/bin/qemu-system-x86_64 \\
        -name guest=tck-1-1-x,debug-threads=on \\
        -msg timestamp=on
        2026-12-01 03:14:42.166+0000: Domain id=7 is tainted: custom-argv
        2026-12-01T03:14:42.343828Z qemu-system-x86_64: warning: host doesn't support requested feature: CPUID.01H:ECX.pni [bit 0]

        """

    @Test func eventsAreReadFromVirshOutput() {
        let output = "Domain 'tck-1-1-x' created from /r/x.domain.xml\n\nevent 'lifecycle' for domain 'tck-1-1-x': Stopped Failed\nevents received: 1\n"
        #expect(LibvirtLifecycle.Event.last(in: output) == .init(kind: "Stopped", detail: "Failed"))
        let shutdown = "event 'lifecycle' for domain 'tck-1-1-x': Shutdown Finished after guest request\n"
        #expect(LibvirtLifecycle.Event.last(in: shutdown) == .init(kind: "Shutdown", detail: "Finished after guest request"))
        #expect(LibvirtLifecycle.Event.last(in: "Domain 'x' created from f\n\nevent loop timed out\nevents received: 0\n") == nil)
    }

    @Test func eachEventHasItsEnding() {
        typealias E = LibvirtLifecycle.Event
        #expect(LibvirtLifecycle.ending(of: E(kind: "Stopped", detail: "Failed")) == .qemuExited)
        #expect(LibvirtLifecycle.ending(of: E(kind: "Shutdown", detail: "Finished after guest request")) == .guestShutdown)
        #expect(LibvirtLifecycle.ending(of: E(kind: "Stopped", detail: "Shutdown")) == .guestShutdown)
        #expect(LibvirtLifecycle.ending(of: E(kind: "Suspended", detail: "Paused")) == .paused("Paused"))
        #expect(LibvirtLifecycle.ending(of: E(kind: "Crashed", detail: "Panicked")) == .panicked("Panicked"))
        #expect(LibvirtLifecycle.ending(of: E(kind: "Stopped", detail: "Destroyed")) == .destroyedElsewhere)
        #expect(LibvirtLifecycle.ending(of: E(kind: "Resumed", detail: "Unpaused")) == .other("Resumed Unpaused"))
    }

    @Test func theLogSaysHowAMissedDomainEnded() {
        #expect(LibvirtLifecycle.ending(fromLog: Self.logHead) == nil)
        #expect(LibvirtLifecycle.ending(fromLog: Self.logHead + "2026-12-01 03:13:28.716+0000: shutting down, reason=crashed\n") == .qemuExited)
        #expect(LibvirtLifecycle.ending(fromLog: Self.logHead + "2026-12-01 03:14:30.785+0000: shutting down, reason=shutdown\n") == .guestShutdown)
    }

    /// isa-debug-exit: libvirt says "Stopped Failed" whatever the value; the value is the END line's.
    @Test func debugExitTakesTheExitValueFromTheReport() {
        #expect(LibvirtLifecycle.termination(.qemuExited, log: Self.logHead, console: Fixtures.bytes(Fixtures.helloTranscript))
                == .guestExit(code: 0))
        #expect(LibvirtLifecycle.termination(.qemuExited, log: Self.logHead, console: Fixtures.bytes(Fixtures.failTranscript))
                == .guestExit(code: 1))
        #expect(LibvirtLifecycle.termination(.qemuExited, log: Self.logHead, console: Fixtures.bytes("TCK:1 BEGIN x\n")) == .guestExit(code: 1))
    }

    @Test func qemusOwnErrorIsAVMMFailureButADeviceVerdictIsNot() {
        let error = Self.logHead + "2026-12-01T03:14:43.000000Z qemu-system-x86_64: -device foo: Device 'foo' not found\n"
        #expect(LibvirtLifecycle.termination(.qemuExited, log: error, console: [])
                == .vmmFailure(reason: "qemu-system-x86_64: -device foo: Device 'foo' not found"))
        let verdict = Self.logHead + "2026-12-01T03:14:43.000000Z qemu-system-x86_64: Looped descriptor\n"
        #expect(LibvirtLifecycle.termination(.qemuExited, log: verdict, console: Fixtures.bytes(Fixtures.helloTranscript))
                == .guestExit(code: 0))
        let signal = Self.logHead + "2026-12-01T03:14:43.000000Z qemu-system-x86_64: terminating on signal 15 from pid 9 (libvirtd)\n"
        #expect(LibvirtLifecycle.termination(.qemuExited, log: signal, console: Fixtures.bytes(Fixtures.helloTranscript))
                == .guestExit(code: 0))
    }

    @Test func pausedOnAKVMInternalErrorIsACrashNamingIt() {
        let log = Self.logHead + "KVM internal error. Suberror: 1\nextra data[0]: 0x0000000000000001\nemulation failure\n"
        #expect(LibvirtLifecycle.termination(.paused("Paused"), log: log, console: []) == .guestCrash(reason: "KVM internal error. Suberror: 1"))
        #expect(LibvirtLifecycle.termination(.paused("Paused"), log: Self.logHead, console: [])
                == .guestCrash(reason: "QEMU paused the guest (libvirt: Suspended Paused)"))
        #expect(LibvirtLifecycle.termination(.guestShutdown, log: Self.logHead, console: [])
                == .guestCrash(reason: "guest reset or shut down the machine without debug-exit (triple fault?)"))
    }

    @Test func qemuMessagesLeaveOutTheCommandLineAndLibvirtsLines() {
        #expect(LibvirtLifecycle.qemuMessages(in: Self.logHead + "KVM internal error. Suberror: 1\n")
                == ["qemu-system-x86_64: warning: host doesn't support requested feature: CPUID.01H:ECX.pni [bit 0]",
                    "KVM internal error. Suberror: 1"])
    }
}

/// Domain names carry the owning tck's pid; the pre-flight sweep destroys those whose owner is gone.
@Suite struct LibvirtDomainNamesTests {
    @Test func namesCarryTheOwner() {
        let name = LibvirtDomainNames.name(owner: 4242, sequence: 7, test: "conf-virtio-blk-ro")
        #expect(name == "tck-4242-7-conf-virtio-blk-ro")
        #expect(LibvirtDomainNames.owner(of: name) == 4242)
        #expect(LibvirtDomainNames.owner(of: "debian12") == nil)
        #expect(LibvirtDomainNames.owner(of: "tck-x-1-a") == nil)
        #expect(LibvirtDomainNames.owner(of: "tck-12-a-b") == nil)
    }

    @Test func onlyDomainsOfGoneOwnersAreLeftovers() {
        let names = ["tck-10-1-hello", "tck-11-2-hello", "web", "tck-10-3-smp-2", ""]
        #expect(LibvirtDomainNames.leftovers(names, isRunning: { $0 == 11 }) == ["tck-10-1-hello", "tck-10-3-smp-2"])
        #expect(LibvirtDomainNames.isRunning(getpid()))
    }
}
