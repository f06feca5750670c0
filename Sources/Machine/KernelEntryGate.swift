import GuestMemory
import KVM
import Synchronization

/// The kernel-entry port (docs/guest-interface.md, "User mode"): a test-harness port, only with
/// --testdev, through which guest user mode gets back to its kernel.
///
/// Why a port: on the kvm_pvm hosts guest user mode runs natively while every kernel-mode instruction
/// is emulated, so the guest library does its pure computation in user mode; but these hosts cannot
/// deliver an exception, an interrupt or SYSCALL from guest user mode to the guest kernel (the vCPU
/// shuts down). So the VMM does, on a 32-bit `out` of a descriptor's address, what SYSCALL would:
/// RCX ← the RIP after the `out`, R11 ← RFLAGS, RFLAGS ← 0x2, RIP ← the descriptor's entry, CS and SS ←
/// the descriptor's selectors with SYSCALL's fixed flat ring-0 segments. Nothing is kept between
/// calls (the descriptor is read each time), so a snapshot needs nothing of it.
/// A 32-bit `in` returns the probe value "SVKE". A descriptor that fails a check changes nothing.
final class KernelEntryGate: Sendable {
    static let port: UInt16 = 0xED0
    static let portCount: UInt16 = 4
    static let probeValue: UInt32 = 0x454B_5653   // "SVKE"

    private let memory: GuestMemory
    private let entries = Atomic<UInt64>(0)
    private let refusals = Atomic<UInt64>(0)

    init(memory: GuestMemory) {
        self.memory = memory
    }

    /// Entries made, and descriptors refused.
    var entryCount: UInt64 { entries.load(ordering: .relaxed) }
    var refusalCount: UInt64 { refusals.load(ordering: .relaxed) }

    /// For `swiftvm run -v`.
    var summary: String {
        "kernel-entry port 0x\(String(Self.port, radix: 16)): \(entryCount) entries, \(refusalCount) descriptors refused"
    }

    /// Enters the guest kernel on `vcpu` (its own thread) as the descriptor at `address` says.
    func enter(_ vcpu: VirtualCPU, descriptorAt address: UInt32) throws(KVMError) {
        guard let descriptor = KernelEntryDescriptor(in: memory, at: GuestAddress(UInt64(address))) else {
            refusals.add(1, ordering: .relaxed)
            return
        }
        try vcpu.completePendingIO()
        var registers = try vcpu.registers()
        registers.rcx = registers.rip
        registers.r11 = registers.rflags
        registers.rflags = 0x2
        registers.rip = descriptor.entry
        try vcpu.updateSpecialRegisters { special in
            special.cs = Segment(base: 0, limit: 0xFFFF_FFFF, selector: descriptor.codeSelector & ~3, type: 0xB,
                                 present: true, dpl: 0, s: true, l: true, g: true)
            special.ss = Segment(base: 0, limit: 0xFFFF_FFFF, selector: descriptor.stackSelector & ~3, type: 0x3,
                                 present: true, dpl: 0, db: true, s: true, g: true)
        }
        try vcpu.setRegisters(registers)
        entries.add(1, ordering: .relaxed)
    }
}

/// What the guest writes before the `out`: 24 bytes, little-endian.
struct KernelEntryDescriptor: Equatable {
    static let size = 24
    static let magic: UInt32 = 0x444B_5653   // "SVKD"
    static let version: UInt32 = 1

    /// SYSCALL's LSTAR: where the kernel is entered.
    let entry: UInt64
    /// SYSCALL's STAR[47:32] and STAR[47:32] + 8, given separately (RPL bits are cleared).
    let codeSelector: UInt16
    let stackSelector: UInt16

    /// nil unless all 24 bytes are in RAM, the magic and version match, the entry is canonical and both
    /// selectors lie past the null descriptor. Read field by field: no allocation on this exit.
    init?(in memory: GuestMemory, at address: GuestAddress) {
        func field<T: FixedWidthInteger>(_ type: T.Type, _ offset: UInt64) -> T? {
            try? memory.read(type, at: GuestAddress(address.rawValue &+ offset))
        }
        guard memory.contains(address, length: UInt64(Self.size)),
              field(UInt32.self, 0) == Self.magic, field(UInt32.self, 4) == Self.version,
              let entry = field(UInt64.self, 8), let code = field(UInt16.self, 16), let stack = field(UInt16.self, 18)
        else { return nil }
        let canonical = entry < 1 << 47 || entry >= 0xFFFF_8000_0000_0000
        guard canonical, code & ~3 != 0, stack & ~3 != 0 else { return nil }
        self.entry = entry
        codeSelector = code
        stackSelector = stack
    }
}
