import Snapshot
import Synchronization

/// PCI configuration mechanism #1 (PCI Local Bus Specification 3.0, §3.2.2.3.2): CONFIG_ADDRESS at
/// 0xCF8 and CONFIG_DATA at 0xCFC, eight ports in all, in front of a `PCIBus`.
///
/// - Only a 32-bit access at 0xCF8 is CONFIG_ADDRESS. The spec passes any other access to 0xCF8–0xCFB
///   through as ordinary I/O, and nothing else answers there, so such reads return all-ones and writes are
///   dropped. (On a PIIX chipset 0xCF9 is the reset control register; it is not part of this device.)
/// - CONFIG_DATA accesses of 1, 2 or 4 bytes at 0xCFC + n reach configuration offset register + n. An
///   access that would run past 0xCFF reads all-ones and is dropped.
/// - With the enable bit (31) clear, CONFIG_DATA is not a configuration access: all-ones, writes dropped.
public final class PCIHostBridgePorts: PortDevice, Sendable {
    public static let basePort: UInt16 = 0xCF8
    public static let portCount: UInt16 = 8
    static let dataOffset: UInt16 = 4

    private struct State {
        var address = PCIConfigAddress(rawValue: 0)
        var bus: PCIBus
    }

    private let state: Mutex<State>
    /// Functions whose configuration space has effects, by address; fixed at construction.
    private let handlers: [PCIAddress: any PCIConfigHandler]

    public init(bus: PCIBus, handlers: [PCIAddress: any PCIConfigHandler] = [:]) {
        state = Mutex(State(bus: bus))
        self.handlers = handlers
    }

    public func read(offset: UInt16, size: Int) -> UInt32 {
        state.withLock { state in
            if offset == 0, size == 4 { return state.address.rawValue }
            guard let register = Self.configOffset(offset, size: size, address: state.address) else {
                return PortAccess.allOnes(size: size)
            }
            if let handler = handlers[state.address.functionAddress] { return handler.readConfig(offset: register, size: size) }
            return state.bus.read(state.address.functionAddress, offset: register, size: size)
        }
    }

    public func write(offset: UInt16, size: Int, value: UInt32) {
        state.withLock { state in
            if offset == 0, size == 4 {
                state.address = PCIConfigAddress(rawValue: value)
                return
            }
            guard let register = Self.configOffset(offset, size: size, address: state.address) else { return }
            if let handler = handlers[state.address.functionAddress] {
                handler.writeConfig(offset: register, size: size, value: value)
                return
            }
            state.bus.write(state.address.functionAddress, offset: register, size: size, value: value)
        }
    }

    /// The latched CONFIG_ADDRESS.
    public var configAddress: PCIConfigAddress { state.withLock { $0.address } }

    /// A snapshot of the bus and every function's configuration space.
    public var bus: PCIBus { state.withLock { $0.bus } }

    /// Snapshot: CONFIG_ADDRESS and, in address order, each function's configuration space. Functions
    /// behind a handler (virtio) are saved by their owner.
    public func saveState(to writer: inout StateWriter) {
        state.withLock { state in
            writer.u32(state.address.rawValue)
            let addresses = state.bus.addresses.filter { handlers[$0] == nil }
            writer.u32(UInt32(addresses.count))
            for address in addresses {
                writer.u8(address.bus); writer.u8(address.device); writer.u8(address.function)
                state.bus[address]!.save(to: &writer)
            }
        }
    }

    /// Restore: the same functions must be present at the same addresses (the machine type fixes them).
    public func restoreState(from reader: inout StateReader) throws(SnapshotError) {
        try state.withLock { (state) throws(SnapshotError) in
            state.address = PCIConfigAddress(rawValue: try reader.u32("PCI CONFIG_ADDRESS"))
            let addresses = state.bus.addresses.filter { handlers[$0] == nil }
            let count = try reader.u32("PCI function count")
            guard count == UInt32(addresses.count) else {
                throw reader.failure("PCI function count", "\(count) functions; this machine type has \(addresses.count)")
            }
            var bus = state.bus
            for address in addresses {
                // Compared as bytes: PCIAddress traps on a device or function number out of range.
                let saved = [try reader.u8("PCI bus"), try reader.u8("PCI device"), try reader.u8("PCI function")]
                guard saved == [address.bus, address.device, address.function] else {
                    throw reader.failure("PCI function address", "\(saved.map(String.init).joined(separator: ":")) where this machine type has \(address)")
                }
                var function = bus[address]!
                try function.restore(from: &reader)
                bus.replace(function, at: address)
            }
            state.bus = bus
        }
    }

    /// The configuration-space offset a CONFIG_DATA access reaches, or nil when it is no configuration access.
    private static func configOffset(_ offset: UInt16, size: Int, address: PCIConfigAddress) -> Int? {
        guard offset >= dataOffset, address.isEnabled, size == 1 || size == 2 || size == 4 else { return nil }
        let byte = Int(offset - dataOffset)
        guard byte + size <= 4 else { return nil }
        return Int(address.register) + byte
    }
}
