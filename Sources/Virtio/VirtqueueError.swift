import GuestMemory

/// The part of a split virtqueue a ring address belongs to, named as the common-configuration field
/// that sets it (virtio 1.2, §4.1.4.3).
public enum VirtqueuePart: String, Sendable {
    case descriptorTable = "queue_desc (descriptor table)"
    case availRing = "queue_driver (available ring)"
    case usedRing = "queue_device (used ring)"
}

/// Why a device stopped trusting a virtqueue. Each is the driver's fault, found while reading what the
/// driver wrote; the device answers by setting DEVICE_NEEDS_RESET with this as the reason (virtio 1.2,
/// §2.1.2) and touches the queue no more until the driver resets it. Descriptions name the field and the
/// value that broke the rule.
public enum VirtqueueError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidQueueSize(queue: UInt16, size: UInt16, maximum: UInt16)
    case ringMisaligned(queue: UInt16, part: VirtqueuePart, address: UInt64, alignment: UInt64)
    case ringOutsideRAM(queue: UInt16, part: VirtqueuePart, address: UInt64, length: UInt64)
    /// avail->idx ran ahead of the device by more than the queue holds.
    case availIndexJump(queue: UInt16, lastSeen: UInt16, availIndex: UInt16, size: UInt16)
    case headOutOfRange(queue: UInt16, slot: UInt16, head: UInt16, size: UInt16)
    case nextOutOfRange(queue: UInt16, at: DescriptorLocation, next: UInt16, tableSize: Int)
    /// More descriptors than the table holds: the next pointers form a loop.
    case chainTooLong(queue: UInt16, head: UInt16, limit: Int)
    case nestedIndirect(queue: UInt16, at: DescriptorLocation)
    case indirectWithNext(queue: UInt16, at: DescriptorLocation)
    case indirectNotNegotiated(queue: UInt16, at: DescriptorLocation)
    case badIndirectLength(queue: UInt16, at: DescriptorLocation, length: UInt32)
    case bufferWraps(queue: UInt16, at: DescriptorLocation, address: UInt64, length: UInt32)
    case bufferOutsideRAM(queue: UInt16, at: DescriptorLocation, address: UInt64, length: UInt32)
    case readableAfterWritable(queue: UInt16, at: DescriptorLocation)
    case writableTooLong(queue: UInt16, head: UInt16, total: UInt64)
    /// The device would have to write into a buffer the driver marked device-readable.
    case writeIntoReadableBuffer(queue: UInt16, at: DescriptorLocation, purpose: String)
    /// The device would have to read from a buffer the driver marked device-writable.
    case readFromWritableBuffer(queue: UInt16, at: DescriptorLocation, purpose: String)
    /// The chain lacks a part the request needs (a header, a status byte).
    case missingBuffer(queue: UInt16, head: UInt16, purpose: String, needed: UInt64, available: UInt64)
    /// A guest-memory access failed after the checks above passed (the guest cannot cause this).
    case memory(queue: UInt16, GuestMemoryError)

    public var description: String {
        let reset = "; the driver must reset the device"
        switch self {
        case let .invalidQueueSize(queue, size, maximum):
            return "queue \(queue): queue_size = \(size) is not a power of two from 1 to \(maximum)\(reset)"
        case let .ringMisaligned(queue, part, address, alignment):
            return "queue \(queue): \(part.rawValue) = \(hex(address)) is not \(alignment)-byte aligned\(reset)"
        case let .ringOutsideRAM(queue, part, address, length):
            return "queue \(queue): \(part.rawValue) = \(hex(address)) with \(length) bytes lies outside guest RAM\(reset)"
        case let .availIndexJump(queue, lastSeen, availIndex, size):
            return "queue \(queue): avail->idx moved from \(lastSeen) to \(availIndex), "
                + "\(availIndex &- lastSeen) new buffers in a \(size)-entry queue\(reset)"
        case let .headOutOfRange(queue, slot, head, size):
            return "queue \(queue): avail->ring[\(slot)] = \(head) is past the \(size)-entry descriptor table\(reset)"
        case let .nextOutOfRange(queue, at, next, tableSize):
            return "queue \(queue): \(at) has next = \(next), past the \(tableSize)-entry table\(reset)"
        case let .chainTooLong(queue, head, limit):
            return "queue \(queue): the chain from head \(head) has more than \(limit) descriptors (its next fields loop)\(reset)"
        case let .nestedIndirect(queue, at):
            return "queue \(queue): \(at) sets VIRTQ_DESC_F_INDIRECT inside an indirect table\(reset)"
        case let .indirectWithNext(queue, at):
            return "queue \(queue): \(at) sets both VIRTQ_DESC_F_INDIRECT and VIRTQ_DESC_F_NEXT\(reset)"
        case let .indirectNotNegotiated(queue, at):
            return "queue \(queue): \(at) sets VIRTQ_DESC_F_INDIRECT but VIRTIO_F_INDIRECT_DESC was not negotiated\(reset)"
        case let .badIndirectLength(queue, at, length):
            return "queue \(queue): \(at) has an indirect table of len = \(length) bytes; "
                + "it must be a non-zero multiple of 16 up to \(DescriptorChainWalker.maxIndirectEntries * 16)\(reset)"
        case let .bufferWraps(queue, at, address, length):
            return "queue \(queue): \(at) has addr = \(hex(address)) and len = \(hex(UInt64(length))), which wrap past 2^64\(reset)"
        case let .bufferOutsideRAM(queue, at, address, length):
            return "queue \(queue): \(at) has addr = \(hex(address)) and len = \(hex(UInt64(length))), outside guest RAM\(reset)"
        case let .readableAfterWritable(queue, at):
            return "queue \(queue): \(at) is device-readable (flags without VIRTQ_DESC_F_WRITE) after a device-writable one\(reset)"
        case let .writableTooLong(queue, head, total):
            return "queue \(queue): the chain from head \(head) has \(total) device-writable bytes, more than used len can report\(reset)"
        case let .writeIntoReadableBuffer(queue, at, purpose):
            return "queue \(queue): \(at) holds the \(purpose) but is device-readable (flags lack VIRTQ_DESC_F_WRITE)\(reset)"
        case let .readFromWritableBuffer(queue, at, purpose):
            return "queue \(queue): \(at) holds the \(purpose) but is device-writable (flags have VIRTQ_DESC_F_WRITE)\(reset)"
        case let .missingBuffer(queue, head, purpose, needed, available):
            return "queue \(queue): the chain from head \(head) has \(available) bytes for the \(purpose), which needs \(needed)\(reset)"
        case let .memory(queue, error):
            return "queue \(queue): \(error)\(reset)"
        }
    }
}

func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }
