import CKVM

/// General-purpose registers (struct kvm_regs).
public struct Registers: Equatable, Sendable {
    public var rax: UInt64 = 0, rbx: UInt64 = 0, rcx: UInt64 = 0, rdx: UInt64 = 0
    public var rsi: UInt64 = 0, rdi: UInt64 = 0, rsp: UInt64 = 0, rbp: UInt64 = 0
    public var r8: UInt64 = 0, r9: UInt64 = 0, r10: UInt64 = 0, r11: UInt64 = 0
    public var r12: UInt64 = 0, r13: UInt64 = 0, r14: UInt64 = 0, r15: UInt64 = 0
    public var rip: UInt64 = 0
    /// Bit 1 is reserved and always set.
    public var rflags: UInt64 = 0x2

    public init() {}

    init(_ r: kvm_regs) {
        rax = r.rax; rbx = r.rbx; rcx = r.rcx; rdx = r.rdx
        rsi = r.rsi; rdi = r.rdi; rsp = r.rsp; rbp = r.rbp
        r8 = r.r8; r9 = r.r9; r10 = r.r10; r11 = r.r11
        r12 = r.r12; r13 = r.r13; r14 = r.r14; r15 = r.r15
        rip = r.rip; rflags = r.rflags
    }

    var raw: kvm_regs {
        kvm_regs(rax: rax, rbx: rbx, rcx: rcx, rdx: rdx, rsi: rsi, rdi: rdi, rsp: rsp, rbp: rbp,
                 r8: r8, r9: r9, r10: r10, r11: r11, r12: r12, r13: r13, r14: r14, r15: r15,
                 rip: rip, rflags: rflags)
    }
}

/// A segment register with its hidden descriptor cache (struct kvm_segment).
public struct Segment: Equatable, Sendable {
    public var base: UInt64 = 0
    public var limit: UInt32 = 0
    public var selector: UInt16 = 0
    /// Descriptor type field (bits 8–11 of the descriptor's high word), e.g. 0xB = code exec/read accessed.
    public var type: UInt8 = 0
    public var present = false
    public var dpl: UInt8 = 0
    /// D/B: 32-bit default operand size.
    public var db = false
    /// S: code/data (true) vs system (false) descriptor.
    public var s = false
    /// L: 64-bit code.
    public var l = false
    /// G: limit in 4 KiB units.
    public var g = false
    public var unusable = false

    public init(base: UInt64 = 0, limit: UInt32 = 0, selector: UInt16 = 0, type: UInt8 = 0, present: Bool = false,
                dpl: UInt8 = 0, db: Bool = false, s: Bool = false, l: Bool = false, g: Bool = false, unusable: Bool = false) {
        self.base = base; self.limit = limit; self.selector = selector; self.type = type
        self.present = present; self.dpl = dpl; self.db = db; self.s = s; self.l = l; self.g = g
        self.unusable = unusable
    }

    init(_ r: kvm_segment) {
        self.init(base: r.base, limit: r.limit, selector: r.selector, type: r.type, present: r.present != 0,
                  dpl: r.dpl, db: r.db != 0, s: r.s != 0, l: r.l != 0, g: r.g != 0, unusable: r.unusable != 0)
    }

    var raw: kvm_segment {
        kvm_segment(base: base, limit: limit, selector: selector, type: type, present: present ? 1 : 0, dpl: dpl,
                    db: db ? 1 : 0, s: s ? 1 : 0, l: l ? 1 : 0, g: g ? 1 : 0, avl: 0, unusable: unusable ? 1 : 0,
                    padding: 0)
    }
}

/// GDTR/IDTR.
public struct DescriptorTable: Equatable, Sendable {
    public var base: UInt64 = 0
    public var limit: UInt16 = 0
    public init(base: UInt64 = 0, limit: UInt16 = 0) { self.base = base; self.limit = limit }
}

/// Segment, control and table registers (struct kvm_sregs, less the pending-interrupt bitmap, which
/// `VirtualCPU.setSpecialRegisters` carries over from the vCPU's current state).
public struct SpecialRegisters: Equatable, Sendable {
    public var cs = Segment(), ds = Segment(), es = Segment(), fs = Segment(), gs = Segment(), ss = Segment()
    public var tr = Segment(), ldt = Segment()
    public var gdt = DescriptorTable(), idt = DescriptorTable()
    public var cr0: UInt64 = 0, cr2: UInt64 = 0, cr3: UInt64 = 0, cr4: UInt64 = 0, cr8: UInt64 = 0
    public var efer: UInt64 = 0
    public var apicBase: UInt64 = 0

    public init() {}

    init(_ r: kvm_sregs) {
        cs = Segment(r.cs); ds = Segment(r.ds); es = Segment(r.es); fs = Segment(r.fs); gs = Segment(r.gs)
        ss = Segment(r.ss); tr = Segment(r.tr); ldt = Segment(r.ldt)
        gdt = DescriptorTable(base: r.gdt.base, limit: r.gdt.limit)
        idt = DescriptorTable(base: r.idt.base, limit: r.idt.limit)
        cr0 = r.cr0; cr2 = r.cr2; cr3 = r.cr3; cr4 = r.cr4; cr8 = r.cr8
        efer = r.efer; apicBase = r.apic_base
    }

    /// Writes these values over `r`, keeping fields this type does not model.
    func apply(to r: inout kvm_sregs) {
        r.cs = cs.raw; r.ds = ds.raw; r.es = es.raw; r.fs = fs.raw; r.gs = gs.raw; r.ss = ss.raw
        r.tr = tr.raw; r.ldt = ldt.raw
        r.gdt.base = gdt.base; r.gdt.limit = gdt.limit
        r.idt.base = idt.base; r.idt.limit = idt.limit
        r.cr0 = cr0; r.cr2 = cr2; r.cr3 = cr3; r.cr4 = cr4; r.cr8 = cr8
        r.efer = efer; r.apic_base = apicBase
    }
}
