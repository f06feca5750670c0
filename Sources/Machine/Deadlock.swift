import KVM

/// What one vCPU was doing when the watchdog paused every vCPU to look, and what could still wake it.
struct VcpuWakeState: Equatable, Sendable {
    var cpu: UInt32
    /// KVM_GET_MP_STATE (`MPState`).
    var mpState: UInt32
    var rip: UInt64
    /// RFLAGS.IF.
    var interruptsEnabled: Bool
    /// KVM_GET_VCPU_EVENTS: an NMI, SMI, exception or latched INIT on its way in.
    var eventPending: Bool
    /// An unmasked entry of this vCPU's local APIC that can deliver an NMI, SMI or INIT.
    var localAPICCanWake: Bool
}

/// A vCPU the deadlock verdict names: where it stopped, and how.
public struct StuckCPU: Equatable, Sendable, CustomStringConvertible {
    public enum State: String, Equatable, Sendable {
        /// `hlt` with RFLAGS.IF = 0.
        case haltedWithInterruptsDisabled = "hlt with interrupts disabled"
        /// An AP that was never started (or got INIT and no SIPI).
        case waitingForStartup = "waiting for INIT/SIPI"
    }

    public let cpu: UInt32
    public let rip: UInt64
    public let state: State

    public var description: String {
        switch state {
        case .haltedWithInterruptsDisabled: "vCPU \(cpu) \(state.rawValue) at rip 0x\(String(rip, radix: 16))"
        case .waitingForStartup: "vCPU \(cpu) \(state.rawValue)"
        }
    }
}

/// The decision behind `RunStatus.deadlock`, a pure function of what the vCPUs and the interrupt
/// controllers said while every vCPU was paused.
///
/// A guest is dead when every vCPU is either halted with RFLAGS.IF = 0 and nothing pending, or an AP
/// waiting for INIT/SIPI, and no source left in the machine can deliver what such a vCPU still
/// accepts: an NMI, SMI or INIT (maskable interrupts cannot end a `hlt` with IF = 0, and only a running
/// vCPU sends IPIs). Those sources are the IOAPIC's and the local APICs' unmasked entries with NMI, SMI
/// or INIT delivery, and a device that is live and may send an MSI (whose message can ask for an NMI).
/// LVT LINT1 is not one: only KVM_NMI from the VMM drives it, and swiftvm never issues it.
enum Deadlock {
    static func verdict(_ vcpus: [VcpuWakeState], ioapicCanWake: Bool, deviceCanWake: Bool) -> [StuckCPU]? {
        guard !vcpus.isEmpty, !ioapicCanWake, !deviceCanWake else { return nil }
        var stuck: [StuckCPU] = []
        for vcpu in vcpus {
            guard let state = stuckState(vcpu) else { return nil }
            stuck.append(StuckCPU(cpu: vcpu.cpu, rip: vcpu.rip, state: state))
        }
        // All APs waiting and no halted CPU cannot happen (the BSP starts runnable); refuse it anyway.
        guard stuck.contains(where: { $0.state == .haltedWithInterruptsDisabled }) else { return nil }
        return stuck
    }

    private static func stuckState(_ vcpu: VcpuWakeState) -> StuckCPU.State? {
        guard !vcpu.eventPending, !vcpu.localAPICCanWake else { return nil }
        switch vcpu.mpState {
        case MPState.halted where !vcpu.interruptsEnabled: return .haltedWithInterruptsDisabled
        case MPState.uninitialized, MPState.initReceived: return .waitingForStartup
        default: return nil
        }
    }

    /// Delivery modes a halted vCPU with IF = 0 still accepts: SMI (2), NMI (4), INIT (5); 6 and 3 are
    /// reserved and counted too, so that only Fixed (0), Lowest priority (1) and ExtINT (7) are harmless.
    static func canWake(deliveryMode: UInt64) -> Bool {
        ![0, 1, 7].contains(deliveryMode & 0x7)
    }

    /// An IOAPIC redirection entry (bits 8–10 delivery mode, bit 16 mask).
    static func ioapicEntryCanWake(_ entry: UInt64) -> Bool {
        entry & (1 << 16) == 0 && canWake(deliveryMode: entry >> 8)
    }

    /// The local APIC's LVT entries that some source in KVM can fire: CMCI, thermal, performance
    /// counter, LINT0 (the PIC, and the PIT's NMI watchdog), error. The timer has no delivery mode.
    static let lvtOffsets = [0x2F0, 0x330, 0x340, 0x350, 0x370]

    static func localAPICCanWake(_ page: LocalAPICPage) -> Bool {
        // A software-disabled APIC (SVR bit 8 clear) forces every LVT entry masked.
        guard page.register(0xF0) & 0x100 != 0 else { return false }
        return lvtOffsets.contains { offset in
            let entry = page.register(offset)
            return entry & (1 << 16) == 0 && canWake(deliveryMode: UInt64(entry >> 8))
        }
    }
}
