import BlockBackends
import GuestMemory

/// A virtio-blk disk (virtio 1.2, §5.2) over a `BlockBackend`: one request queue, 512-byte sectors.
///
/// Requests: IN reads, OUT writes, FLUSH makes writes durable, GET_ID returns the serial (up to 20 bytes,
/// zero-padded). A request the device cannot serve gets a status byte, not an error: a sector range past
/// the end, data not a whole number of sectors, a backend failure, or a write to a read-only disk →
/// VIRTIO_BLK_S_IOERR; any other type → VIRTIO_BLK_S_UNSUPP. Only a malformed chain throws. A driver that
/// did not negotiate FLUSH gets a write-through disk: every write is flushed before it completes.
///
/// Data moves through a bounded buffer (`chunkSize`), so a guest that offers huge or overlapping buffers
/// costs the host no more memory than a well-behaved one.
public struct VirtioBlockDevice: VirtioDevice {
    public static let sectorSize: UInt64 = 512
    /// VIRTIO_BLK_ID_BYTES.
    public static let idSize = 20
    public static let defaultQueueSize: UInt16 = 256
    static let chunkSize: UInt64 = 1 << 20

    public let backend: any BlockBackend
    /// The GET_ID answer, at most 20 bytes.
    public let serial: [UInt8]
    public let queueSize: UInt16
    public private(set) var features: VirtioFeatures = []

    /// A disk over `backend`; `serial` longer than 20 bytes is cut (GET_ID has no room for more).
    public init(backend: any BlockBackend, serial: String = "", queueSize: UInt16 = defaultQueueSize) {
        precondition(queueSize >= 4 && queueSize & (queueSize - 1) == 0 && queueSize <= Virtqueue.largestSize,
                     "a virtio-blk queue needs a power-of-two size from 4 to 32768")
        self.backend = backend
        self.serial = Array(serial.utf8.prefix(Self.idSize))
        self.queueSize = queueSize
    }

    public var deviceType: VirtioDeviceType { .block }
    public var offeredFeatures: VirtioFeatures { VirtioBlockFeatures.offered(readOnly: backend.isReadOnly) }
    public var queueMaxSizes: [UInt16] { [queueSize] }
    /// Whole sectors only: a trailing partial sector of the image is not addressable.
    public var capacitySectors: UInt64 { backend.size / Self.sectorSize }
    public var configSpace: [UInt8] {
        VirtioBlockConfig(capacitySectors: capacitySectors, segmentMax: UInt32(queueSize) - 2).bytes
    }

    public mutating func negotiated(_ features: VirtioFeatures) { self.features = features }
    public mutating func reset() { features = [] }

    public mutating func handle(_ chain: DescriptorChain, queue: UInt16,
                                memory: GuestMemory) throws(VirtqueueError) -> UInt32 {
        let request = try VirtioBlockRequest.parse(chain, memory: memory)
        var status = VirtioBlockStatus.ok
        var written: UInt64 = 0
        switch request.kind {
        case .read:
            status = try transfer(request, chain: chain, memory: memory, toGuest: true)
            if status == .ok { written = request.dataLength }
        case .write:
            status = backend.isReadOnly ? .ioError : try transfer(request, chain: chain, memory: memory, toGuest: false)
            // Without FLUSH negotiated the driver assumes a write-through disk (Linux does) and never
            // flushes: each write is made durable before it completes.
            if status == .ok && !features.contains(VirtioBlockFeatures.flush) {
                do { try backend.flush() } catch { status = .ioError }
            }
        case .flush:
            do { try backend.flush() } catch { status = .ioError }
        case .getID:
            let count = min(request.dataLength, UInt64(Self.idSize))
            let id = serial + [UInt8](repeating: 0, count: Self.idSize - serial.count)
            try chain.write(id[0..<Int(count)], offset: 0, memory: memory, purpose: "VIRTIO_BLK_T_GET_ID data")
            written = count
        case .unsupported:
            status = .unsupported
        }
        try chain.write([status.rawValue][...], offset: request.statusOffset, memory: memory, purpose: "status byte")
        // Fits: the walker capped the writable part at 2^32 − 1 bytes, and status is its last byte.
        return UInt32(written + 1)
    }

    /// Moves an IN or OUT request's data between the backend and the guest's buffers, a chunk at a time.
    private func transfer(_ request: VirtioBlockRequest, chain: DescriptorChain, memory: GuestMemory,
                          toGuest: Bool) throws(VirtqueueError) -> VirtioBlockStatus {
        guard request.dataLength % Self.sectorSize == 0 else { return .ioError }
        let (start, overflow) = request.sector.multipliedReportingOverflow(by: Self.sectorSize)
        guard !overflow, start <= capacitySectors * Self.sectorSize,
              request.dataLength <= capacitySectors * Self.sectorSize - start else { return .ioError }

        let part: DescriptorChain.Part = toGuest ? .writable : .readable
        let offset = toGuest ? 0 : VirtioBlockRequest.headerSize
        var position = start
        var buffer: [UInt8] = []
        for span in try chain.spans(of: part, offset: offset, length: request.dataLength, purpose: "data") {
            var done: UInt64 = 0
            while done < span.length {
                let count = min(span.length - done, Self.chunkSize)
                let address = GuestAddress(span.address.rawValue + done)
                do {
                    if toGuest {
                        if buffer.count != Int(count) { buffer = [UInt8](repeating: 0, count: Int(count)) }
                        do { try backend.read(at: position, into: &buffer) } catch { return .ioError }
                        try memory.write(buffer, at: address)
                    } else {
                        buffer = try memory.read(at: address, count: Int(count))
                        do { try backend.write(buffer[...], at: position) } catch { return .ioError }
                    }
                } catch {
                    throw .memory(queue: chain.queue, error)
                }
                done += count
                position += count
            }
        }
        return .ok
    }
}
