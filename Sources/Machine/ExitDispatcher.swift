import Devices
import KVM
import Synchronization

/// What the vCPU loop does next after an exit.
enum ExitAction: Equatable, Sendable {
    /// Enter the guest again.
    case resume
    /// Hand `data` to the pending `in` instruction, then resume.
    case answerIO([UInt8])
    /// Hand `data` to the pending MMIO read, then resume.
    case answerMMIO([UInt8])
    /// Answer the pending `rdmsr`: the value, or nil for #GP.
    case answerMSRRead(UInt64?)
    /// Answer the pending `wrmsr`: accepted, or #GP.
    case answerMSRWrite(accepted: Bool)
    /// End the run (unless something ended it first).
    case stop(RunStatus)
    /// KVM_RUN was interrupted: stop if the run is over, else resume.
    case checkStop
}

/// Turns a decoded exit into device accesses and an action. Knows the bus, not KVM: it can be driven
/// with made-up exits in tests.
final class ExitDispatcher: Sendable {
    let bus: IOBus
    let strictIO: Bool
    let msrs: MSRPolicy
    /// Devices behind guest-physical addresses (PCI memory BARs), asked in order.
    let mmio: [any MMIORegion]
    private let unassignedMMIO = Atomic<UInt64>(0)
    private let refusedMSRs = Atomic<UInt64>(0)

    init(bus: IOBus, strictIO: Bool, msrs: MSRPolicy = .v1, mmio: [any MMIORegion] = []) {
        self.bus = bus
        self.strictIO = strictIO
        self.msrs = msrs
        self.mmio = mmio
    }

    /// MSR accesses the machine type answered with #GP (MSRs it does not have, writes to constants).
    var refusedMSRAccesses: UInt64 { refusedMSRs.load(ordering: .relaxed) }

    /// Port and MMIO accesses no device claimed.
    var unassignedAccesses: UInt64 { bus.unhandledAccesses + unassignedMMIO.load(ordering: .relaxed) }

    func handle(_ exit: VcpuExit, cpu: UInt32) -> ExitAction {
        switch exit {
        case let .ioOut(port, size, data):
            // String I/O (`rep outs`) arrives as count × size bytes in one exit: one bus write per element.
            for start in stride(from: 0, to: data.count, by: size) {
                let value = data[start..<start + size].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                if case .unhandled = bus.write(port: port, size: size, value: value), strictIO {
                    return .stop(.unassignedAccess(cpu: cpu, UnassignedAccess(space: .port, address: UInt64(port), size: size, isWrite: true)))
                }
            }
            return .resume
        case let .ioIn(port, size, count):
            var data: [UInt8] = []
            data.reserveCapacity(size * count)
            for _ in 0..<count {
                let access = bus.read(port: port, size: size)
                if case .unhandled = access, strictIO {
                    return .stop(.unassignedAccess(cpu: cpu, UnassignedAccess(space: .port, address: UInt64(port), size: size, isWrite: false)))
                }
                data += (0..<size).map { UInt8(truncatingIfNeeded: access.value >> ($0 * 8)) }
            }
            return .answerIO(data)
        case let .mmioWrite(address, data):
            let value = data.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            if mmio.contains(where: { $0.write(address: address, size: data.count, value: value) }) { return .resume }
            unassignedMMIO.add(1, ordering: .relaxed)
            if strictIO {
                return .stop(.unassignedAccess(cpu: cpu, UnassignedAccess(space: .mmio, address: address, size: data.count, isWrite: true)))
            }
            return .resume
        case let .mmioRead(address, length):
            for region in mmio {
                if let value = region.read(address: address, size: length) {
                    return .answerMMIO((0..<length).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) })
                }
            }
            unassignedMMIO.add(1, ordering: .relaxed)
            if strictIO {
                return .stop(.unassignedAccess(cpu: cpu, UnassignedAccess(space: .mmio, address: address, size: length, isWrite: false)))
            }
            return .answerMMIO([UInt8](repeating: 0xFF, count: length))
        case let .msrRead(index):
            // Only MSRs outside KVM's allow list come here: constants, or #GP.
            let value = msrs.read(index)
            if value == nil { refusedMSRs.add(1, ordering: .relaxed) }
            return .answerMSRRead(value)
        case let .msrWrite(index, value):
            let accepted = msrs.acceptsWrite(index, value: value)
            if !accepted { refusedMSRs.add(1, ordering: .relaxed) }
            return .answerMSRWrite(accepted: accepted)
        case .halt:
            return .stop(.halted(cpu: cpu))
        case .shutdown:
            return .stop(.shutdown(cpu: cpu))
        case let .failEntry(reason, _):
            return .stop(.failEntry(cpu: cpu, hardwareReason: reason))
        case let .internalError(error):
            return .stop(.internalError(cpu: cpu, error))
        case let .systemEvent(type):
            return .stop(.systemEvent(cpu: cpu, type: type))
        case .interrupted:
            return .checkStop
        case let .unhandled(reason):
            return .stop(.vmmFailure(cpu: cpu, "unhandled KVM exit reason \(reason)"))
        }
    }
}
