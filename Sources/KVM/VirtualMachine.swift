import CKVM

/// A VM file descriptor: memory slots, the in-kernel interrupt controllers and vCPU creation.
public final class VirtualMachine: Sendable {
    let fd: FileDescriptor
    let system: KVMSystem

    init(fd: FileDescriptor, system: KVMSystem) {
        self.fd = fd
        self.system = system
    }

    /// KVM_SET_USER_MEMORY_REGION: maps `size` bytes at host address `hostAddress` as guest RAM at `guestAddress`.
    public func setUserMemoryRegion(slot: UInt32, guestAddress: UInt64, size: UInt64, hostAddress: UInt64) throws(KVMError) {
        var region = kvm_userspace_memory_region(slot: slot, flags: 0, guest_phys_addr: guestAddress,
                                                 memory_size: size, userspace_addr: hostAddress)
        try fd.ioctl("KVM_SET_USER_MEMORY_REGION", CKVM_SET_USER_MEMORY_REGION, &region)
    }

    /// KVM_SET_TSS_ADDR: three pages of guest-physical space KVM needs on Intel for real-mode emulation.
    public func setTSSAddress(_ address: UInt64) throws(KVMError) {
        try fd.ioctl("KVM_SET_TSS_ADDR", CKVM_SET_TSS_ADDR, value: UInt(address))
    }

    /// KVM_SET_IDENTITY_MAP_ADDR: one page for the EPT identity map used while the guest runs unpaged.
    public func setIdentityMapAddress(_ address: UInt64) throws(KVMError) {
        var value = address
        try fd.ioctl("KVM_SET_IDENTITY_MAP_ADDR", CKVM_SET_IDENTITY_MAP_ADDR, &value)
    }

    /// KVM_CREATE_IRQCHIP: in-kernel PIC pair, IOAPIC and a local APIC per vCPU (so INIT/SIPI work).
    public func createIRQChip() throws(KVMError) {
        try fd.ioctl("KVM_CREATE_IRQCHIP", CKVM_CREATE_IRQCHIP)
    }

    /// KVM_CREATE_PIT2: the in-kernel i8254 timer at ports 0x40-0x43 (and the speaker port 0x61).
    public func createPIT2() throws(KVMError) {
        var config = kvm_pit_config()
        try fd.ioctl("KVM_CREATE_PIT2", CKVM_CREATE_PIT2, &config)
    }

    /// KVM_IRQ_LINE: drives an in-kernel interrupt controller input (GSI) high or low.
    public func setIRQLine(_ irq: UInt32, high: Bool) throws(KVMError) {
        var level = kvm_irq_level()
        level.irq = irq
        level.level = high ? 1 : 0
        try fd.ioctl("KVM_IRQ_LINE", CKVM_IRQ_LINE, &level)
    }

    /// An interrupt controller input a GSI is wired to.
    public enum IRQChipPin: Sendable, Equatable {
        case picMaster(UInt32), picSlave(UInt32), ioapic(UInt32)
    }

    /// KVM_SET_GSI_ROUTING: replaces the whole GSI routing table (a GSI may drive several controller
    /// pins; an MSI route sends its message when the GSI fires, e.g. through an irqfd).
    public func setGSIRouting(_ routes: [GSIRoute]) throws(KVMError) {
        let size = MemoryLayout<kvm_irq_routing>.size + routes.count * MemoryLayout<kvm_irq_routing_entry>.stride
        let raw = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: MemoryLayout<kvm_irq_routing>.alignment)
        defer { raw.deallocate() }
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        let table = raw.bindMemory(to: kvm_irq_routing.self, capacity: 1)
        table.pointee.nr = UInt32(routes.count)
        let entries = (raw + MemoryLayout<kvm_irq_routing>.size).assumingMemoryBound(to: kvm_irq_routing_entry.self)
        for (index, route) in routes.enumerated() {
            switch route.target {
            case let .pin(pin):
                let (chip, number): (UInt32, UInt32) = switch pin {
                case let .picMaster(pin): (UInt32(KVM_IRQCHIP_PIC_MASTER), pin)
                case let .picSlave(pin): (UInt32(KVM_IRQCHIP_PIC_SLAVE), pin)
                case let .ioapic(pin): (UInt32(KVM_IRQCHIP_IOAPIC), pin)
                }
                ckvm_route_to_irqchip(entries + index, route.gsi, chip, number)
            case let .msi(address, data):
                ckvm_route_to_msi(entries + index, route.gsi, address, data)
            }
        }
        try fd.ioctl("KVM_SET_GSI_ROUTING", CKVM_SET_GSI_ROUTING, buffer: raw)
    }

    /// KVM_CREATE_VCPU with the given APIC id, and its kvm_run mapping.
    public func createVCPU(id: UInt32) throws(KVMError) -> VirtualCPU {
        let raw = try fd.ioctl("KVM_CREATE_VCPU", CKVM_CREATE_VCPU, value: UInt(id))
        return try VirtualCPU(fd: FileDescriptor(raw: raw), id: id, mapSize: system.vcpuMapSize)
    }
}
