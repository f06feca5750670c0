import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import KVM

/// GSI routing with MSI routes and irqfds, as virtio's MSI-X vectors use them. (Delivery itself is
/// proven end to end by conf_virtio_blk's msix_completion case.)
@Suite(.enabled(if: KVMAvailability.isUsable, KVMAvailability.reason))
struct InterruptRoutingTests {
    private static let msiAddress: UInt64 = 0xFEE0_0000
    private static var pcPins: [GSIRoute] {
        (UInt32(0)..<24).map { GSIRoute(gsi: $0, target: .pin(.ioapic($0))) }
    }

    @Test func routingNeedsTheInKernelIRQChipAndTheErrorNamesTheCall() throws {
        let vm = try KVMSystem().createVM()
        let error = #expect(throws: KVMError.self) { try vm.setGSIRouting(Self.pcPins) }
        #expect(error?.description.hasPrefix("KVM_SET_GSI_ROUTING failed") == true)
    }

    @Test func anMSIRouteTakesOneIRQFDWhichCanBeRemovedAndAddedAgain() throws {
        let vm = try KVMSystem().createVM()
        try vm.createIRQChip()
        try vm.setGSIRouting(Self.pcPins + [GSIRoute(gsi: 24, target: .msi(address: Self.msiAddress, data: 0x50))])
        let event = try EventFD()
        try vm.setIRQFD(event, gsi: 24)
        // A second irqfd on the same eventfd is refused (EBUSY): KVM holds exactly one registration.
        let duplicate = #expect(throws: KVMError.self) { try vm.setIRQFD(event, gsi: 24) }
        #expect(duplicate == .ioctl(call: "KVM_IRQFD", errno: EBUSY))
        // Re-routing under a live irqfd is allowed: a driver may reprogram its MSI-X entry at any time.
        try vm.setGSIRouting(Self.pcPins + [GSIRoute(gsi: 24, target: .msi(address: Self.msiAddress, data: 0x51))])
        event.signal()
        try vm.setIRQFD(event, gsi: 24, deassign: true)
        // Removed: the same eventfd registers again (it would be EBUSY had the removal not happened).
        try vm.setIRQFD(event, gsi: 24)
    }
}
