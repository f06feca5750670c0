/// The read-only identification registers of a PCI function (PCI Local Bus Specification 3.0, §6.2.1):
/// who made it, what it is, and which board it sits on. These are the values a guest driver matches on,
/// so a machine type fixes them for good.
public struct PCIIdentity: Equatable, Sendable {
    public var vendorID: UInt16
    public var deviceID: UInt16
    public var revisionID: UInt8
    /// Base class, subclass and programming interface, e.g. (0x06, 0x00, 0x00) for a host bridge.
    public var baseClass: UInt8
    public var subclass: UInt8
    public var programmingInterface: UInt8
    /// 0 means "no subsystem" (§6.2.4). QEMU gives its devices 1af4:1100; a machine type decides.
    public var subsystemVendorID: UInt16
    public var subsystemID: UInt16

    public init(vendorID: UInt16, deviceID: UInt16, revisionID: UInt8 = 0,
                baseClass: UInt8, subclass: UInt8, programmingInterface: UInt8 = 0,
                subsystemVendorID: UInt16 = 0, subsystemID: UInt16 = 0) {
        self.vendorID = vendorID
        self.deviceID = deviceID
        self.revisionID = revisionID
        self.baseClass = baseClass
        self.subclass = subclass
        self.programmingInterface = programmingInterface
        self.subsystemVendorID = subsystemVendorID
        self.subsystemID = subsystemID
    }
}
