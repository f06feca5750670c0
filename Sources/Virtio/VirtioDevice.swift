import GuestMemory

/// What a virtio device type adds to the generic machinery (virtio 1.2, §5): its feature bits, its
/// configuration space, its queues, and what it does with one request. A transport (`VirtioPCITransport`)
/// owns the queues, the status handshake and interrupts, and calls these.
///
/// Implementations are values with no knowledge of PCI, KVM or threads; a request runs to completion
/// inside `handle`, synchronously.
public protocol VirtioDevice: Sendable {
    var deviceType: VirtioDeviceType { get }
    /// The feature bits offered. Fixed for the device's life: they are guest ABI.
    var offeredFeatures: VirtioFeatures { get }
    /// One entry per virtqueue: the largest size the driver may program (a power of two).
    var queueMaxSizes: [UInt16] { get }
    /// The device-specific configuration structure as the driver reads it, little-endian.
    var configSpace: [UInt8] { get }

    /// A driver write to the configuration structure at `offset`; most fields are read-only.
    mutating func writeConfig(offset: Int, bytes: [UInt8])

    /// The driver's accepted features, once FEATURES_OK holds; called before any request.
    mutating func negotiated(_ features: VirtioFeatures)

    /// Back to the power-on state (the driver wrote 0 to device_status).
    mutating func reset()

    /// Serves one request from queue `queue`. Returns how many bytes it wrote into the chain's writable
    /// part (the used element's len). Throws when the chain itself is malformed; the transport then sets
    /// DEVICE_NEEDS_RESET. A request the device cannot serve (bad sector, I/O error) is not an error
    /// here: the device reports it to the driver in-band, as virtio-blk's status byte does.
    mutating func handle(_ chain: DescriptorChain, queue: UInt16, memory: GuestMemory) throws(VirtqueueError) -> UInt32
}

extension VirtioDevice {
    public mutating func writeConfig(offset: Int, bytes: [UInt8]) {}
}
