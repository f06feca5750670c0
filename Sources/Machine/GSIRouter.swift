#if canImport(Glibc)
import Glibc
#endif
import KVM
import Synchronization

/// The VM's one GSI routing table: the PC's ISA wiring (`InterruptRouting.pcRoutes`) plus an MSI route
/// for each device vector that fires through an irqfd.
///
/// KVM_SET_GSI_ROUTING replaces the whole table, so it has a single owner, and every change re-sends
/// the lot; MSI routes change only when a driver reprograms an MSI-X entry, not per interrupt.
final class GSIRouter: Sendable {
    /// Above the IOAPIC's 24 inputs, so an MSI GSI never shadows an ISA or PCI line.
    static let firstMSIGSI: UInt32 = 24
    /// KVM_MAX_IRQ_ROUTES is 4096; a machine of this size needs a handful.
    static let maximumMSIRoutes = 256

    private struct Table {
        var msi: [UInt32: GSIRoute.Target] = [:]
        var nextGSI = GSIRouter.firstMSIGSI
        var updates: UInt64 = 0
    }

    private let vm: VirtualMachine
    private let table = Mutex(Table())

    /// Installs the ISA wiring.
    init(vm: VirtualMachine) throws(KVMError) {
        self.vm = vm
        try vm.setGSIRouting(Self.routes(msi: [:]))
    }

    /// A new GSI that sends `address`/`data` when it fires.
    func addMSIRoute(address: UInt64, data: UInt32) throws(KVMError) -> UInt32 {
        try table.withLock { table throws(KVMError) in
            guard table.msi.count < Self.maximumMSIRoutes else { throw KVMError.ioctl(call: "KVM_SET_GSI_ROUTING", errno: ENOSPC) }
            let gsi = table.nextGSI
            var msi = table.msi
            msi[gsi] = .msi(address: address, data: data)
            try vm.setGSIRouting(Self.routes(msi: msi))
            table.msi = msi
            table.nextGSI += 1
            table.updates += 1
            return gsi
        }
    }

    /// Points an MSI GSI at a new message (a driver reprogrammed its MSI-X entry).
    func updateMSIRoute(gsi: UInt32, address: UInt64, data: UInt32) throws(KVMError) {
        try table.withLock { table throws(KVMError) in
            var msi = table.msi
            msi[gsi] = .msi(address: address, data: data)
            try vm.setGSIRouting(Self.routes(msi: msi))
            table.msi = msi
            table.updates += 1
        }
    }

    /// How many times the table was re-sent for MSI routes (for `swiftvm run -v`).
    var msiRouteUpdates: UInt64 { table.withLock { $0.updates } }

    private static func routes(msi: [UInt32: GSIRoute.Target]) -> [GSIRoute] {
        InterruptRouting.pcRoutes.map { GSIRoute(gsi: $0.gsi, target: .pin($0.pin)) }
            + msi.keys.sorted().map { GSIRoute(gsi: $0, target: msi[$0]!) }
    }
}
