import Synchronization

/// The port I/O address space: maps ports to devices and counts accesses that hit nothing.
///
/// Used from every vCPU thread at once. Each device gets its own lock, so two vCPUs never run the same
/// device concurrently while different devices proceed in parallel. A string instruction arrives as one
/// call per element, and an access is dispatched by its first port only (no access spans two devices).
public final class IOBus: Sendable {
    private struct State {
        var slots: [Slot] = []
        var unhandledAccesses: UInt64 = 0
        var firstUnhandled: (port: UInt16, isWrite: Bool)?
    }

    private let state = Mutex(State())

    public init() {}

    /// Places `device` at ports [base, base + length). `name` appears in error messages.
    public func register(_ device: PortDevice, base: UInt16, length: UInt16, name: String) throws {
        guard length > 0, UInt32(base) + UInt32(length) <= 0x1_0000 else {
            throw IOBusError.invalidRange(name: name, base: base, length: length)
        }
        let slot = Slot(device: device, base: base, length: length, name: name)
        try state.withLock { state in
            if let other = state.slots.first(where: { $0.overlaps(slot) }) {
                throw IOBusError.overlap(name: name, base: base, length: length, existing: other.name,
                                         existingBase: other.base, existingLength: other.length)
            }
            state.slots.append(slot)
        }
    }

    public func read(port: UInt16, size: Int) -> PortAccess {
        guard Self.isValid(size), let slot = slot(at: port) else {
            countUnhandled(port: port, isWrite: false)
            return .unhandled(PortAccess.allOnes(size: size))
        }
        return .handled(slot.read(offset: port - slot.base, size: size))
    }

    public func write(port: UInt16, size: Int, value: UInt32) -> PortAccess {
        let value = PortAccess.truncate(value, toSize: size)
        guard Self.isValid(size), let slot = slot(at: port) else {
            countUnhandled(port: port, isWrite: true)
            return .unhandled(value)
        }
        slot.write(offset: port - slot.base, size: size, value: value)
        return .handled(value)
    }

    /// Reads plus writes that hit no device (or had a size other than 1, 2 or 4).
    public var unhandledAccesses: UInt64 { state.withLock { $0.unhandledAccesses } }

    /// The first access that hit no device, for an error message under `--strict-io`.
    public var firstUnhandled: (port: UInt16, isWrite: Bool)? { state.withLock { $0.firstUnhandled } }

    /// The registered devices as (name, base, length), lowest base first — for diagnostics.
    public var layout: [(name: String, base: UInt16, length: UInt16)] {
        state.withLock { $0.slots.sorted { $0.base < $1.base }.map { ($0.name, $0.base, $0.length) } }
    }

    private func slot(at port: UInt16) -> Slot? {
        state.withLock { $0.slots.first { $0.contains(port) } }
    }

    private func countUnhandled(port: UInt16, isWrite: Bool) {
        state.withLock { state in
            state.unhandledAccesses &+= 1
            if state.firstUnhandled == nil { state.firstUnhandled = (port, isWrite) }
        }
    }

    private static func isValid(_ size: Int) -> Bool { size == 1 || size == 2 || size == 4 }
}

/// One registered device and the lock that serializes access to it.
///
/// `@unchecked Sendable`: `device` need not be Sendable itself; every call into it goes through `lock`.
private final class Slot: @unchecked Sendable {
    let base: UInt16
    let length: UInt16
    let name: String
    private let device: PortDevice
    private let lock = Mutex(())

    init(device: PortDevice, base: UInt16, length: UInt16, name: String) {
        self.device = device
        self.base = base
        self.length = length
        self.name = name
    }

    private var end: UInt32 { UInt32(base) + UInt32(length) }

    func contains(_ port: UInt16) -> Bool { port >= base && UInt32(port) < end }

    func overlaps(_ other: Slot) -> Bool { UInt32(base) < other.end && UInt32(other.base) < end }

    func read(offset: UInt16, size: Int) -> UInt32 {
        lock.withLock { _ in PortAccess.truncate(device.read(offset: offset, size: size), toSize: size) }
    }

    func write(offset: UInt16, size: Int, value: UInt32) {
        lock.withLock { _ in device.write(offset: offset, size: size, value: value) }
    }
}
