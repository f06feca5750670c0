/// PCI bus 0: the functions present, by address, and configuration accesses routed to them. A value type;
/// the host bridge owns one and serializes the guest's accesses.
///
/// An address with no function answers like an empty slot on real hardware: the host bridge gets a master
/// abort, reads return all-ones (so the Vendor ID reads 0xFFFF, "no function here") and writes vanish
/// (PCI Local Bus Specification 3.0, §6.1).
public struct PCIBus: Equatable, Sendable {
    public private(set) var functions: [PCIAddress: PCIFunction] = [:]

    public init() {}

    /// Places `function` at `address` (bus 0). Function 0 of a device gets the multi-function header bit
    /// as soon as the device has another function, since software only probes functions 1–7 when it is set.
    /// Software also skips a device whose function 0 is absent, so place function 0 first in mind.
    public mutating func insert(_ function: PCIFunction, at address: PCIAddress) throws(PCIBusError) {
        guard address.bus == 0 else { throw .noSuchBus(address) }
        guard functions[address] == nil else { throw .occupied(address) }
        functions[address] = function
        updateMultiFunctionBit(device: address.device)
    }

    public subscript(address: PCIAddress) -> PCIFunction? { functions[address] }

    /// The addresses in use, lowest first.
    public var addresses: [PCIAddress] { functions.keys.sorted() }

    /// Puts `function`'s state in place of the one at `address` (a restore); nothing when none is there.
    mutating func replace(_ function: PCIFunction, at address: PCIAddress) {
        guard functions[address] != nil else { return }
        functions[address] = function
    }

    /// A configuration read of `size` bytes at `offset` in the function at `address`; all-ones if absent.
    public func read(_ address: PCIAddress, offset: Int, size: Int) -> UInt32 {
        guard let function = functions[address] else { return PortAccess.allOnes(size: size) }
        return function.read(offset: offset, size: size)
    }

    /// A configuration write; dropped if no function is at `address`.
    public mutating func write(_ address: PCIAddress, offset: Int, size: Int, value: UInt32) {
        functions[address]?.write(offset: offset, size: size, value: value)
    }

    private mutating func updateMultiFunctionBit(device: UInt8) {
        let functionZero = PCIAddress(device: device)
        let count = functions.keys.filter { $0.bus == 0 && $0.device == device }.count
        functions[functionZero]?.setMultiFunction(count > 1)
    }
}
