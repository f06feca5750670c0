/// One I/O device occupying a range of ports. It sees only offsets from its own base; where it sits and
/// who calls it is the `IOBus`'s business.
///
/// The bus serializes its calls to each device, so a device that is reached only through the bus needs no
/// locking of its own. A device that the host also touches directly (input injection, counters) must
/// protect that state itself.
public protocol PortDevice: AnyObject {
    /// A read of `size` bytes (1, 2 or 4) at `offset` from the device's base. Only the low `size` bytes
    /// of the result are used.
    func read(offset: UInt16, size: Int) -> UInt32
    /// A write of `size` bytes (1, 2 or 4) at `offset`; only the low `size` bytes of `value` are meaningful.
    func write(offset: UInt16, size: Int, value: UInt32)
}
