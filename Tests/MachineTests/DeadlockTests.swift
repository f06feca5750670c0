import KVM
import Testing
@testable import Machine

/// The deadlock decision as a pure function: which vCPU states and interrupt sources make a guest dead.
@Suite struct DeadlockDecisionTests {
    func halted(_ cpu: UInt32 = 0, rip: UInt64 = 0x10_015A, interrupts: Bool = false, pending: Bool = false,
                apic: Bool = false, mp: UInt32 = MPState.halted) -> VcpuWakeState {
        VcpuWakeState(cpu: cpu, mpState: mp, rip: rip, interruptsEnabled: interrupts, eventPending: pending, localAPICCanWake: apic)
    }

    @Test func oneCPUHaltedWithInterruptsOffIsDead() {
        let stuck = Deadlock.verdict([halted()], ioapicCanWake: false, deviceCanWake: false)
        #expect(stuck == [StuckCPU(cpu: 0, rip: 0x10_015A, state: .haltedWithInterruptsDisabled)])
        #expect(stuck?.first?.description == "vCPU 0 hlt with interrupts disabled at rip 0x10015a")
    }

    @Test func apsWaitingForStartupDoNotKeepADeadBSPAlive() {
        let stuck = Deadlock.verdict([halted(), halted(1, mp: MPState.uninitialized), halted(2, mp: MPState.initReceived)],
                                     ioapicCanWake: false, deviceCanWake: false)
        #expect(stuck?.map(\.state) == [.haltedWithInterruptsDisabled, .waitingForStartup, .waitingForStartup])
        #expect(stuck?[1].description == "vCPU 1 waiting for INIT/SIPI")
    }

    @Test func anythingThatCanStillWakeACPUIsNoDeadlock() {
        // hlt with IF=1: an interrupt ends it.
        #expect(Deadlock.verdict([halted(interrupts: true)], ioapicCanWake: false, deviceCanWake: false) == nil)
        // An NMI, SMI, exception or INIT on its way in.
        #expect(Deadlock.verdict([halted(pending: true)], ioapicCanWake: false, deviceCanWake: false) == nil)
        // The local APIC, the IOAPIC or a live device can still deliver an NMI/SMI/INIT.
        #expect(Deadlock.verdict([halted(apic: true)], ioapicCanWake: false, deviceCanWake: false) == nil)
        #expect(Deadlock.verdict([halted()], ioapicCanWake: true, deviceCanWake: false) == nil)
        #expect(Deadlock.verdict([halted()], ioapicCanWake: false, deviceCanWake: true) == nil)
        // One CPU still running (or SIPI'd, about to run) keeps the guest alive.
        for mp in [MPState.runnable, MPState.sipiReceived, 5, 7] {
            #expect(Deadlock.verdict([halted(), halted(1, mp: mp)], ioapicCanWake: false, deviceCanWake: false) == nil)
        }
        // No halted CPU at all, or no CPU: nothing to call dead.
        #expect(Deadlock.verdict([halted(mp: MPState.uninitialized)], ioapicCanWake: false, deviceCanWake: false) == nil)
        #expect(Deadlock.verdict([], ioapicCanWake: false, deviceCanWake: false) == nil)
    }

    @Test func onlyNMISMIAndINITDeliveryWakeAHaltWithInterruptsOff() {
        #expect((0...7).filter { Deadlock.canWake(deliveryMode: UInt64($0)) } == [2, 3, 4, 5, 6])
        // IOAPIC entry: vector 0x30, fixed / NMI, masked (bit 16) or not.
        #expect(!Deadlock.ioapicEntryCanWake(0x30))
        #expect(Deadlock.ioapicEntryCanWake(0x430))
        #expect(!Deadlock.ioapicEntryCanWake(0x1_0430))
        #expect(!Deadlock.ioapicEntryCanWake(0x730))   // ExtINT is maskable
    }

    func apicPage(_ registers: [Int: UInt32]) -> LocalAPICPage {
        var bytes = [UInt8](repeating: 0, count: 1024)
        for (offset, value) in registers {
            for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(index))) }
        }
        return LocalAPICPage(bytes: bytes)
    }

    @Test func localAPICEntriesThatDeliverNMIWakeOnlyWhenTheAPICIsEnabledAndUnmasked() {
        let masked: [Int: UInt32] = [0x2F0: 0x1_0000, 0x330: 0x1_0000, 0x340: 0x1_0000, 0x350: 0x1_0700, 0x360: 0x1_0400, 0x370: 0x1_0000]
        #expect(!Deadlock.localAPICCanWake(apicPage(masked.merging([0xF0: 0x1FF]) { $1 })))
        // LINT0 as ExtINT (the PIC) cannot end a hlt with IF=0; as NMI it can.
        #expect(!Deadlock.localAPICCanWake(apicPage(masked.merging([0xF0: 0x1FF, 0x350: 0x700]) { $1 })))
        #expect(Deadlock.localAPICCanWake(apicPage(masked.merging([0xF0: 0x1FF, 0x350: 0x400]) { $1 })))
        #expect(Deadlock.localAPICCanWake(apicPage(masked.merging([0xF0: 0x1FF, 0x340: 0x400]) { $1 })))
        // LINT1 as NMI is the usual OS set-up, and only KVM_NMI (never issued by swiftvm) drives it.
        #expect(!Deadlock.localAPICCanWake(apicPage(masked.merging([0xF0: 0x1FF, 0x360: 0x400]) { $1 })))
        // Software-disabled (SVR bit 8 clear): every LVT is masked whatever it says.
        #expect(!Deadlock.localAPICCanWake(apicPage(masked.merging([0xF0: 0xFF, 0x350: 0x400]) { $1 })))
    }

    @Test func theStatusNamesEveryCPU() {
        let status = RunStatus.deadlock(seconds: 0.042, cpus: [StuckCPU(cpu: 0, rip: 0x1234, state: .haltedWithInterruptsDisabled),
                                                               StuckCPU(cpu: 1, rip: 0, state: .waitingForStartup)])
        #expect(status.summary == "deadlock after 42 ms: nothing can wake the guest "
                + "(vCPU 0 hlt with interrupts disabled at rip 0x1234; vCPU 1 waiting for INIT/SIPI)")
    }
}

/// The hang kernel on real KVM: `cli; hlt` is found dead at once, a busy loop still needs the watchdog,
/// and guests that halt waiting for interrupts are left alone.
@Suite(.enabled(if: TestKernels.kvmUsable, TestKernels.kvmReason))
struct DeadlockEndToEndTests {
    @Test(arguments: [1, 3])
    func cliHltIsADeadlockLongBeforeTheTimeout(cpus: Int) throws {
        let result = try TestKernels.boot("hang", timeout: 10) { $0.cpus = cpus }
        guard case let .deadlock(seconds, stuck) = result.status else {
            Issue.record("expected a deadlock, got \(result.status.summary)")
            return
        }
        #expect(seconds < 1 && result.runSeconds < 1, "found after \(seconds) s")
        #expect(stuck.count == cpus)
        #expect(stuck.first?.state == .haltedWithInterruptsDisabled && stuck.first?.cpu == 0)
        #expect(stuck.first.map { $0.rip > 0x100000 } == true, "rip of the hlt in the kernel image")
        #expect(stuck.dropFirst().allSatisfy { $0.state == .waitingForStartup })
        #expect(result.text.contains("hanging (cli; hlt)"))
    }

    @Test func aBusyLoopIsNoDeadlock() throws {
        let result = try TestKernels.boot("hang", timeout: 0.4) { $0.commandLine = "spin" }
        #expect(result.status == .timeout(seconds: 0.4))
    }

    /// conf_interrupts halts with interrupts enabled waiting for its timers; smp's APs start late.
    @Test(arguments: ["conf_interrupts", "smp"])
    func guestsThatHaltToWaitRunToTheirEnd(kernel: String) throws {
        let result = try TestKernels.boot(kernel) {
            if kernel == "smp" {
                $0.cpus = 4
                $0.commandLine = "cpus=4"
            }
        }
        #expect(result.status == .guestExit(code: 0))
    }
}
