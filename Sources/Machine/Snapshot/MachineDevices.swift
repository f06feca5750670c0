import Devices
import Snapshot

/// The port devices of a machine whose state a snapshot carries (DEVS section), each saved and restored
/// in this order under its name. The debug-exit port has no state; the test data channel's only state
/// is host-side statistics the guest cannot see.
struct MachineDevices: Sendable {
    static let version: UInt32 = 1
    static let names = ["serial0", "i8042", "cmos-rtc", "pci-host", "snapshot-port"]

    let serial: Serial16550
    let keyboardController: I8042
    let rtc: CMOSRTC
    let pciHost: PCIHostBridgePorts
    let snapshotPort: SnapshotRequestPort

    func save() -> [UInt8] {
        var writer = StateWriter()
        writer.u32(UInt32(Self.names.count))
        for name in Self.names {
            writer.string(name)
            switch name {
            case "serial0": serial.saveState(to: &writer)
            case "i8042": keyboardController.saveState(to: &writer)
            case "cmos-rtc": rtc.saveState(to: &writer)
            case "pci-host": pciHost.saveState(to: &writer)
            default: snapshotPort.saveState(to: &writer)
            }
        }
        return writer.bytes
    }

    /// Restores every device; the snapshot must hold exactly these devices, in this order.
    func restore(from reader: inout StateReader) throws(SnapshotError) {
        let count = try reader.u32("device count")
        guard count == UInt32(Self.names.count) else {
            throw reader.failure("device count", "\(count) devices; this machine has \(Self.names.count) (\(Self.names.joined(separator: ", ")))")
        }
        for (index, name) in Self.names.enumerated() {
            let saved = try reader.string(field: "device \(index) name")
            guard saved == name else { throw reader.failure("device \(index) name", "'\(saved)' where '\(name)' belongs") }
            switch name {
            case "serial0": try serial.restoreState(from: &reader)
            case "i8042": try keyboardController.restoreState(from: &reader)
            case "cmos-rtc": try rtc.restoreState(from: &reader)
            case "pci-host": try pciHost.restoreState(from: &reader)
            default: try snapshotPort.restoreState(from: &reader)
            }
        }
        try reader.finish()
    }
}
