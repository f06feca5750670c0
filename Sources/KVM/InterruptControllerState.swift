import CKVM

/// One in-kernel 8259A PIC (struct kvm_pic_state): its registers and initialisation sequence state.
public struct PICState: Equatable, Sendable {
    /// The 16 bytes of struct kvm_pic_state in its order: last_irr, irr, imr, isr, priority_add, irq_base,
    /// read_reg_select, poll, special_mask, init_state, auto_eoi, rotate_on_auto_eoi,
    /// special_fully_nested_mode, init4, elcr, elcr_mask.
    public var bytes: [UInt8]

    public static let size = 16
    public static let fieldNames = ["last_irr", "irr", "imr", "isr", "priority_add", "irq_base", "read_reg_select", "poll",
                                    "special_mask", "init_state", "auto_eoi", "rotate_on_auto_eoi",
                                    "special_fully_nested_mode", "init4", "elcr", "elcr_mask"]

    public init(bytes: [UInt8]) {
        precondition(bytes.count == Self.size, "struct kvm_pic_state is 16 bytes")
        self.bytes = bytes
    }

    /// Interrupt mask register: a set bit masks that IRQ.
    public var interruptMask: UInt8 { bytes[2] }
    public var vectorBase: UInt8 { bytes[5] }
}

/// The in-kernel IOAPIC (struct kvm_ioapic_state).
public struct IOAPICState: Equatable, Sendable {
    public static let pinCount = Int(KVM_IOAPIC_NUM_PINS)
    /// Where redirtbl starts in struct kvm_ioapic_state: after base_address (8), ioregsel, id, irr, pad (4 each).
    static let tableOffset = 24

    public var baseAddress: UInt64 = 0xFEC0_0000
    public var registerSelect: UInt32 = 0
    public var id: UInt32 = 0
    public var interruptRequests: UInt32 = 0
    /// The 24 redirection-table entries (bit 16 = masked).
    public var redirectionTable: [UInt64] = Array(repeating: 1 << 16, count: IOAPICState.pinCount)

    public init() {}
}

extension VirtualMachine {
    /// KVM_GET_IRQCHIP for one PIC (`slave` false: the master at 0x20, true: the slave at 0xA0).
    public func picState(slave: Bool) throws(KVMError) -> PICState {
        var chip = kvm_irqchip()
        chip.chip_id = UInt32(slave ? KVM_IRQCHIP_PIC_SLAVE : KVM_IRQCHIP_PIC_MASTER)
        try fd.ioctl("KVM_GET_IRQCHIP", CKVM_GET_IRQCHIP, &chip)
        return withUnsafeBytes(of: chip.chip) { PICState(bytes: Array($0.prefix(PICState.size))) }
    }

    /// KVM_SET_IRQCHIP for one PIC.
    public func setPICState(_ state: PICState, slave: Bool) throws(KVMError) {
        var chip = kvm_irqchip()
        chip.chip_id = UInt32(slave ? KVM_IRQCHIP_PIC_SLAVE : KVM_IRQCHIP_PIC_MASTER)
        withUnsafeMutableBytes(of: &chip.chip) { $0.copyBytes(from: state.bytes) }
        try fd.ioctl("KVM_SET_IRQCHIP", CKVM_SET_IRQCHIP, &chip)
    }

    /// KVM_GET_IRQCHIP for the IOAPIC.
    public func ioapicState() throws(KVMError) -> IOAPICState {
        var chip = kvm_irqchip()
        chip.chip_id = UInt32(KVM_IRQCHIP_IOAPIC)
        try fd.ioctl("KVM_GET_IRQCHIP", CKVM_GET_IRQCHIP, &chip)
        let raw = chip.chip.ioapic
        var state = IOAPICState()
        state.baseAddress = raw.base_address
        state.registerSelect = raw.ioregsel
        state.id = raw.id
        state.interruptRequests = raw.irr
        // redirtbl (an array of bitfield unions, which Swift does not import) follows the four u32s at byte 24.
        state.redirectionTable = withUnsafeBytes(of: chip.chip) { bytes in
            (0..<IOAPICState.pinCount).map { bytes.loadUnaligned(fromByteOffset: IOAPICState.tableOffset + 8 * $0, as: UInt64.self) }
        }
        return state
    }

    /// KVM_SET_IRQCHIP for the IOAPIC.
    public func setIOAPICState(_ state: IOAPICState) throws(KVMError) {
        guard state.redirectionTable.count == IOAPICState.pinCount else {
            throw KVMError.protocolViolation("an IOAPIC with \(state.redirectionTable.count) pins; KVM's has \(IOAPICState.pinCount)")
        }
        var chip = kvm_irqchip()
        chip.chip_id = UInt32(KVM_IRQCHIP_IOAPIC)
        chip.chip.ioapic.base_address = state.baseAddress
        chip.chip.ioapic.ioregsel = state.registerSelect
        chip.chip.ioapic.id = state.id
        chip.chip.ioapic.irr = state.interruptRequests
        withUnsafeMutableBytes(of: &chip.chip) { bytes in
            for (pin, entry) in state.redirectionTable.enumerated() {
                bytes.storeBytes(of: entry, toByteOffset: IOAPICState.tableOffset + 8 * pin, as: UInt64.self)
            }
        }
        try fd.ioctl("KVM_SET_IRQCHIP", CKVM_SET_IRQCHIP, &chip)
    }
}
