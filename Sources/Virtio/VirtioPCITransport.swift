import Devices
import GuestMemory

/// A virtio device behind the modern virtio-pci transport (virtio 1.2, §4.1), as a register model: the
/// function's configuration space, its memory BAR (`VirtioPCILayout`), the queues, the status handshake,
/// MSI-X and INTx. It knows nothing of KVM or threads.
///
/// What the VMM wires to it:
/// - configuration space accesses of its PCI address → `readConfig` / `writeConfig` (the transport owns
///   the function: MSI-X enable/mask and the PCI_CFG window take effect there). `function` is a snapshot
///   for the bus's bookkeeping and the ABI fingerprint.
/// - MMIO in BAR4 (`function.barAddress(VirtioPCILayout.barIndex)`, while Command.memory is set) →
///   `read(barOffset:size:)` / `write(barOffset:size:value:)`.
/// - an ioeventfd on `VirtioPCILayout.notifyAddressOffset(queue:)` for each queue → `notify(queue:)`;
///   a notify write that reaches `write(barOffset:…)` instead does the same.
/// - `VirtioInterrupt` for MSI-X messages and the INTA# level.
///
/// A value type with mutating methods and no lock: the VMM serialises all calls (one mutex, or one I/O
/// thread that the vCPUs hand accesses to). A request runs to completion inside `notify`.
public struct VirtioPCITransport: Sendable {
    /// VIRTIO_MSI_NO_VECTOR.
    public static let noVector: UInt16 = 0xFFFF

    public internal(set) var function: PCIFunction
    public internal(set) var device: any VirtioDevice
    let memory: GuestMemory
    let interrupt: any VirtioInterrupt

    var queues: [Virtqueue]
    var queueVectors: [UInt16]
    var msixTable: PCIMSIXTable
    var registers = CommonRegisters()
    /// The features FEATURES_OK confirmed; empty before.
    public internal(set) var negotiatedFeatures: VirtioFeatures = []
    /// ISR status: bit 0 queue interrupt, bit 1 configuration change; cleared by reading it.
    var isr: UInt8 = 0
    var intxLevel = false
    /// Why the device set DEVICE_NEEDS_RESET: the first malformed ring or request it met.
    public internal(set) var needsResetReason: VirtqueueError?
    /// pci_cfg_data of the PCI configuration access capability.
    var pciConfigData: UInt32 = 0
    let pciConfigCapabilityOffset: Int

    /// The registers of the common configuration structure that are not per-queue.
    struct CommonRegisters: Sendable {
        var deviceFeatureSelect: UInt32 = 0
        var driverFeatureSelect: UInt32 = 0
        var driverFeatures: VirtioFeatures = []
        /// The driver set a bit in a feature word past 63, which no device can offer.
        var driverSetUnknownWord = false
        var configVector: UInt16 = VirtioPCITransport.noVector
        var status: VirtioDeviceStatus = []
        var configGeneration: UInt8 = 0
        var queueSelect: UInt16 = 0
    }

    /// A transport for `device`, with one MSI-X vector per queue plus one for configuration changes.
    public init(device: any VirtioDevice, memory: GuestMemory, interrupt: any VirtioInterrupt,
                subsystemVendorID: UInt16 = 0x1AF4, subsystemID: UInt16 = 0x1100) {
        let sizes = device.queueMaxSizes
        precondition(!sizes.isEmpty && sizes.count < PCIMSIXCapability.maxVectors, "a virtio device has 1 to 2047 queues")
        let vectors = sizes.count + 1
        let function = PCIFunction(identity: VirtioPCILayout.identity(for: device.deviceType, subsystemVendorID: subsystemVendorID,
                                                                      subsystemID: subsystemID),
                                   bars: [VirtioPCILayout.barIndex: VirtioPCILayout.bar], interruptPin: .intA,
                                   capabilities: VirtioPCILayout.capabilities(msixVectors: vectors))
        self.function = function
        self.device = device
        self.memory = memory
        self.interrupt = interrupt
        queues = sizes.enumerated().map { Virtqueue(index: UInt16($0.offset), maxSize: $0.element) }
        queueVectors = [UInt16](repeating: Self.noVector, count: sizes.count)
        msixTable = PCIMSIXTable(vectorCount: vectors)
        pciConfigCapabilityOffset = function.capabilityOffsets[4]
    }

    // MARK: - State for the VMM and tests

    public var deviceStatus: VirtioDeviceStatus { registers.status }
    public var msixVectorCount: Int { msixTable.vectorCount }
    public func queue(_ index: Int) -> Virtqueue? { queues.indices.contains(index) ? queues[index] : nil }

    // MARK: - BAR accesses

    /// A read of `size` bytes (1, 2, 4 or 8) at `barOffset` in BAR4. Unimplemented registers and
    /// accesses of the wrong width read 0. Mutating: reading ISR status clears it.
    public mutating func read(barOffset: UInt64, size: Int) -> UInt64 {
        guard [1, 2, 4, 8].contains(size), barOffset < VirtioPCILayout.barSize,
              VirtioPCILayout.barSize - barOffset >= UInt64(size) else { return 0 }
        let region = barOffset & ~(VirtioPCILayout.regionSize - 1)
        let offset = barOffset - region
        switch region {
        case VirtioPCILayout.commonConfigOffset: return readCommon(offset: offset, size: size)
        case VirtioPCILayout.isrOffset: return offset == 0 ? UInt64(readISR()) : 0
        case VirtioPCILayout.deviceConfigOffset: return readDeviceConfig(offset: offset, size: size)
        case VirtioPCILayout.msixTableOffset: return msixTable.readTable(offset: offset, size: size)
        case VirtioPCILayout.msixPBAOffset: return msixTable.readPendingArray(offset: offset, size: size)
        default: return 0      // notify registers read 0 (§4.1.4.4 defines no read)
        }
    }

    /// A write of the low `size` bytes of `value` at `barOffset` in BAR4.
    public mutating func write(barOffset: UInt64, size: Int, value: UInt64) {
        guard [1, 2, 4, 8].contains(size), barOffset < VirtioPCILayout.barSize,
              VirtioPCILayout.barSize - barOffset >= UInt64(size) else { return }
        let region = barOffset & ~(VirtioPCILayout.regionSize - 1)
        let offset = barOffset - region
        switch region {
        case VirtioPCILayout.commonConfigOffset:
            writeCommon(offset: offset, size: size, value: value)
        case VirtioPCILayout.deviceConfigOffset:
            let bytes = (0..<size).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
            device.writeConfig(offset: Int(offset), bytes: bytes)
        case VirtioPCILayout.notifyOffset:
            // The written value is the queue index (no VIRTIO_F_NOTIFICATION_DATA); the address decides.
            if offset % UInt64(VirtioPCILayout.notifyOffsetMultiplier) == 0 {
                notify(queue: UInt16(truncatingIfNeeded: offset / UInt64(VirtioPCILayout.notifyOffsetMultiplier)))
            }
        case VirtioPCILayout.msixTableOffset:
            msixTable.writeTable(offset: offset, size: size, value: value)
            deliverPendingMSIX()
        default:
            break  // ISR status and the PBA are read-only
        }
    }

    private func readDeviceConfig(offset: UInt64, size: Int) -> UInt64 {
        let bytes = device.configSpace
        var value: UInt64 = 0
        for index in 0..<size where offset + UInt64(index) < UInt64(bytes.count) {
            value |= UInt64(bytes[Int(offset) + index]) << (8 * UInt64(index))
        }
        return value
    }
}
