/// Why a function could not be placed on a `PCIBus`: machine-type wiring mistakes, with the slot named.
public enum PCIBusError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Only bus 0 exists (there are no PCI-to-PCI bridges).
    case noSuchBus(PCIAddress)
    /// Another function already sits at that address.
    case occupied(PCIAddress)

    public var description: String {
        switch self {
        case let .noSuchBus(address):
            return "cannot place a PCI function at \(address): only bus 00 exists"
        case let .occupied(address):
            return "cannot place a PCI function at \(address): the slot is already taken; pick another device or function number"
        }
    }
}
