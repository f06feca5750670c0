import Testing
import GuestMemory
@testable import KVM

/// Each state ioctl pair a snapshot uses, on a real VM: read, change something the guest could have
/// changed, write, read back the same value.
@Suite(.enabled(if: KVMAvailability.isUsable, KVMAvailability.reason))
struct StateRoundTripTests {
    /// A VM with the in-kernel irqchip and PIT (as swiftvm builds it) and one vCPU.
    private func machine() throws -> (KVMSystem, VirtualMachine, VirtualCPU) {
        let system = try KVMSystem()
        let vm = try system.createVM()
        try vm.createIRQChip()
        try vm.createPIT2()
        let vcpu = try vm.createVCPU(id: 0)
        return (system, vm, vcpu)
    }

    @Test func fpuStateRoundTripsThroughXSAVEAndTheFPUIoctls() throws {
        let (system, _, vcpu) = try machine()
        for xsave in system.check(.xsave) > 0 ? [true, false] : [false] {
            var state = try vcpu.fpuState(xsave: xsave)
            var area = state.legacyArea
            area[0] = 0x7F; area[1] = 0x02                       // FCW: round to nearest, 53-bit precision
            area[24] = 0x80; area[25] = 0x9F                     // MXCSR with flush-to-zero
            for index in 160..<176 { area[index] = UInt8(index) } // XMM0
            for index in 32..<42 { area[index] = 0x11 }           // ST0's 80 bits
            state = FPUState(legacyArea: area)
            try vcpu.setFPUState(state, xsave: xsave)
            let back = try vcpu.fpuState(xsave: xsave)
            #expect(back.controlWord == 0x27F, "xsave: \(xsave)")
            // KVM_GET_FPU does not report MXCSR (the kernel copies every field but that one), so only the
            // XSAVE path can carry it; both hosts this project runs on have KVM_CAP_XSAVE.
            if xsave { #expect(back.mxcsr == 0x9F80) }
            #expect(back.xmm(0) == (160..<176).map { UInt8($0) }, "xsave: \(xsave)")
            #expect(Array(back.legacyArea[32..<42]) == [UInt8](repeating: 0x11, count: 10), "xsave: \(xsave)")
        }
    }

    @Test func xcr0AndDebugRegistersRoundTrip() throws {
        let (system, _, vcpu) = try machine()
        if system.check(.xcrs) > 0 {
            let xcrs = try vcpu.extendedControlRegisters()
            #expect(xcrs.first { $0.index == 0 }?.value ?? 0 & 1 == 1, "XCR0 always has x87")
            try vcpu.setExtendedControlRegisters(xcrs)
            #expect(try vcpu.extendedControlRegisters() == xcrs)
        }
        var debug = try vcpu.debugRegisters()
        debug.breakpoints = [0x1000, 0x2000, 0x3000, 0x4000]
        debug.dr7 = 0x400 | 0x3       // L0, G0
        try vcpu.setDebugRegisters(debug)
        let back = try vcpu.debugRegisters()
        #expect(back.breakpoints == debug.breakpoints)
        #expect(back.dr7 == debug.dr7)
    }

    @Test func msrsFromTheIndexListRoundTrip() throws {
        let (system, _, vcpu) = try machine()
        let list = try system.msrIndexList()
        // IA32_TSC, SYSENTER_CS, PAT, STAR, LSTAR, KERNEL_GS_BASE: on every x86 host's list.
        let wanted: [UInt32] = [0x10, 0x174, 0x277, 0xC000_0081, 0xC000_0082, 0xC000_0102]
        for index in wanted { #expect(list.contains(index), "MSR 0x\(String(index, radix: 16)) in KVM_GET_MSR_INDEX_LIST") }
        let values: [MSRValue] = [MSRValue(index: 0x174, value: 0x10), MSRValue(index: 0x277, value: 0x0007_0406_0007_0406),
                                  MSRValue(index: 0xC000_0081, value: 0x0023_0010_0000_0000),
                                  MSRValue(index: 0xC000_0082, value: 0xFFFF_FFFF_8100_0000),
                                  MSRValue(index: 0xC000_0102, value: 0xFFFF_8880_0000_0000)]
        try vcpu.writeMSRs(values)
        #expect(try vcpu.readMSRs(values.map(\.index)) == values)
        // The TSC moves on: what comes back is at least what was set, and not far beyond. A KVM that cannot
        // offset the guest's TSC (kvm_pvm: guest code runs rdtsc natively) accepts the write and keeps the
        // host's count, which has moved on from the value read before.
        let before = try vcpu.readMSRs([0x10])[0].value
        try vcpu.writeMSRs([MSRValue(index: 0x10, value: 1 << 40)])
        let tsc = try vcpu.readMSRs([0x10])[0].value
        let offsetApplied = tsc >= 1 << 40 && tsc < (1 << 40) + (1 << 36)
        let hostCount = tsc >= before && tsc - before < 1 << 36
        #expect(offsetApplied || hostCount, "TSC 0x\(String(before, radix: 16)) → set 2^40 → 0x\(String(tsc, radix: 16))")
    }

    @Test func anMSRKVMDoesNotHaveIsAnErrorNamingIt() throws {
        let (_, _, vcpu) = try machine()
        #expect(throws: KVMError.ioctl(call: "KVM_GET_MSRS(0x1234567)", errno: 22)) { try vcpu.readMSRs([0x1234567]) }
    }

    @Test func eventsMPStateAndLocalAPICRoundTrip() throws {
        let (_, _, vcpu) = try machine()
        var page = try vcpu.localAPICPage()
        var bytes = page.bytes
        bytes[0x380] = 0x40; bytes[0x381] = 0x42   // timer initial count 0x4240
        bytes[0x320] = 0x30                          // LVT timer vector 0x30 (masked bit 16 stays)
        bytes[0x3E0] = 0x0B                          // divide by 1
        page = LocalAPICPage(bytes: bytes)
        try vcpu.setLocalAPICPage(page)
        let back = try vcpu.localAPICPage()
        #expect(back.register(0x320) & 0xFF == 0x30)
        #expect(back.register(0x3E0) == 0x0B)
        #expect(back.register(0x380) == 0x4240)

        var events = try vcpu.eventState()
        events.nmi.masked = true
        events.interrupt.shadow = 1
        try vcpu.setEventState(events)
        #expect(try vcpu.eventState() == events)

        try vcpu.setMPState(MPState.halted)
        #expect(try vcpu.mpState() == MPState.halted)
    }

    @Test func picIOAPICPITAndClockRoundTrip() throws {
        let (_, vm, _) = try machine()
        var master = try vm.picState(slave: false)
        master.bytes[2] = 0xFB     // mask all but the cascade
        master.bytes[5] = 0x20     // vectors from 0x20
        try vm.setPICState(master, slave: false)
        #expect(try vm.picState(slave: false).interruptMask == 0xFB)
        #expect(try vm.picState(slave: false).vectorBase == 0x20)
        var slave = try vm.picState(slave: true)
        slave.bytes[2] = 0xFF
        slave.bytes[5] = 0x28
        try vm.setPICState(slave, slave: true)
        #expect(try vm.picState(slave: true) == slave)

        var ioapic = try vm.ioapicState()
        ioapic.redirectionTable[4] = 0x0000_0000_0000_0024   // COM1: vector 0x24, unmasked, edge
        ioapic.redirectionTable[9] = 0x0100_0000_0001_A031   // level, masked, destination 1
        try vm.setIOAPICState(ioapic)
        let ioapicBack = try vm.ioapicState()
        #expect(ioapicBack.redirectionTable[4] == ioapic.redirectionTable[4])
        #expect(ioapicBack.redirectionTable[9] & ~(1 << 12) == ioapic.redirectionTable[9] & ~(1 << 12))  // delivery status is KVM's

        var pit = try vm.pitState()
        pit.channels[0].count = 1193
        pit.channels[0].mode = 2
        pit.channels[0].rwMode = 3
        try vm.setPITState(pit)
        let pitBack = try vm.pitState()
        #expect(pitBack.channels[0].count == 1193)
        #expect(pitBack.channels[0].mode == 2)

        try vm.setKVMClock(5_000_000_000)
        let clock = try vm.kvmClock()
        #expect(clock >= 5_000_000_000 && clock < 6_000_000_000)
    }
}
