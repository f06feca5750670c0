/// The common configuration structure, struct virtio_pci_common_cfg (virtio 1.2, §4.1.4.3):
///
///     0x00 device_feature_select  le32 RW   0x04 device_feature  le32 RO
///     0x08 driver_feature_select  le32 RW   0x0C driver_feature  le32 RW
///     0x10 config_msix_vector     le16 RW   0x12 num_queues      le16 RO
///     0x14 device_status          u8   RW   0x15 config_generation u8 RO
///     0x16 queue_select le16 RW  0x18 queue_size le16 RW  0x1A queue_msix_vector le16 RW
///     0x1C queue_enable le16 RW  0x1E queue_notify_off le16 RO
///     0x20 queue_desc le64 RW    0x28 queue_driver le64 RW   0x30 queue_device le64 RW
///
/// Each field is accessed at its own width; the 64-bit ones also as two 32-bit halves (§4.1.3.1).
/// Anything else reads 0 and writes nothing. Queue fields of a queue_select with no queue read 0
/// (queue_size 0 tells the driver the queue does not exist) and ignore writes.
extension VirtioPCITransport {
    mutating func readCommon(offset: UInt64, size: Int) -> UInt64 {
        let selected = Int(registers.queueSelect)
        let queue = queues.indices.contains(selected) ? queues[selected] : nil
        switch (offset, size) {
        case (0x00, 4): return UInt64(registers.deviceFeatureSelect)
        case (0x04, 4): return UInt64(device.offeredFeatures.word(registers.deviceFeatureSelect))
        case (0x08, 4): return UInt64(registers.driverFeatureSelect)
        case (0x0C, 4): return UInt64(registers.driverFeatures.word(registers.driverFeatureSelect))
        case (0x10, 2): return UInt64(registers.configVector)
        case (0x12, 2): return UInt64(queues.count)
        case (0x14, 1): return UInt64(registers.status.rawValue)
        case (0x15, 1): return UInt64(registers.configGeneration)
        case (0x16, 2): return UInt64(registers.queueSelect)
        case (0x18, 2): return UInt64(queue?.size ?? 0)
        case (0x1A, 2): return UInt64(queue == nil ? Self.noVector : queueVectors[selected])
        case (0x1C, 2): return queue?.isEnabled == true ? 1 : 0
        case (0x1E, 2): return queue == nil ? 0 : UInt64(registers.queueSelect)
        default:
            guard let queue, let (field, shift, width) = Self.addressField(offset: offset, size: size) else { return 0 }
            let address = field == 0 ? queue.descriptorTable : field == 1 ? queue.availRing : queue.usedRing
            return (address >> shift) & (width == 8 ? .max : 0xFFFF_FFFF)
        }
    }

    mutating func writeCommon(offset: UInt64, size: Int, value: UInt64) {
        let selected = Int(registers.queueSelect)
        let exists = queues.indices.contains(selected)
        let word = UInt32(truncatingIfNeeded: value), half = UInt16(truncatingIfNeeded: value)
        switch (offset, size) {
        case (0x00, 4): registers.deviceFeatureSelect = word
        case (0x08, 4): registers.driverFeatureSelect = word
        case (0x0C, 4): writeDriverFeatures(word)
        case (0x10, 2): registers.configVector = checkedVector(half)
        case (0x14, 1): writeStatus(UInt8(truncatingIfNeeded: value))
        case (0x16, 2): registers.queueSelect = half
        case (0x18, 2): if exists && !queues[selected].isEnabled { queues[selected].size = half }
        case (0x1A, 2): if exists { queueVectors[selected] = checkedVector(half) }
        case (0x1C, 2):
            // Writing 0 is forbidden to the driver (§4.1.4.3.2); only 1 means anything.
            guard exists, half == 1, !queues[selected].isEnabled else { return }
            do { try queues[selected].enable(memory: memory) } catch { enterNeedsReset(error) }
        default:
            guard exists, !queues[selected].isEnabled,
                  let (field, shift, width) = Self.addressField(offset: offset, size: size) else { return }
            let mask: UInt64 = width == 8 ? .max : 0xFFFF_FFFF << shift
            let merge = { (old: UInt64) in (old & ~mask) | ((value << shift) & mask) }
            switch field {
            case 0: queues[selected].descriptorTable = merge(queues[selected].descriptorTable)
            case 1: queues[selected].availRing = merge(queues[selected].availRing)
            default: queues[selected].usedRing = merge(queues[selected].usedRing)
            }
        }
    }

    /// queue_desc (0), queue_driver (1) or queue_device (2), and which part of it an access covers:
    /// the whole field (8 bytes) or its low or high half (4 bytes).
    static func addressField(offset: UInt64, size: Int) -> (field: Int, shift: UInt64, width: Int)? {
        guard offset >= 0x20, offset < 0x38 else { return nil }
        let field = Int((offset - 0x20) / 8), within = (offset - 0x20) % 8
        switch (within, size) {
        case (0, 8): return (field, 0, 8)
        case (0, 4): return (field, 0, 4)
        case (4, 4): return (field, 32, 4)
        default: return nil
        }
    }

    /// A vector the table has, or NO_VECTOR: reading back NO_VECTOR is how the driver learns that a
    /// mapping failed (§4.1.5.1.2.1).
    private func checkedVector(_ vector: UInt16) -> UInt16 {
        Int(vector) < msixTable.vectorCount ? vector : Self.noVector
    }

    /// driver_feature: ignored once FEATURES_OK is set (the features are settled then).
    private mutating func writeDriverFeatures(_ word: UInt32) {
        guard !registers.status.contains(.featuresOK) else { return }
        if let features = registers.driverFeatures.replacingWord(registers.driverFeatureSelect, with: word) {
            registers.driverFeatures = features
        } else if word != 0 {
            registers.driverSetUnknownWord = true
        }
    }

    /// device_status: 0 resets the device; FEATURES_OK stays set only for an acceptable feature set
    /// (a subset of the offer, including VERSION_1, §3.1.1 step 5–6); NEEDS_RESET is the device's alone.
    private mutating func writeStatus(_ value: UInt8) {
        guard value != 0 else { return resetDevice() }
        var status = VirtioDeviceStatus(rawValue: value)
        status.remove(.needsReset)
        if registers.status.contains(.needsReset) { status.insert(.needsReset) }
        if status.contains(.featuresOK) && !registers.status.contains(.featuresOK) {
            let accepted = registers.driverFeatures
            if !registers.driverSetUnknownWord && device.offeredFeatures.isSuperset(of: accepted)
                && accepted.contains(.version1) {
                negotiatedFeatures = accepted
                device.negotiated(accepted)
            } else {
                status.remove(.featuresOK)
            }
        }
        registers.status = status
    }

    /// Device reset (§2.4): every register back to its initial value, queues disabled, interrupts
    /// withdrawn. PCI state (config space, the MSI-X table) is not the device's and stays.
    mutating func resetDevice() {
        registers = CommonRegisters()
        negotiatedFeatures = []
        needsResetReason = nil
        for index in queues.indices { queues[index].reset() }
        queueVectors = queueVectors.map { _ in Self.noVector }
        device.reset()
        isr = 0
        updateINTx()
    }
}
