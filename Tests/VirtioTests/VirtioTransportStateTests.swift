import Testing
import Devices
import GuestMemory
import Snapshot
@testable import Virtio

/// The transport's snapshot state: a driver that has set the device up and completed requests goes on,
/// after export and import into a fresh transport over the same RAM, exactly where it was.
@Suite struct VirtioTransportStateTests {
    private func save(_ transport: VirtioPCITransport) -> [UInt8] {
        var writer = StateWriter()
        transport.save(to: &writer)
        return writer.bytes
    }

    private func freshTransport(for driver: GuestDriver) -> VirtioPCITransport {
        VirtioPCITransport(device: VirtioBlockDevice(backend: MemoryDisk(sectors: 64), serial: "swiftvm-disk-0"),
                           memory: driver.memory, interrupt: driver.interrupt)
    }

    @Test func aRestoredTransportGoesOnWhereItWas() throws {
        let driver = try GuestDriver()
        #expect(driver.initialize(msix: true))
        driver.blockRequest(type: 0, dataLength: 512)
        driver.blockRequest(type: 0, dataLength: 512)
        #expect(driver.transport.queue(0)?.nextUsed == 2)
        driver.setVectorMasked(0, true)
        let bytes = save(driver.transport)

        var restored = freshTransport(for: driver)
        var reader = StateReader(bytes, section: .virtio)
        try restored.restore(from: &reader)
        try reader.finish()
        #expect(restored.deviceStatus == driver.transport.deviceStatus)
        #expect(restored.negotiatedFeatures == driver.transport.negotiatedFeatures)
        #expect(restored.function == driver.transport.function)
        for field in [\Virtqueue.size, \.nextAvail, \.nextUsed] { #expect(restored.queue(0)?[keyPath: field] == driver.transport.queue(0)?[keyPath: field]) }
        #expect(restored.queue(0)?.usedRing == GuestDriver.usedRing && restored.queue(0)?.isEnabled == true)
        #expect(save(restored) == bytes, "a restored transport saves the same bytes")

        // The driver goes on with the restored device: the third request completes, on vector 1.
        driver.transport = restored
        driver.interrupt.clear()
        driver.setUsedEvent(2)          // with EVENT_IDX: interrupt once used->idx passes 2
        let request = driver.blockRequest(type: 0, dataLength: 512)
        #expect(driver.statusByte(request) == 0)
        #expect(driver.transport.queue(0)?.nextUsed == 3)
        #expect(driver.interrupt.history == [.msix(vector: 1, message: GuestDriver.message(1))])
    }

    @Test func ringsOutsideRAMAndVectorsPastTheTableAreRefusedByName() throws {
        let driver = try GuestDriver()
        #expect(driver.initialize(msix: true))
        var writer = StateWriter()
        driver.transport.save(to: &writer)
        let bytes = writer.bytes

        // The queue's descriptor table address follows the function (256), 25 register bytes and its size.
        let descriptorOffset = PCIFunction.configSpaceSize + 4 + 4 + 8 + 1 + 2 + 1 + 1 + 2 + 8 + 1 + 4 + 2 + 2
        var tampered = bytes
        for index in 0..<8 { tampered[descriptorOffset + index] = index == 4 ? 0x10 : 0 }   // 1 TiB: outside 2 MiB of RAM
        var restored = freshTransport(for: driver)
        var reader = StateReader(tampered, section: .virtio)
        do {
            try restored.restore(from: &reader)
            Issue.record("a ring outside RAM was accepted")
        } catch {
            #expect(error.description.contains("virtio queue 0"), "\(error)")
            #expect(error.description.contains("outside"), "\(error)")
        }

        tampered = bytes
        let configVectorOffset = PCIFunction.configSpaceSize + 4 + 4 + 8 + 1
        tampered[configVectorOffset] = 9                                                  // 2 vectors only
        tampered[configVectorOffset + 1] = 0
        reader = StateReader(tampered, section: .virtio)
        restored = freshTransport(for: driver)
        #expect(throws: SnapshotError.field(file: "", section: .virtio, field: "virtio config_msix_vector",
                                            problem: "vector 9 is past the MSI-X table (2 vectors)")) {
            try restored.restore(from: &reader)
        }
    }
}
