/// Configuration-space accesses to the function. Most go straight to `PCIFunction`; two need the
/// transport: MSI-X enable/mask changes (pending vectors go out, INTx steps aside) and the
/// VIRTIO_PCI_CAP_PCI_CFG window (virtio 1.2, §4.1.4.9), whose pci_cfg_data reaches into the BAR.
extension VirtioPCITransport {
    /// A configuration read; mutating because a read of pci_cfg_data is a BAR read (ISR clears on read).
    public mutating func readConfig(offset: Int, size: Int) -> UInt32 {
        let data = pciConfigCapabilityOffset + 16
        if offset == data, let window = pciConfigWindow {
            let value = read(barOffset: window.offset, size: window.length)
            pciConfigData = UInt32(truncatingIfNeeded: value)
        }
        var value = function.read(offset: offset, size: size)
        for index in 0..<min(max(size, 1), 4) where (data..<data + 4).contains(offset + index) {
            let byte = UInt32(truncatingIfNeeded: pciConfigData >> (8 * UInt32(offset + index - data))) & 0xFF
            value = value & ~(0xFF << (8 * UInt32(index))) | byte << (8 * UInt32(index))
        }
        return value
    }

    public mutating func writeConfig(offset: Int, size: Int, value: UInt32) {
        let data = pciConfigCapabilityOffset + 16
        for index in 0..<min(max(size, 1), 4) where (data..<data + 4).contains(offset + index) {
            let shift = 8 * UInt32(offset + index - data)
            let byte = (value >> (8 * UInt32(index))) & 0xFF
            pciConfigData = pciConfigData & ~(0xFF << shift) | byte << shift
        }
        function.write(offset: offset, size: size, value: value)
        if offset == data, let window = pciConfigWindow {
            write(barOffset: window.offset, size: window.length, value: UInt64(pciConfigData))
        }
        // MSI-X may have been enabled or unmasked, or Interrupt Disable changed.
        deliverPendingMSIX()
        updateINTx()
    }

    /// The BAR access the window's bar/offset/length fields describe, when it is one the device supports:
    /// BAR4, a length of 1, 2 or 4, aligned to it, inside the BAR (§4.1.4.9.1 lets others be ignored).
    private var pciConfigWindow: (offset: UInt64, length: Int)? {
        let capability = pciConfigCapabilityOffset
        let bar = function.read(offset: capability + 4, size: 1)
        let offset = UInt64(function.read(offset: capability + 8, size: 4))
        let length = Int(function.read(offset: capability + 12, size: 4))
        guard bar == UInt32(VirtioPCILayout.barIndex), [1, 2, 4].contains(length), offset % UInt64(length) == 0,
              offset + UInt64(length) <= VirtioPCILayout.barSize else { return nil }
        return (offset, length)
    }
}
