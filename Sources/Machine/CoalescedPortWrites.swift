import Devices
import KVM
import Synchronization

/// Port writes that KVM queues in the VM's coalesced ring (KVM_COALESCED_PIO) instead of exiting one by
/// one; swiftvm applies them, in order, before it handles the next exit of any vCPU.
///
/// Two kinds of port qualify, because nothing can tell a queued write from an immediate one until the
/// guest's next exit:
/// - ports no device claims: such a write does nothing on a PC (swiftvm only counts it), so a guest
///   probing every port (hostile-ports) pays one exit per `in` instead of one per `in` and one per `out`;
/// - pure index latches, whose only effect shows through an access to their data port, which exits:
///   the PCI CONFIG_ADDRESS dword at 0xCF8 and the CMOS index at 0x70 (as QEMU coalesces 0x70). Every
///   config-space or CMOS access then costs one exit instead of two.
/// Reads always exit (they need an answer). `--strict-io` keeps writes to nothing exits so the first one
/// can stop the run. When the ring is full KVM exits as usual; hosts without coalesced PIO just exit.
final class CoalescedPortWrites: Sendable {
    /// Ports KVM's in-kernel devices own (8259 pair with ELCR, 8254 with the speaker port): not ours to
    /// coalesce even though no userspace device sits there.
    static let inKernelPorts: [(base: UInt16, length: UInt16)] = [(0x20, 2), (0x40, 4), (0x61, 1), (0xA0, 2), (0x4D0, 2)]
    /// Index latches written before every access to their data port (whole-register writes only: a
    /// wider write that also reaches the data port is outside the zone and exits).
    static let latches: [(port: UInt16, length: UInt32)] = [(PCIHostBridgePorts.basePort, 4), (CMOSRTC.basePort, 1)]

    private let ring: CoalescedRing
    private let bus: IOBus
    /// Taken only when the ring holds writes: they must be applied in order, before any exit after them.
    private let draining = Mutex(())
    let zones: [(port: UInt16, length: UInt32)]

    private init(ring: CoalescedRing, bus: IOBus, zones: [(port: UInt16, length: UInt32)]) {
        self.ring = ring
        self.bus = bus
        self.zones = zones
    }

    /// Coalesces writes to the latches and, unless `strays` is false, to every port that neither `bus`
    /// nor KVM claims; nil when the host cannot.
    static func install(on vm: VirtualMachine, ring: CoalescedRing?, bus: IOBus, strays: Bool) -> CoalescedPortWrites? {
        guard let ring else { return nil }
        let claimed = bus.layout.map { ($0.base, $0.length) } + inKernelPorts
        var zones: [(port: UInt16, length: UInt32)] = []
        for zone in latches.filter({ bus.isAssigned($0.port) }) + (strays ? unclaimedRanges(claimed) : []) {
            guard (try? vm.registerCoalescedPIO(port: zone.port, length: zone.length)) != nil else { break }
            zones.append(zone)
        }
        return zones.isEmpty ? nil : CoalescedPortWrites(ring: ring, bus: bus, zones: zones)
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

    /// Applies the queued writes through the bus (a write to nothing is counted there). Called before
    /// every exit is handled: two loads and a compare, inlined into the vCPU loop, when the ring is empty.
    @inline(__always)
    func drainIfPending() {
        if ring.hasEntries { drain() }
    }

    @inline(never)
    private func drain() {
        draining.withLock { _ in
            _ = ring.drain { port, length, data in
                _ = bus.write(port: UInt16(truncatingIfNeeded: port), size: Int(length), value: UInt32(truncatingIfNeeded: data))
            }
        }
    }
}
