/// A PCI function whose configuration space lives outside the bus's plain `PCIFunction` values, because
/// accesses to it have effects (a virtio-pci transport: MSI-X enable, BAR moves, the PCI_CFG window).
/// The host bridge routes the configuration accesses of its address here, serialised by the bridge.
public protocol PCIConfigHandler: AnyObject, Sendable {
    func readConfig(offset: Int, size: Int) -> UInt32
    func writeConfig(offset: Int, size: Int, value: UInt32)
}
