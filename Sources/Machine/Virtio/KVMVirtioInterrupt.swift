import Devices
import KVM
import Synchronization
import Virtio

/// A virtio-pci function's interrupts into KVM.
///
/// MSI-X: each vector gets an eventfd registered with KVM_IRQFD on a GSI of its own, routed to the
/// vector's message; sending an interrupt is one eventfd write from whichever thread completed the
/// request, with no vCPU exit. The route is made on the vector's first interrupt and re-made when the
/// driver has reprogrammed the entry since. INTA#: a level on its GSI through the in-kernel IOAPIC with
/// KVM_IRQ_LINE — the level drops when the driver reads ISR status (a vCPU exit anyway), and a level
/// irqfd would need a resample eventfd for the same effect.
final class KVMVirtioInterrupt: VirtioInterrupt {
    private struct VectorRoute {
        let gsi: UInt32
        let event: EventFD
        var message: MSIMessage
    }

    private struct Routes {
        var vectors: [UInt16: VectorRoute] = [:]
        /// The last error KVM gave, for `swiftvm run -v`.
        var lastFailure: String?
        var failures: UInt64 = 0
    }

    let vm: VirtualMachine
    let router: GSIRouter
    let gsi: UInt32
    private let routes = Mutex(Routes())

    init(vm: VirtualMachine, router: GSIRouter, gsi: UInt32) {
        self.vm = vm
        self.router = router
        self.gsi = gsi
    }

    func signalMSIX(vector: UInt16, message: MSIMessage) {
        // A failure (KVM refused a route) is counted and named in the summary; the guest sees no
        // interrupt, as for a message that reaches no LAPIC on hardware.
        let event: EventFD? = routes.withLock { routes in
            do throws(KVMError) {
                return try route(vector: vector, message: message, in: &routes)
            } catch {
                routes.failures += 1
                routes.lastFailure = error.description
                return nil
            }
        }
        event?.signal()
    }

    func setINTxLevel(_ high: Bool) {
        do { try vm.setIRQLine(gsi, high: high) } catch {
            routes.withLock { routes in
                routes.failures += 1
                routes.lastFailure = error.description
            }
        }
    }

    /// For `swiftvm run -v`: how the vectors are wired, and what KVM refused.
    var summary: String {
        routes.withLock { routes in
            let wired = routes.vectors.keys.sorted().map { "vector \($0) → GSI \(routes.vectors[$0]!.gsi)" }
            var text = wired.isEmpty ? "no MSI-X vector fired" : "irqfd " + wired.joined(separator: ", ")
            text += ", \(router.msiRouteUpdates) route updates"
            if let failure = routes.lastFailure { text += ", \(routes.failures) interrupts lost (last: \(failure))" }
            return text
        }
    }

    private func route(vector: UInt16, message: MSIMessage, in routes: inout Routes) throws(KVMError) -> EventFD {
        if var existing = routes.vectors[vector] {
            if existing.message != message {
                try router.updateMSIRoute(gsi: existing.gsi, address: message.address, data: message.data)
                existing.message = message
                routes.vectors[vector] = existing
            }
            return existing.event
        }
        let event = try EventFD()
        let gsi = try router.addMSIRoute(address: message.address, data: message.data)
        try vm.setIRQFD(event, gsi: gsi)
        routes.vectors[vector] = VectorRoute(gsi: gsi, event: event, message: message)
        return event
    }
}
