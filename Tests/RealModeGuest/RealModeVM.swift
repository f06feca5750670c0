import GuestMemory
import KVM

/// A one-vCPU VM with 64 KiB of RAM and `code` at 0x1000, started in real mode at 0000:1000: a few
/// hand-assembled instructions to make KVM exit as a test needs. Keep it alive until the guest is done.
public struct RealModeVM {
    public let system: KVMSystem
    public let vm: VirtualMachine
    public let memory: GuestMemory
    public let vcpu: VirtualCPU

    public init(code: [UInt8]) throws {
        system = try KVMSystem()
        vm = try system.createVM()
        memory = try GuestMemory(ranges: [GuestRange(start: GuestAddress(0), size: 0x10000)!])
        for slot in memory.slots {
            try vm.setUserMemoryRegion(slot: slot.index, guestAddress: slot.guestRange.start.rawValue,
                                       size: slot.guestRange.size, hostAddress: slot.hostAddress)
        }
        try memory.write(code, at: GuestAddress(0x1000))
        vcpu = try vm.createVCPU(id: 0)
        var sregs = try vcpu.specialRegisters()
        sregs.cs.base = 0
        sregs.cs.selector = 0
        try vcpu.setSpecialRegisters(sregs)
        var regs = Registers()
        regs.rip = 0x1000
        regs.rsp = 0x8000
        try vcpu.setRegisters(regs)
    }
}
