/// A device reached through guest-physical memory addresses that are not RAM (a PCI memory BAR). The
/// region decides per access whether the address is its own now: a BAR moves when the guest programs it.
public protocol MMIORegion: AnyObject, Sendable {
    /// The value read, or nil when `address` is not in this region.
    func read(address: UInt64, size: Int) -> UInt64?
    /// Whether the access was this region's.
    func write(address: UInt64, size: Int, value: UInt64) -> Bool
}
