/// One entry of KVM's GSI routing table: what happens when a GSI fires.
public struct GSIRoute: Sendable, Equatable {
    public enum Target: Sendable, Equatable {
        /// An input of the in-kernel PIC pair or IOAPIC.
        case pin(VirtualMachine.IRQChipPin)
        /// An MSI message (address, data) to the LAPICs.
        case msi(address: UInt64, data: UInt32)
    }

    public var gsi: UInt32
    public var target: Target

    public init(gsi: UInt32, target: Target) {
        self.gsi = gsi
        self.target = target
    }
}
