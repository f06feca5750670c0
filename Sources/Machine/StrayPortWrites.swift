import Devices
import KVM
import Synchronization

/// Writes to ports no device claims, coalesced by KVM instead of one userspace exit each.
///
/// Such a write does nothing on a PC (swiftvm only counts it), so nothing is lost by letting KVM queue
/// it in the VM's coalesced ring (KVM_COALESCED_PIO) and counting the queue later: a guest probing every
/// port (hostile-ports) pays one exit per `in` instead of one per `in` and one per `out`. Reads still
/// exit (they need an answer), and `--strict-io` keeps every write an exit so the first one can stop the
/// run. When the ring is full KVM exits as before; hosts without coalesced PIO just exit.
final class StrayPortWrites: Sendable {
    /// Ports KVM's in-kernel devices own (8259 pair with ELCR, 8254 with the speaker port): not ours to
    /// coalesce even though no userspace device sits there.
    static let inKernelPorts: [(base: UInt16, length: UInt16)] = [(0x20, 2), (0x40, 4), (0x61, 1), (0xA0, 2), (0x4D0, 2)]

    private let ring: CoalescedRing
    private let bus: IOBus
    private let draining = Atomic<Bool>(false)
    let zones: [(port: UInt16, length: UInt32)]

    private init(ring: CoalescedRing, bus: IOBus, zones: [(port: UInt16, length: UInt32)]) {
        self.ring = ring
        self.bus = bus
        self.zones = zones
    }

    /// Coalesces writes to every port that neither `bus` nor KVM claims; nil when the host cannot.
    static func install(on vm: VirtualMachine, ring: CoalescedRing?, bus: IOBus) -> StrayPortWrites? {
        guard let ring else { return nil }
        let claimed = bus.layout.map { ($0.base, $0.length) } + inKernelPorts
        var zones: [(port: UInt16, length: UInt32)] = []
        for zone in unclaimedRanges(claimed) {
            guard (try? vm.registerCoalescedPIO(port: zone.port, length: zone.length)) != nil else { break }
            zones.append(zone)
        }
        return zones.isEmpty ? nil : StrayPortWrites(ring: ring, bus: bus, zones: zones)
    }

    /// The gaps between `claimed` port ranges over 0–0xFFFF, lowest first.
    static func unclaimedRanges(_ claimed: [(base: UInt16, length: UInt16)]) -> [(port: UInt16, length: UInt32)] {
        var gaps: [(port: UInt16, length: UInt32)] = []
        var next: UInt32 = 0
        for range in claimed.sorted(by: { $0.base < $1.base }) {
            let start = UInt32(range.base), end = start + UInt32(range.length)
            if start > next { gaps.append((UInt16(next), start - next)) }
            next = max(next, end)
        }
        if next < 0x1_0000 { gaps.append((UInt16(next), 0x1_0000 - next)) }
        return gaps
    }

    /// Counts the queued writes as unassigned accesses, if there are any and nobody else is counting:
    /// called after every exit, it costs two loads when the ring is empty.
    func drainIfPending() {
        guard ring.hasEntries, draining.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return }
        ring.drain { address, _, _ in bus.countUnhandled(port: UInt16(truncatingIfNeeded: address), isWrite: true, count: 1) }
        draining.store(false, ordering: .releasing)
    }
}
