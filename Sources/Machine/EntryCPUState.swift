import Boot
import KVM

/// The register state both 32-bit entry protocols (PVH, Multiboot v1) require of the boot CPU:
/// protected mode, paging off, flat 4 GiB code and data segments, a busy 32-bit TSS, interrupts off.
public enum EntryCPUState {
    public static let codeSelector: UInt16 = 0x08
    public static let dataSelector: UInt16 = 0x10
    public static let taskSelector: UInt16 = 0x18

    public static func registers(for entry: EntryState) -> Registers {
        var regs = Registers()
        regs.rip = UInt64(entry.eip)
        regs.rax = UInt64(entry.eax)
        regs.rbx = UInt64(entry.ebx)
        regs.rflags = 0x2
        return regs
    }

    /// Applies the entry segments and control registers over a vCPU's current special registers
    /// (which keep the in-kernel LAPIC's APIC base).
    public static func specialRegisters(from current: SpecialRegisters) -> SpecialRegisters {
        var sregs = current
        let code = Segment(base: 0, limit: 0xFFFF_FFFF, selector: codeSelector, type: 0xB, present: true,
                           dpl: 0, db: true, s: true, l: false, g: true)
        let data = Segment(base: 0, limit: 0xFFFF_FFFF, selector: dataSelector, type: 0x3, present: true,
                           dpl: 0, db: true, s: true, l: false, g: true)
        sregs.cs = code
        sregs.ds = data; sregs.es = data; sregs.fs = data; sregs.gs = data; sregs.ss = data
        sregs.tr = Segment(base: 0, limit: 0x67, selector: taskSelector, type: 0xB, present: true, s: false)
        sregs.ldt = Segment(type: 0x2, present: true, unusable: true)
        sregs.gdt = DescriptorTable()
        sregs.idt = DescriptorTable()
        sregs.cr0 = 0x11            // PE | ET
        sregs.cr3 = 0
        sregs.cr4 = 0
        sregs.efer = 0
        return sregs
    }
}
