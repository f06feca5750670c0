/// The outcome of one port access on the `IOBus`.
public enum PortAccess: Equatable, Sendable {
    /// A device took the access. For a read, the value it returned (truncated to the access size);
    /// for a write, the value written.
    case handled(UInt32)
    /// No device sits at the port. A read sees all-ones for its size, as on a PC with nothing driving the
    /// bus; a write carries the value that was ignored.
    case unhandled(UInt32)

    public var value: UInt32 {
        switch self {
        case let .handled(value), let .unhandled(value): return value
        }
    }

    public var isHandled: Bool {
        if case .handled = self { return true }
        return false
    }

    /// All-ones for an access of `size` bytes. Sizes other than 1, 2 or 4 (which KVM never produces)
    /// are clamped rather than trusted.
    public static func allOnes(size: Int) -> UInt32 {
        switch size {
        case ...1: return 0xFF
        case 2, 3: return 0xFFFF
        default: return 0xFFFF_FFFF
        }
    }

    /// Keeps the low `size` bytes of `value`.
    public static func truncate(_ value: UInt32, toSize size: Int) -> UInt32 {
        value & allOnes(size: size)
    }
}
