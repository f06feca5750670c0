/// The device status field (virtio 1.2, §2.1): the driver sets bits as it initialises the device, the
/// device sets NEEDS_RESET when it can go on no longer, and writing 0 resets everything.
public struct VirtioDeviceStatus: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8

    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let acknowledge = VirtioDeviceStatus(rawValue: 1)
    public static let driver = VirtioDeviceStatus(rawValue: 2)
    public static let driverOK = VirtioDeviceStatus(rawValue: 4)
    public static let featuresOK = VirtioDeviceStatus(rawValue: 8)
    /// DEVICE_NEEDS_RESET: the device met an error it cannot recover from (here: a malformed ring or
    /// request). Only the device sets it; only a reset clears it.
    public static let needsReset = VirtioDeviceStatus(rawValue: 0x40)
    public static let failed = VirtioDeviceStatus(rawValue: 0x80)
}

/// A virtio device type (virtio 1.2, §5). The modern PCI device ID is 0x1040 + the type.
public struct VirtioDeviceType: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt16

    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let network = VirtioDeviceType(rawValue: 1)
    public static let block = VirtioDeviceType(rawValue: 2)
    public static let console = VirtioDeviceType(rawValue: 3)
    public static let entropy = VirtioDeviceType(rawValue: 4)

    /// The PCI Device ID of a modern (non-transitional) device of this type (§4.1.2.1).
    public var pciDeviceID: UInt16 { 0x1040 + rawValue }
}
