import Devices

/// The guest-visible shape of a modern (virtio 1.x, non-transitional) virtio-pci function: its IDs, its one
/// memory BAR and the capabilities that tell the driver where each structure lives (virtio 1.2, §4.1).
/// Guest ABI: a machine type that ships it must not change a number here.
///
/// BAR4, 64-bit, non-prefetchable (ISR status clears on read, so a prefetch would lose interrupts),
/// 32 KiB, one 4 KiB page per structure, as QEMU lays out its modern BAR, so each page can be mapped or
/// trapped on its own and the MSI-X table and PBA sit in pages of their own (PCI 3.0 §6.8.2 asks for that):
///
///     0x0000 common configuration   0x1000 ISR status   0x2000 device configuration
///     0x3000 notifications (queue n at 0x3000 + 4n)   0x4000 MSI-X table   0x5000 MSI-X PBA
///
/// No legacy I/O BAR: the device ID is in the modern range, so only virtio 1.x drivers bind.
public enum VirtioPCILayout {
    public static let barIndex = 4
    public static let barSize: UInt64 = 0x8000
    public static let bar = PCIBAR.memory64(size: barSize, prefetchable: false)

    public static let commonConfigOffset: UInt64 = 0x0000
    public static let isrOffset: UInt64 = 0x1000
    public static let deviceConfigOffset: UInt64 = 0x2000
    public static let notifyOffset: UInt64 = 0x3000
    public static let msixTableOffset: UInt64 = 0x4000
    public static let msixPBAOffset: UInt64 = 0x5000
    /// Each structure's window, and the length its capability advertises.
    public static let regionSize: UInt64 = 0x1000
    /// notify_off_multiplier: queue n's notify register is at notifyOffset + n × 4 (queue_notify_off = n).
    public static let notifyOffsetMultiplier: UInt32 = 4

    /// The BAR offset a driver writes to notify queue `queue`: where the VMM places its ioeventfd.
    public static func notifyAddressOffset(queue: UInt16) -> UInt64 {
        notifyOffset + UInt64(queue) * UInt64(notifyOffsetMultiplier)
    }

    /// cfg_type of a virtio vendor capability (struct virtio_pci_cap, §4.1.4).
    public enum CapabilityType: UInt8, Sendable {
        case commonConfig = 1, notifyConfig = 2, isrConfig = 3, deviceConfig = 4, pciConfig = 5
    }

    /// The PCI identity: vendor 1af4, device 0x1040 + type, revision 1 (§4.1.2.1: modern devices may have
    /// any revision, drivers must match ≥ 1), the class code for the type, and a subsystem the machine type
    /// chooses (QEMU: 1af4:1100).
    public static func identity(for type: VirtioDeviceType, subsystemVendorID: UInt16 = 0x1AF4,
                                subsystemID: UInt16 = 0x1100) -> PCIIdentity {
        let (base, sub): (UInt8, UInt8) = switch type {
        case .block: (0x01, 0x80)            // mass storage, other
        case .network: (0x02, 0x00)          // network, Ethernet
        default: (0xFF, 0x00)                // unclassified
        }
        return PCIIdentity(vendorID: 0x1AF4, deviceID: type.pciDeviceID, revisionID: 1, baseClass: base,
                           subclass: sub, subsystemVendorID: subsystemVendorID, subsystemID: subsystemID)
    }

    /// The capability list, in this order from 0x40: common 0x40, notify 0x50, ISR 0x64, device 0x74,
    /// PCI configuration access 0x84, MSI-X 0x98 (`msixVectors` entries).
    public static func capabilities(msixVectors: Int) -> [PCICapability] {
        [virtioCapability(.commonConfig, offset: commonConfigOffset),
         virtioCapability(.notifyConfig, offset: notifyOffset, extra: littleEndian(notifyOffsetMultiplier)),
         virtioCapability(.isrConfig, offset: isrOffset),
         virtioCapability(.deviceConfig, offset: deviceConfigOffset),
         pciConfigCapability,
         PCIMSIXCapability.capability(vectors: msixVectors, tableBAR: barIndex, tableOffset: UInt32(msixTableOffset),
                                      pbaBAR: barIndex, pbaOffset: UInt32(msixPBAOffset))]
    }

    /// VIRTIO_PCI_CAP_PCI_CFG (§4.1.4.9): a window through configuration space into the BAR, for drivers
    /// that cannot map it. bar, offset and length are the driver's to set; pci_cfg_data is served by the
    /// transport. Starts pointing nowhere (BAR 0, length 0).
    static var pciConfigCapability: PCICapability {
        let base = virtioCapability(.pciConfig, offset: 0, length: 0, extra: [0, 0, 0, 0], bar: 0)
        // Writable: bar (body 2), offset (body 6–9), length (body 10–13).
        let writable: [UInt8] = [0, 0, 0xFF, 0, 0, 0] + [UInt8](repeating: 0xFF, count: 8)
        return PCICapability(id: base.id, body: base.body, writableBody: writable)
    }

    /// struct virtio_pci_cap after the ID and next bytes: cap_len, cfg_type, bar, id, padding[2],
    /// le32 offset, le32 length, then `extra` (notify_off_multiplier or pci_cfg_data).
    static func virtioCapability(_ type: CapabilityType, offset: UInt64, length: UInt64 = regionSize,
                                 extra: [UInt8] = [], bar: Int = barIndex) -> PCICapability {
        let body: [UInt8] = [UInt8(16 + extra.count), type.rawValue, UInt8(bar), 0, 0, 0]
            + littleEndian(UInt32(offset)) + littleEndian(UInt32(length)) + extra
        return PCICapability(id: PCICapability.vendorSpecificID, body: body)
    }

    static func littleEndian(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
}
