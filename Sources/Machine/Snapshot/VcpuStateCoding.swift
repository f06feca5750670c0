import KVM
import Devices
import Snapshot

/// VCPU and LAPI sections (docs/snapshot-format.md has the field tables): every vCPU in id order.
enum VcpuSection {
    static let version: UInt32 = 1
    static let localAPICVersion: UInt32 = 1

    static func encode(_ states: [VcpuState]) -> [UInt8] {
        var writer = StateWriter()
        writer.u32(UInt32(states.count))
        for state in states { encode(state, into: &writer) }
        return writer.bytes
    }

    static func encodeLocalAPICs(_ states: [VcpuState]) -> [UInt8] {
        var writer = StateWriter()
        writer.u32(UInt32(states.count))
        for state in states {
            writer.u32(state.id)
            writer.bytes(state.localAPIC.bytes)
        }
        return writer.bytes
    }

    /// The vCPU states of a VCPU and a LAPI section, checked against the machine: `cpus` vCPUs numbered
    /// from 0, and only the MSRs the machine type lets KVM handle.
    static func decode(_ reader: inout StateReader, localAPICs: inout StateReader, cpus: Int,
                       allowedMSRs: Set<UInt32>) throws(SnapshotError) -> [VcpuState] {
        let count = try reader.u32("vCPU count")
        guard count == UInt32(cpus) else { throw reader.failure("vCPU count", "\(count) vCPUs, but CONF says \(cpus)") }
        let apicCount = try localAPICs.u32("vCPU count")
        guard apicCount == count else { throw localAPICs.failure("vCPU count", "\(apicCount) local APICs for \(count) vCPUs") }
        var states: [VcpuState] = []
        for index in 0..<count {
            var state = try decodeOne(&reader, expectedID: index, allowedMSRs: allowedMSRs)
            let id = try localAPICs.u32("vCPU \(index) id")
            guard id == index else { throw localAPICs.failure("vCPU \(index) id", "\(id) where \(index) belongs") }
            state.localAPIC = LocalAPICPage(bytes: try localAPICs.bytes(count: 1024, field: "vCPU \(index) local APIC page"))
            states.append(state)
        }
        try reader.finish()
        try localAPICs.finish()
        return states
    }

    private static func encode(_ state: VcpuState, into writer: inout StateWriter) {
        writer.u32(state.id)
        let r = state.registers
        for value in [r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rsp, r.rbp, r.r8, r.r9, r.r10, r.r11,
                      r.r12, r.r13, r.r14, r.r15, r.rip, r.rflags] { writer.u64(value) }
        let s = state.specialRegisters
        for segment in [s.cs, s.ds, s.es, s.fs, s.gs, s.ss, s.tr, s.ldt] { encode(segment, into: &writer) }
        for table in [s.gdt, s.idt] {
            writer.u64(table.base)
            writer.u16(table.limit)
        }
        for value in [s.cr0, s.cr2, s.cr3, s.cr4, s.cr8, s.efer, s.apicBase] { writer.u64(value) }
        writer.bytes(state.fpu.legacyArea)
        writer.u64(state.fpu.xstateBV)
        writer.u8(UInt8(state.extendedControlRegisters.count))
        for xcr in state.extendedControlRegisters {
            writer.u32(xcr.index)
            writer.u64(xcr.value)
        }
        for value in state.debugRegisters.breakpoints + [state.debugRegisters.dr6, state.debugRegisters.dr7] { writer.u64(value) }
        writer.u32(UInt32(state.msrs.count))
        for msr in state.msrs {
            writer.u32(msr.index)
            writer.u64(msr.value)
        }
        writer.u32(state.mpState)
        let e = state.events
        for flag in [e.exception.injected, e.exception.pending, e.exception.hasErrorCode] { writer.bool(flag) }
        writer.u8(e.exception.vector)
        writer.u32(e.exception.errorCode)
        writer.bool(e.interrupt.injected)
        writer.bool(e.interrupt.soft)
        writer.u8(e.interrupt.vector)
        writer.u8(e.interrupt.shadow)
        for flag in [e.nmi.injected, e.nmi.pending, e.nmi.masked] { writer.bool(flag) }
        writer.u32(e.sipiVector)
        for flag in [e.smi.inSMM, e.smi.pending, e.smi.insideNMI, e.smi.latchedINIT] { writer.bool(flag) }
    }

    private static func encode(_ segment: Segment, into writer: inout StateWriter) {
        writer.u64(segment.base)
        writer.u32(segment.limit)
        writer.u16(segment.selector)
        writer.u8(segment.type)
        writer.u8(segment.dpl)
        for flag in [segment.present, segment.db, segment.s, segment.l, segment.g, segment.unusable] { writer.bool(flag) }
    }

    private static func decodeOne(_ reader: inout StateReader, expectedID: UInt32, allowedMSRs: Set<UInt32>) throws(SnapshotError) -> VcpuState {
        let name = "vCPU \(expectedID)"
        let id = try reader.u32(name + " id")
        guard id == expectedID else { throw reader.failure(name + " id", "\(id) where \(expectedID) belongs (vCPUs are stored in id order)") }
        var r = Registers()
        var values: [UInt64] = []
        for field in ["rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rsp", "rbp", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip", "rflags"] {
            values.append(try reader.u64("\(name) \(field)"))
        }
        (r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rsp, r.rbp) = (values[0], values[1], values[2], values[3], values[4], values[5], values[6], values[7])
        (r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15) = (values[8], values[9], values[10], values[11], values[12], values[13], values[14], values[15])
        (r.rip, r.rflags) = (values[16], values[17])
        var s = SpecialRegisters()
        var segments: [Segment] = []
        for field in ["cs", "ds", "es", "fs", "gs", "ss", "tr", "ldt"] { segments.append(try decodeSegment(&reader, "\(name) \(field)")) }
        (s.cs, s.ds, s.es, s.fs, s.gs, s.ss, s.tr, s.ldt) = (segments[0], segments[1], segments[2], segments[3], segments[4], segments[5], segments[6], segments[7])
        s.gdt = DescriptorTable(base: try reader.u64(name + " gdt base"), limit: try reader.u16(name + " gdt limit"))
        s.idt = DescriptorTable(base: try reader.u64(name + " idt base"), limit: try reader.u16(name + " idt limit"))
        s.cr0 = try reader.u64(name + " cr0"); s.cr2 = try reader.u64(name + " cr2"); s.cr3 = try reader.u64(name + " cr3")
        s.cr4 = try reader.u64(name + " cr4"); s.cr8 = try reader.u64(name + " cr8"); s.efer = try reader.u64(name + " efer")
        s.apicBase = try reader.u64(name + " apic_base")
        let area = try reader.bytes(count: FPUState.legacyAreaSize, field: name + " FXSAVE area")
        let xstateBV = try reader.u64(name + " XSTATE_BV")
        guard xstateBV & ~FPUState.portableComponents == 0 else {
            throw reader.failure(name + " XSTATE_BV", "0x\(String(xstateBV, radix: 16)) names state beyond x87 and SSE, which no machine type offers")
        }
        let xcrCount = try reader.u8(name + " XCR count")
        guard xcrCount <= 16 else { throw reader.failure(name + " XCR count", "\(xcrCount) is above KVM_MAX_XCRS (16)") }
        var xcrs: [ExtendedControlRegister] = []
        for index in 0..<xcrCount {
            xcrs.append(ExtendedControlRegister(index: try reader.u32("\(name) XCR \(index) index"), value: try reader.u64("\(name) XCR \(index) value")))
        }
        var debug: [UInt64] = []
        for field in ["dr0", "dr1", "dr2", "dr3", "dr6", "dr7"] { debug.append(try reader.u64("\(name) \(field)")) }
        let msrCount = try reader.u32(name + " MSR count")
        guard msrCount <= UInt32(allowedMSRs.count) else {
            throw reader.failure(name + " MSR count", "\(msrCount) MSRs; the machine type lets KVM handle \(allowedMSRs.count)")
        }
        var msrs: [MSRValue] = []
        for index in 0..<msrCount {
            let msr = MSRValue(index: try reader.u32("\(name) MSR \(index) index"), value: try reader.u64("\(name) MSR \(index) value"))
            guard allowedMSRs.contains(msr.index) else {
                throw reader.failure("\(name) MSR \(index) index", "MSR 0x\(String(msr.index, radix: 16)) is not one the machine type lets the guest keep in KVM")
            }
            msrs.append(msr)
        }
        let mpState = try reader.u32(name + " MP state")
        guard mpState <= MPState.sipiReceived else { throw reader.failure(name + " MP state", "\(mpState) is not an x86 MP state (0–4)") }
        var e = VcpuEventState()
        e.exception.injected = try reader.bool(name + " exception injected")
        e.exception.pending = try reader.bool(name + " exception pending")
        e.exception.hasErrorCode = try reader.bool(name + " exception has error code")
        e.exception.vector = try reader.u8(name + " exception vector")
        e.exception.errorCode = try reader.u32(name + " exception error code")
        e.interrupt.injected = try reader.bool(name + " interrupt injected")
        e.interrupt.soft = try reader.bool(name + " interrupt soft")
        e.interrupt.vector = try reader.u8(name + " interrupt vector")
        e.interrupt.shadow = try reader.u8(name + " interrupt shadow", within: 0x3)
        e.nmi.injected = try reader.bool(name + " NMI injected")
        e.nmi.pending = try reader.bool(name + " NMI pending")
        e.nmi.masked = try reader.bool(name + " NMI masked")
        e.sipiVector = try reader.u32(name + " SIPI vector")
        e.smi.inSMM = try reader.bool(name + " in SMM")
        e.smi.pending = try reader.bool(name + " SMI pending")
        e.smi.insideNMI = try reader.bool(name + " SMM inside NMI")
        e.smi.latchedINIT = try reader.bool(name + " latched INIT")
        return VcpuState(id: id, registers: r, specialRegisters: s, fpu: FPUState(legacyArea: area, xstateBV: xstateBV),
                         extendedControlRegisters: xcrs,
                         debugRegisters: DebugRegisters(breakpoints: Array(debug[0..<4]), dr6: debug[4], dr7: debug[5]),
                         msrs: msrs, mpState: mpState, events: e, localAPIC: LocalAPICPage(bytes: []))
    }

    private static func decodeSegment(_ reader: inout StateReader, _ name: String) throws(SnapshotError) -> Segment {
        // Fields in the order `encode` wrote them.
        let base = try reader.u64(name + " base"), limit = try reader.u32(name + " limit"), selector = try reader.u16(name + " selector")
        let type = try reader.u8(name + " type", within: 0xF), dpl = try reader.u8(name + " dpl", within: 0x3)
        let present = try reader.bool(name + " present"), db = try reader.bool(name + " db"), s = try reader.bool(name + " s")
        let l = try reader.bool(name + " l"), g = try reader.bool(name + " g"), unusable = try reader.bool(name + " unusable")
        return Segment(base: base, limit: limit, selector: selector, type: type, present: present, dpl: dpl, db: db, s: s, l: l, g: g,
                       unusable: unusable)
    }
}

/// IRQC, PIT2 and CLCK sections.
enum VMSections {
    static let irqChipVersion: UInt32 = 1
    static let pitVersion: UInt32 = 1
    static let clockVersion: UInt32 = 1

    static func encodeIRQChip(_ state: VMState) -> [UInt8] {
        var writer = StateWriter()
        writer.bytes(state.picMaster.bytes)
        writer.bytes(state.picSlave.bytes)
        writer.u64(state.ioapic.baseAddress)
        writer.u32(state.ioapic.registerSelect)
        writer.u32(state.ioapic.id)
        writer.u32(state.ioapic.interruptRequests)
        for entry in state.ioapic.redirectionTable { writer.u64(entry) }
        return writer.bytes
    }

    static func encodePIT(_ state: VMState) -> [UInt8] {
        var writer = StateWriter()
        writer.u32(state.pit.flags)
        for channel in state.pit.channels {
            writer.u32(channel.count)
            writer.u16(channel.latchedCount)
            for byte in [channel.countLatched, channel.statusLatched, channel.status, channel.readState, channel.writeState,
                         channel.writeLatch, channel.rwMode, channel.mode, channel.bcd, channel.gate] { writer.u8(byte) }
        }
        return writer.bytes
    }

    static func encodeClock(_ state: VMState) -> [UInt8] {
        var writer = StateWriter()
        writer.u64(state.clock)
        return writer.bytes
    }

    static func decode(irqChip: inout StateReader, pit: inout StateReader, clock: inout StateReader) throws(SnapshotError) -> VMState {
        let master = PICState(bytes: try irqChip.bytes(count: PICState.size, field: "PIC master"))
        let slave = PICState(bytes: try irqChip.bytes(count: PICState.size, field: "PIC slave"))
        var ioapic = IOAPICState()
        ioapic.baseAddress = try irqChip.u64("IOAPIC base address")
        guard ioapic.baseAddress == 0xFEC0_0000 else {
            throw irqChip.failure("IOAPIC base address", "0x\(String(ioapic.baseAddress, radix: 16)); the machine's IOAPIC is at 0xfec00000")
        }
        ioapic.registerSelect = try irqChip.u32("IOAPIC IOREGSEL")
        ioapic.id = try irqChip.u32("IOAPIC id")
        ioapic.interruptRequests = try irqChip.u32("IOAPIC IRR")
        ioapic.redirectionTable = []
        for pin in 0..<IOAPICState.pinCount { ioapic.redirectionTable.append(try irqChip.u64("IOAPIC redirection entry \(pin)")) }
        try irqChip.finish()

        var timer = PITState()
        timer.flags = try pit.u32("PIT flags")
        guard timer.flags & ~0x3 == 0 else { throw pit.failure("PIT flags", "0x\(String(timer.flags, radix: 16)) has bits KVM does not define") }
        for index in 0..<3 {
            var channel = PITChannelState()
            let name = "PIT channel \(index)"
            channel.count = try pit.u32(name + " count")
            guard channel.count <= 0x10000 else { throw pit.failure(name + " count", "\(channel.count) is above 65536") }
            channel.latchedCount = try pit.u16(name + " latched count")
            channel.countLatched = try pit.u8(name + " count latched")
            channel.statusLatched = try pit.u8(name + " status latched")
            channel.status = try pit.u8(name + " status")
            channel.readState = try pit.u8(name + " read state")
            channel.writeState = try pit.u8(name + " write state")
            channel.writeLatch = try pit.u8(name + " write latch")
            channel.rwMode = try pit.u8(name + " rw mode")
            channel.mode = try pit.u8(name + " mode")   // 0–5, or 0xff: never programmed (KVM's reset value)
            channel.bcd = try pit.u8(name + " bcd", within: 0x1)
            channel.gate = try pit.u8(name + " gate", within: 0x1)
            timer.channels[index] = channel
        }
        try pit.finish()
        let nanoseconds = try clock.u64("kvmclock")
        try clock.finish()
        return VMState(picMaster: master, picSlave: slave, ioapic: ioapic, pit: timer, clock: nanoseconds)
    }
}
