/// virtio-blk's device-specific feature bits (virtio 1.2, §5.2.3).
public enum VirtioBlockFeatures {
    public static let sizeMax = VirtioFeatures.bit(1)
    public static let segmentMax = VirtioFeatures.bit(2)
    public static let geometry = VirtioFeatures.bit(4)
    public static let readOnly = VirtioFeatures.bit(5)
    public static let blockSize = VirtioFeatures.bit(6)
    public static let flush = VirtioFeatures.bit(9)
    public static let topology = VirtioFeatures.bit(10)
    public static let configWCE = VirtioFeatures.bit(11)
    public static let multiQueue = VirtioFeatures.bit(12)
    public static let discard = VirtioFeatures.bit(13)
    public static let writeZeroes = VirtioFeatures.bit(14)
    public static let lifetime = VirtioFeatures.bit(15)
    public static let secureErase = VirtioFeatures.bit(16)
    public static let zoned = VirtioFeatures.bit(17)

    /// What this device offers, and why not the rest:
    /// - VERSION_1: modern only (no legacy interface to keep compatible with).
    /// - FLUSH: the backend has a volatile cache (the host page cache); flush is fdatasync.
    /// - SEG_MAX and BLK_SIZE: tell the driver the limits it would otherwise guess (seg_max = queue
    ///   size − 2, the header and status taking the other two descriptors; 512-byte logical blocks).
    /// - RO: only for a read-only backend, so the guest mounts it read-only instead of failing writes.
    /// - INDIRECT_DESC and EVENT_IDX: what every Linux driver uses to cut ring pressure and exits.
    /// Not offered: SIZE_MAX (the device splits large segments itself), GEOMETRY (no CHS here), TOPOLOGY
    /// (physical = logical block), CONFIG_WCE (the cache is always write-back, flush always honoured), MQ
    /// (one queue, served by one I/O thread), DISCARD/WRITE_ZEROES/SECURE_ERASE/LIFETIME/ZONED (not
    /// implemented: such requests get VIRTIO_BLK_S_UNSUPP), ACCESS_PLATFORM (no IOMMU), RING_PACKED.
    public static func offered(readOnly: Bool) -> VirtioFeatures {
        var features: VirtioFeatures = [.version1, .indirectDescriptors, .eventIndex, flush, segmentMax, blockSize]
        if readOnly { features.insert(Self.readOnly) }
        return features
    }

    static let names: [Int: String] = [
        1: "VIRTIO_BLK_F_SIZE_MAX", 2: "VIRTIO_BLK_F_SEG_MAX", 4: "VIRTIO_BLK_F_GEOMETRY", 5: "VIRTIO_BLK_F_RO",
        6: "VIRTIO_BLK_F_BLK_SIZE", 9: "VIRTIO_BLK_F_FLUSH", 10: "VIRTIO_BLK_F_TOPOLOGY",
        11: "VIRTIO_BLK_F_CONFIG_WCE", 12: "VIRTIO_BLK_F_MQ", 13: "VIRTIO_BLK_F_DISCARD",
        14: "VIRTIO_BLK_F_WRITE_ZEROES", 15: "VIRTIO_BLK_F_LIFETIME", 16: "VIRTIO_BLK_F_SECURE_ERASE",
        17: "VIRTIO_BLK_F_ZONED",
    ]
}
