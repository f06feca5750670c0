/// A set of virtio feature bits (virtio 1.2, §2.2 and §6): bits 0–23 belong to the device type,
/// 24–40 are device-independent. A device offers a set, the driver accepts a subset, and the device
/// confirms it by keeping FEATURES_OK set (§3.1.1).
public struct VirtioFeatures: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public static func bit(_ number: Int) -> VirtioFeatures { VirtioFeatures(rawValue: 1 << UInt64(number)) }

    // Device-independent bits (§6).
    /// VIRTIO_F_INDIRECT_DESC: descriptors may point at a table of further descriptors.
    public static let indirectDescriptors = bit(28)
    /// VIRTIO_F_EVENT_IDX: used_event / avail_event replace the ring flags for suppressing notifications.
    public static let eventIndex = bit(29)
    /// VIRTIO_F_VERSION_1: virtio 1.x semantics (little-endian, modern layout); a modern-only device needs it.
    public static let version1 = bit(32)
    public static let accessPlatform = bit(33)
    public static let ringPacked = bit(34)
    public static let inOrder = bit(35)
    public static let orderPlatform = bit(36)
    public static let singleRootIOV = bit(37)
    public static let notificationData = bit(38)
    public static let notificationConfigData = bit(39)
    public static let ringReset = bit(40)

    /// The 32 bits selected by a feature-select register value (0: bits 0–31, 1: bits 32–63, others none).
    public func word(_ select: UInt32) -> UInt32 {
        switch select {
        case 0: return UInt32(truncatingIfNeeded: rawValue)
        case 1: return UInt32(truncatingIfNeeded: rawValue >> 32)
        default: return 0
        }
    }

    /// `self` with the 32 bits of word `select` replaced by `value`; nil for a select beyond 63 bits.
    public func replacingWord(_ select: UInt32, with value: UInt32) -> VirtioFeatures? {
        guard select < 2 else { return nil }
        let shift = UInt64(select) * 32
        return VirtioFeatures(rawValue: rawValue & ~(0xFFFF_FFFF << shift) | UInt64(value) << shift)
    }

    static let independentNames: [Int: String] = [
        28: "VIRTIO_F_INDIRECT_DESC", 29: "VIRTIO_F_EVENT_IDX", 32: "VIRTIO_F_VERSION_1",
        33: "VIRTIO_F_ACCESS_PLATFORM", 34: "VIRTIO_F_RING_PACKED", 35: "VIRTIO_F_IN_ORDER",
        36: "VIRTIO_F_ORDER_PLATFORM", 37: "VIRTIO_F_SR_IOV", 38: "VIRTIO_F_NOTIFICATION_DATA",
        39: "VIRTIO_F_NOTIF_CONFIG_DATA", 40: "VIRTIO_F_RING_RESET",
    ]

    /// The spec's names of the set bits, lowest first; device-type bits are named for `deviceType`, and
    /// a bit without a name reads "bit N".
    public func names(deviceType: VirtioDeviceType) -> [String] {
        let deviceNames = deviceType == .block ? VirtioBlockFeatures.names : [:]
        return (0..<64).filter { rawValue & (1 << UInt64($0)) != 0 }.map { bit in
            (bit < 24 ? deviceNames[bit] : Self.independentNames[bit]) ?? "bit \(bit)"
        }
    }

    public var description: String { names(deviceType: .block).joined(separator: "|") }
}
