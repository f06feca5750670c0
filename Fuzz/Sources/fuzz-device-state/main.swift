// fuzz-device-state: a snapshot's device fields, hostile, restored into fresh devices (the DEVS and
// VIRT sections of docs/snapshot-format.md without the container around them, which fuzz-snapshot covers).
//
// The first byte picks the device (modulo 7): the UART, the i8042, the CMOS RTC, a PCI function (the
// test device with 32-bit, I/O and 64-bit BARs), an MSI-X table of 3 vectors, the snapshot port, or a
// virtio-blk transport over 64 KiB of RAM. The rest is the device's saved fields.
//
// Invariants: a restore either throws a SnapshotError naming the DEVS/VIRT section or succeeds; a
// success saves fields that restore again into another fresh device and save the same bytes (what a
// restore accepts is a state the device keeps; the snapshot port instead counts one restore more); a
// refused restore leaves value-type state untouched;
// a restored device then takes guest accesses without trapping.
import BlockBackends
import Devices
import FuzzSupport
import GuestMemory
import Snapshot
import Virtio

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let choice = input.byte() % 7
    let fields = input.rest()
    switch choice {
    case 0: roundTrip(fields, make: { Serial16550(output: CaptureSink(limit: 16), interrupt: RecordingInterruptLine()) },
                      save: { $0.saveState(to: &$1) }, restore: { (device, reader) throws(SnapshotError) in try device.restoreState(from: &reader) },
                      poke: { uart in for offset in 0..<8 { _ = uart.read(offset: UInt16(offset), size: 1) }; uart.write(offset: 0, size: 1, value: 0x41) })
    case 1: roundTrip(fields, make: { I8042(onReset: {}) }, save: { $0.saveState(to: &$1) }, restore: { (device, reader) throws(SnapshotError) in try device.restoreState(from: &reader) },
                      poke: { controller in _ = controller.dataPort.read(offset: 0, size: 1); controller.commandPort.write(offset: 0, size: 1, value: 0x20) })
    case 2: roundTrip(fields, make: { CMOSRTC(clock: { CMOSDateTime(year: 2026, month: 12, day: 1, hour: 6, minute: 0, second: 0, weekday: 3) }) },
                      save: { $0.saveState(to: &$1) }, restore: { (device, reader) throws(SnapshotError) in try device.restoreState(from: &reader) },
                      poke: { rtc in for index in [0x0A, 0x0B, 0x0C, 0x00, 0x40] { rtc.write(offset: 0, size: 1, value: UInt32(index)); _ = rtc.read(offset: 1, size: 1) } })
    case 3: valueRoundTrip(fields, fresh: PCIFunction.testDevice()) { function in _ = function.barAddress(0); _ = function.barAddress(2); _ = function.read(offset: 0x10, size: 4) }
    case 4: valueRoundTrip(fields, fresh: PCIMSIXTable(vectorCount: 3)) { table in for vector in 0..<3 { _ = table.message(vector); _ = table.isPending(vector) } }
    case 5: snapshotPort(fields)
    default: virtio(fields)
    }
    return 0
}

/// A class device: restore into a fresh one; on success its saved fields restore into another fresh
/// one and save the same bytes.
private func roundTrip<D>(_ fields: [UInt8], make: () -> D, save: (D, inout StateWriter) -> Void,
                          restore: (D, inout StateReader) throws(SnapshotError) -> Void, poke: (D) -> Void) {
    let device = make()
    var reader = StateReader(fields, section: .devices)
    do throws(SnapshotError) {
        try restore(device, &reader)
    } catch {
        require(error.description.contains("section \"DEVS\""), "refusal does not name the section: \(error)")
        return
    }
    var first = StateWriter()
    save(device, &first)
    let again = make()
    var reread = StateReader(first.bytes, section: .devices)
    do throws(SnapshotError) { try restore(again, &reread) } catch { require(false, "saved state refused on restore: \(error)") }
    require(reread.remaining == 0, "restore left \(reread.remaining) of its own saved bytes")
    var second = StateWriter()
    save(again, &second)
    require(second.bytes == first.bytes, "restore → save is not stable")
    poke(device)
}

/// A value-type state: a refused restore leaves it as it was.
private func valueRoundTrip<S: SavedState & Equatable>(_ fields: [UInt8], fresh: S, poke: (S) -> Void) {
    var state = fresh
    var reader = StateReader(fields, section: .devices)
    do throws(SnapshotError) {
        try state.restore(from: &reader)
    } catch {
        require(state == fresh, "a refused restore changed the state")
        return
    }
    var first = StateWriter()
    state.save(to: &first)
    var again = fresh
    var reread = StateReader(first.bytes, section: .devices)
    do throws(SnapshotError) { try again.restore(from: &reread) } catch { require(false, "saved state refused on restore: \(error)") }
    require(again == state, "restore of saved state differs")
    poke(state)
}

/// The snapshot port is the one device whose restore is not a copy: the generation comes back one higher.
private func snapshotPort(_ fields: [UInt8]) {
    let port = SnapshotRequestPort { _ in false }
    var reader = StateReader(fields, section: .devices)
    let saved = fields.count >= 4 ? fields[0..<4].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * $1.offset) } : nil
    do throws(SnapshotError) {
        try port.restoreState(from: &reader)
    } catch {
        require(saved == nil || saved == UInt32.max, "generation \(String(describing: saved)) refused: \(error)")
        require(port.generation == 0, "a refused restore changed the generation")
        return
    }
    require(port.generation == saved! + 1, "generation \(saved!) restored as \(port.generation)")
    require(port.read(offset: 4, size: 4) == port.generation, "the guest reads another generation")
}

private final class NoInterrupt: VirtioInterrupt, @unchecked Sendable {
    func signalMSIX(vector: UInt16, message: MSIMessage) {}
    func setINTxLevel(_ high: Bool) {}
}

private let memory = try! GuestMemory(ranges: [GuestRange(start: GuestAddress(0), size: 0x10000)!])

private func virtio(_ fields: [UInt8]) {
    func fresh() -> VirtioPCITransport {
        VirtioPCITransport(device: VirtioBlockDevice(backend: EmptyMedium(), serial: "fuzz"), memory: memory, interrupt: NoInterrupt())
    }
    var transport = fresh()
    var reader = StateReader(fields, section: .virtio)
    do throws(SnapshotError) {
        try transport.restore(from: &reader)
    } catch {
        require(error.description.contains("section \"VIRT\""), "refusal does not name the section: \(error)")
        return
    }
    var first = StateWriter()
    transport.save(to: &first)
    var again = fresh()
    var reread = StateReader(first.bytes, section: .virtio)
    do throws(SnapshotError) { try again.restore(from: &reread) } catch { require(false, "saved state refused on restore: \(error)") }
    var second = StateWriter()
    again.save(to: &second)
    require(second.bytes == first.bytes, "restore → save is not stable")
    // The restored device serves a notify and register reads over hostile rings without trapping.
    _ = transport.notify(queue: 0)
    for offset in stride(from: UInt64(0), to: 0x38, by: 2) { _ = transport.read(barOffset: offset, size: 2) }
}
