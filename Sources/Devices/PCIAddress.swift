/// Where a PCI function sits: bus, device (slot) and function, written `bb:dd.f` as lspci does.
public struct PCIAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
    public static let deviceCount: UInt8 = 32
    public static let functionCount: UInt8 = 8

    public let bus: UInt8
    public let device: UInt8
    public let function: UInt8

    /// `device` must be below 32 and `function` below 8: the machine type picks the slots, so a value out
    /// of range is a wiring mistake, not guest input.
    public init(bus: UInt8 = 0, device: UInt8, function: UInt8 = 0) {
        precondition(device < Self.deviceCount, "PCI device number \(device) is out of range (0–31)")
        precondition(function < Self.functionCount, "PCI function number \(function) is out of range (0–7)")
        self.bus = bus
        self.device = device
        self.function = function
    }

    public static func < (lhs: PCIAddress, rhs: PCIAddress) -> Bool {
        (lhs.bus, lhs.device, lhs.function) < (rhs.bus, rhs.device, rhs.function)
    }

    public var description: String {
        "\(Self.hex(bus)):\(Self.hex(device)).\(function)"
    }

    private static func hex(_ value: UInt8) -> String {
        let digits = String(value, radix: 16)
        return digits.count < 2 ? "0" + digits : digits
    }
}
