import GuestMemory

/// A virtio-blk request as laid out in its descriptor chain (virtio 1.2, §5.2.6):
///
///     device-readable:  le32 type | le32 reserved | le64 sector      (16-byte header)
///                       data                                          (OUT: what to write)
///     device-writable:  data                                          (IN, GET_ID: what was read)
///                       u8 status                                     (the last writable byte)
///
/// `parse` reads the header and checks that the data sits on the side the request type needs; a chain
/// that breaks that (or lacks a header or a status byte) is malformed and throws, since the device could
/// only serve it by writing into a device-readable buffer or reading a device-writable one.
public struct VirtioBlockRequest: Hashable, Sendable {
    public static let headerSize: UInt64 = 16

    /// Request types (VIRTIO_BLK_T_*).
    public enum Kind: Hashable, Sendable {
        case read, write, flush, getID
        case unsupported(UInt32)

        init(_ raw: UInt32) {
            switch raw {
            case 0: self = .read
            case 1: self = .write
            case 4: self = .flush
            case 8: self = .getID
            default: self = .unsupported(raw)
            }
        }

        var name: String {
            switch self {
            case .read: return "VIRTIO_BLK_T_IN"
            case .write: return "VIRTIO_BLK_T_OUT"
            case .flush: return "VIRTIO_BLK_T_FLUSH"
            case .getID: return "VIRTIO_BLK_T_GET_ID"
            case let .unsupported(raw): return "type \(raw)"
            }
        }
    }

    public let kind: Kind
    public let sector: UInt64
    /// Data bytes: after the header in the readable part (OUT), or before the status byte in the writable
    /// part (IN, GET_ID). For other types, the writable bytes before the status byte (unused).
    public let dataLength: UInt64
    /// Offset of the status byte in the chain's writable part.
    public let statusOffset: UInt64

    public static func parse(_ chain: DescriptorChain, memory: GuestMemory) throws(VirtqueueError) -> VirtioBlockRequest {
        let header = try chain.read(offset: 0, count: Int(headerSize), memory: memory, purpose: "virtio-blk request header")
        func field(_ start: Int, _ width: Int) -> UInt64 {
            (0..<width).reduce(0) { $0 | UInt64(header[start + $1]) << (8 * UInt64($1)) }
        }
        let kind = Kind(UInt32(field(0, 4)))
        guard chain.writableLength >= 1 else {
            let at = chain.readable.last?.location ?? DescriptorLocation(index: chain.head)
            throw .writeIntoReadableBuffer(queue: chain.queue, at: at, purpose: "\(kind.name) status byte")
        }
        let statusOffset = chain.writableLength - 1
        var dataLength = statusOffset
        switch kind {
        case .read, .getID:
            if let extra = chain.location(of: .readable, at: headerSize) {
                throw .writeIntoReadableBuffer(queue: chain.queue, at: extra, purpose: "\(kind.name) data")
            }
        case .write:
            if statusOffset > 0, let first = chain.writable.first {
                throw .readFromWritableBuffer(queue: chain.queue, at: first.location, purpose: "\(kind.name) data")
            }
            dataLength = chain.readableLength - headerSize
        case .flush, .unsupported:
            break
        }
        return VirtioBlockRequest(kind: kind, sector: field(8, 8), dataLength: dataLength, statusOffset: statusOffset)
    }
}

/// Completion codes written to a request's status byte (VIRTIO_BLK_S_*).
public enum VirtioBlockStatus: UInt8, Sendable {
    case ok = 0
    case ioError = 1
    case unsupported = 2
}
