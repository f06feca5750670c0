/// virtio-blk's configuration structure, struct virtio_blk_config (virtio 1.2, §5.2.4), through the
/// fields of VIRTIO_BLK_F_WRITE_ZEROES: 60 bytes. Fields of features not offered read 0.
///
///     0 capacity (le64, 512-byte sectors)   8 size_max   12 seg_max   16 geometry (c16 h8 s8)
///     20 blk_size   24 topology (exp8 align8 min16 opt32)   32 writeback   33 unused   34 num_queues (le16)
///     36 max_discard_sectors   40 max_discard_seg   44 discard_sector_alignment
///     48 max_write_zeroes_sectors   52 max_write_zeroes_seg   56 write_zeroes_may_unmap   57 unused[3]
public struct VirtioBlockConfig: Hashable, Sendable {
    public static let size = 60

    public var capacitySectors: UInt64
    public var segmentMax: UInt32
    public var blockSize: UInt32
    public var queueCount: UInt16

    public init(capacitySectors: UInt64, segmentMax: UInt32, blockSize: UInt32 = 512, queueCount: UInt16 = 1) {
        self.capacitySectors = capacitySectors
        self.segmentMax = segmentMax
        self.blockSize = blockSize
        self.queueCount = queueCount
    }

    public var bytes: [UInt8] {
        var bytes = [UInt8](repeating: 0, count: Self.size)
        func put(_ value: UInt64, at offset: Int, width: Int) {
            for index in 0..<width { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(index))) }
        }
        put(capacitySectors, at: 0, width: 8)
        put(UInt64(segmentMax), at: 12, width: 4)
        put(UInt64(blockSize), at: 20, width: 4)
        // num_queues is only meaningful with VIRTIO_BLK_F_MQ; QEMU fills it in regardless, and so do we.
        put(UInt64(queueCount), at: 34, width: 2)
        return bytes
    }
}
