import Foundation
import KVM
import Snapshot
import Testing
@testable import Machine

/// The VMM's sections without KVM: each state encodes and decodes to itself, and the values a restore
/// must refuse are refused naming the section and field.
@Suite struct SnapshotSectionTests {
    static func vcpu(_ id: UInt32, msrs: [UInt32]) -> VcpuState {
        var registers = Registers()
        registers.rip = 0x10_0000 + UInt64(id)
        registers.r15 = 0x6A99_B4B1_087D_D0FC
        var special = SpecialRegisters()
        special.cs = Segment(base: 0, limit: 0xFFFF_FFFF, selector: 0x18, type: 0xB, present: true, dpl: 0, db: false, s: true, l: true, g: true)
        special.cr0 = 0x8005_0033
        special.efer = 0xD01
        special.apicBase = 0xFEE0_0900
        var area = FPUState.reset.legacyArea
        area[160] = 0x5A
        var events = VcpuEventState()
        events.interrupt.shadow = 2
        events.nmi.masked = true
        events.sipiVector = 0x9
        return VcpuState(id: id, registers: registers, specialRegisters: special, fpu: FPUState(legacyArea: area, xstateBV: 3),
                         extendedControlRegisters: [ExtendedControlRegister(index: 0, value: 1)],
                         debugRegisters: DebugRegisters(breakpoints: [1, 2, 3, 4], dr6: 0xFFFF_0FF0, dr7: 0x400),
                         msrs: msrs.map { MSRValue(index: $0, value: UInt64($0) &* 3) }, mpState: MPState.halted, events: events,
                         localAPIC: LocalAPICPage(bytes: (0..<1024).map { UInt8(truncatingIfNeeded: $0 &+ Int(id)) }))
    }

    private func decode(_ vcpus: [UInt8], _ apics: [UInt8], cpus: Int, allowed: Set<UInt32>) throws(SnapshotError) -> [VcpuState] {
        var reader = StateReader(vcpus, section: .vcpu), apicReader = StateReader(apics, section: .localAPIC)
        return try VcpuSection.decode(&reader, localAPICs: &apicReader, cpus: cpus, allowedMSRs: allowed)
    }

    @Test func vcpuStatesRoundTripWithTheMachineTypesMSRs() throws {
        let list = VcpuState.savedMSRs(MachineTypes.latest.msrs)
        #expect(list.contains(0x10) && list.contains(0xC000_0102) && list.contains(0x4B56_4D01))
        #expect(!list.contains(0x1B) && !list.contains(0xC000_0080), "APIC base and EFER travel in the special registers")
        #expect(!list.contains(0x10A), "no host MSR")
        let states = [Self.vcpu(0, msrs: list), Self.vcpu(1, msrs: list)]
        let decoded = try decode(VcpuSection.encode(states), VcpuSection.encodeLocalAPICs(states), cpus: 2, allowed: Set(list))
        #expect(decoded == states)
    }

    @Test func anMSRTheMachineTypeDoesNotHaveIsRefused() throws {
        let states = [Self.vcpu(0, msrs: [0x10, 0x10A])]
        #expect(throws: SnapshotError.field(file: "", section: .vcpu, field: "vCPU 0 MSR 1 index",
                                            problem: "MSR 0x10a is not one the machine type lets the guest keep in KVM")) {
            _ = try decode(VcpuSection.encode(states), VcpuSection.encodeLocalAPICs(states), cpus: 1,
                           allowed: Set(VcpuState.savedMSRs(MachineTypes.latest.msrs)))
        }
    }

    @Test func vcpuCountAndOrderMustMatchTheConfiguration() throws {
        let states = [Self.vcpu(0, msrs: []), Self.vcpu(1, msrs: [])]
        #expect(throws: SnapshotError.field(file: "", section: .vcpu, field: "vCPU count", problem: "2 vCPUs, but CONF says 1")) {
            _ = try decode(VcpuSection.encode(states), VcpuSection.encodeLocalAPICs(states), cpus: 1, allowed: [])
        }
        let swapped = [Self.vcpu(1, msrs: []), Self.vcpu(0, msrs: [])]
        #expect(throws: SnapshotError.field(file: "", section: .vcpu, field: "vCPU 0 id", problem: "1 where 0 belongs (vCPUs are stored in id order)")) {
            _ = try decode(VcpuSection.encode(swapped), VcpuSection.encodeLocalAPICs(swapped), cpus: 2, allowed: [])
        }
    }

    @Test func vmStateRoundTripsAndAForeignIOAPICIsRefused() throws {
        var ioapic = IOAPICState()
        ioapic.redirectionTable[4] = 0x24
        var pit = PITState()
        pit.channels[0].count = 1193
        pit.channels[0].mode = 2
        pit.channels[1].mode = 0xFF
        let state = VMState(picMaster: PICState(bytes: Array(0..<16)), picSlave: PICState(bytes: Array(16..<32)), ioapic: ioapic, pit: pit,
                            clock: 5_000_000_123)
        var irq = StateReader(VMSections.encodeIRQChip(state), section: .irqChip)
        var timer = StateReader(VMSections.encodePIT(state), section: .pit)
        var clock = StateReader(VMSections.encodeClock(state), section: .clock)
        #expect(try VMSections.decode(irqChip: &irq, pit: &timer, clock: &clock) == state)

        var moved = state
        moved.ioapic.baseAddress = 0xFEC0_1000
        irq = StateReader(VMSections.encodeIRQChip(moved), section: .irqChip)
        timer = StateReader(VMSections.encodePIT(moved), section: .pit)
        clock = StateReader(VMSections.encodeClock(moved), section: .clock)
        #expect(throws: SnapshotError.field(file: "", section: .irqChip, field: "IOAPIC base address",
                                            problem: "0xfec01000; the machine's IOAPIC is at 0xfec00000")) {
            _ = try VMSections.decode(irqChip: &irq, pit: &timer, clock: &clock)
        }
    }

    @Test func theConfigurationRoundTripsAndAChangedDiskIsRefused() throws {
        let disk = FileManager.default.temporaryDirectory.appendingPathComponent("conf-\(UUID().uuidString).img").path
        try Data(count: 8192).write(to: URL(fileURLWithPath: disk))
        defer { try? FileManager.default.removeItem(atPath: disk) }
        var configuration = MachineConfiguration(kernelPath: "TestGuests/build/migrate_virtio.elf")
        configuration.memorySize = 128 << 20
        configuration.cpus = 2
        configuration.commandLine = "a=1 b"
        configuration.testdev = true
        configuration.disk = DiskImage(path: disk, readOnly: false, format: .raw)
        let saved = try SavedConfiguration(configuration, bootProtocol: .pvh)
        var reader = StateReader(saved.encode(), section: .configuration)
        let decoded = try SavedConfiguration(from: &reader)
        #expect(decoded == saved)
        let rebuilt = try decoded.machineConfiguration(file: "t.snap")
        #expect(rebuilt.machineType == MachineTypes.latest && rebuilt.memorySize == 128 << 20 && rebuilt.cpus == 2)
        #expect(rebuilt.commandLine == "a=1 b" && rebuilt.testdev && rebuilt.disk?.format == .raw)

        try Data(count: 4096).write(to: URL(fileURLWithPath: disk))
        #expect(throws: MachineError.self) { _ = try decoded.machineConfiguration(file: "t.snap") }
        do { _ = try decoded.machineConfiguration(file: "t.snap") } catch {
            #expect(error.description == "snapshot t.snap: disk image \(saved.disk!.path) is 4096 bytes; it was 8192 when saved")
        }
    }
}
