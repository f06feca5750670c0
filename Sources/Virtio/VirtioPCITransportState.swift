import Devices
import GuestMemory
import Snapshot

/// The transport's guest-visible state as snapshot fields (VIRT section, docs/snapshot-format.md): the
/// function's configuration space, the common configuration registers, each queue's programming and
/// progress, the vector mapping, the MSI-X table and pending bits, ISR status and the PCI_CFG window's
/// data. The device's own state is its negotiated features (virtio-blk keeps nothing else between
/// requests). Requests are never in flight here: one runs to completion inside `notify`, and the VMM
/// stops serving queues before it saves.
///
/// Restoring validates what the driver could not have produced: a queue size that is no power of two or
/// above the maximum, rings of an enabled queue outside RAM, a vector past the table, features the
/// device never offered. Each refusal names the field.
extension VirtioPCITransport {
    public func save(to writer: inout StateWriter) {
        function.save(to: &writer)
        writer.u32(registers.deviceFeatureSelect)
        writer.u32(registers.driverFeatureSelect)
        writer.u64(registers.driverFeatures.rawValue)
        writer.bool(registers.driverSetUnknownWord)
        writer.u16(registers.configVector)
        writer.u8(registers.status.rawValue)
        writer.u8(registers.configGeneration)
        writer.u16(registers.queueSelect)
        writer.u64(negotiatedFeatures.rawValue)
        writer.u8(isr)
        writer.u32(pciConfigData)
        writer.u16(UInt16(queues.count))
        for (index, queue) in queues.enumerated() {
            queue.save(to: &writer)
            writer.u16(queueVectors[index])
        }
        msixTable.save(to: &writer)
    }

    public mutating func restore(from reader: inout StateReader) throws(SnapshotError) {
        try function.restore(from: &reader)
        registers.deviceFeatureSelect = try reader.u32("virtio device_feature_select")
        registers.driverFeatureSelect = try reader.u32("virtio driver_feature_select")
        registers.driverFeatures = VirtioFeatures(rawValue: try reader.u64("virtio driver_feature"))
        registers.driverSetUnknownWord = try reader.bool("virtio driver set an unknown feature word")
        registers.configVector = try vector(&reader, "virtio config_msix_vector")
        registers.status = VirtioDeviceStatus(rawValue: try reader.u8("virtio device_status"))
        registers.configGeneration = try reader.u8("virtio config_generation")
        registers.queueSelect = try reader.u16("virtio queue_select")
        let negotiated = VirtioFeatures(rawValue: try reader.u64("virtio negotiated features"))
        guard device.offeredFeatures.isSuperset(of: negotiated) else {
            throw reader.failure("virtio negotiated features", "0x\(String(negotiated.rawValue, radix: 16)) has bits the device does not offer "
                                 + "(0x\(String(device.offeredFeatures.rawValue, radix: 16)))")
        }
        negotiatedFeatures = negotiated
        if registers.status.contains(.featuresOK) { device.negotiated(negotiated) }
        isr = try reader.u8("virtio ISR status", within: Self.isrQueueBit | Self.isrConfigBit)
        pciConfigData = try reader.u32("virtio pci_cfg_data")
        let count = try reader.u16("virtio queue count")
        guard Int(count) == queues.count else {
            throw reader.failure("virtio queue count", "\(count) queues; this device has \(queues.count)")
        }
        for index in queues.indices {
            try queues[index].restore(from: &reader, memory: memory)
            queueVectors[index] = try vector(&reader, "virtio queue \(index) msix_vector")
        }
        try msixTable.restore(from: &reader)
        // The INTx wire follows ISR status and MSI-X enable, as after any register change.
        updateINTx()
    }

    private func vector(_ reader: inout StateReader, _ field: String) throws(SnapshotError) -> UInt16 {
        let vector = try reader.u16(field)
        guard vector == Self.noVector || Int(vector) < msixTable.vectorCount else {
            throw reader.failure(field, "vector \(vector) is past the MSI-X table (\(msixTable.vectorCount) vectors)")
        }
        return vector
    }
}

extension Virtqueue {
    func save(to writer: inout StateWriter) {
        writer.u16(size)
        writer.u64(descriptorTable)
        writer.u64(availRing)
        writer.u64(usedRing)
        writer.bool(isEnabled)
        writer.u16(nextAvail)
        writer.u16(nextUsed)
        writer.bool(signalledUsed != nil)
        writer.u16(signalledUsed ?? 0)
    }

    /// Over a reset queue: the driver's programming, checked as `enable` checks it, then the device's progress.
    mutating func restore(from reader: inout StateReader, memory: GuestMemory) throws(SnapshotError) {
        let name = "virtio queue \(index)"
        size = try reader.u16(name + " size")
        descriptorTable = try reader.u64(name + " queue_desc")
        availRing = try reader.u64(name + " queue_driver")
        usedRing = try reader.u64(name + " queue_device")
        let enabled = try reader.bool(name + " enabled")
        nextAvail = try reader.u16(name + " last_avail_idx")
        nextUsed = try reader.u16(name + " used_idx")
        let signalled = try reader.bool(name + " signalled present")
        let signalledIndex = try reader.u16(name + " signalled used_idx")
        signalledUsed = signalled ? signalledIndex : nil
        guard size > 0, size <= maxSize, size & (size - 1) == 0 else {
            throw reader.failure(name + " size", "\(size) is not a power of two up to \(maxSize)")
        }
        if enabled {
            do { try enable(memory: memory) } catch { throw reader.failure(name, "\(error)") }
        }
    }
}
