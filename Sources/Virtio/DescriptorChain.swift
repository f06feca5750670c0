import GuestMemory

/// One request as the driver made it available: the buffers of a descriptor chain (indirect tables
/// already followed), device-readable ones first, then device-writable ones, each checked to lie inside
/// guest RAM (`DescriptorChainWalker`). The device reads and writes them only through the methods here,
/// which count offsets within the readable or the writable part and never step outside it.
public struct DescriptorChain: Hashable, Sendable {
    public enum Part: Sendable { case readable, writable }

    public let queue: UInt16
    /// The descriptor index the driver put in the available ring; the used element names it.
    public let head: UInt16
    public let readable: [GuestBuffer]
    public let writable: [GuestBuffer]
    public let readableLength: UInt64
    /// At most 2^32 − 1: used len must be able to report it.
    public let writableLength: UInt64

    init(queue: UInt16, head: UInt16, readable: [GuestBuffer], writable: [GuestBuffer]) {
        self.queue = queue
        self.head = head
        self.readable = readable
        self.writable = writable
        readableLength = readable.reduce(0) { $0 + UInt64($1.length) }
        writableLength = writable.reduce(0) { $0 + UInt64($1.length) }
    }

    public func length(of part: Part) -> UInt64 { part == .readable ? readableLength : writableLength }

    /// The descriptor holding byte `offset` of `part`, or nil past its end.
    public func location(of part: Part, at offset: UInt64) -> DescriptorLocation? {
        var start: UInt64 = 0
        for buffer in buffers(part) {
            if offset < start + UInt64(buffer.length) { return buffer.location }
            start += UInt64(buffer.length)
        }
        return nil
    }

    /// The guest ranges holding [offset, offset + length) of `part`, in order. Throws `missingBuffer`
    /// when the part is shorter.
    public func spans(of part: Part, offset: UInt64, length: UInt64,
                      purpose: String) throws(VirtqueueError) -> [(address: GuestAddress, length: UInt64)] {
        let available = self.length(of: part)
        guard offset <= available, length <= available - offset else {
            throw .missingBuffer(queue: queue, head: head, purpose: purpose, needed: offset + length,
                                 available: available)
        }
        var result: [(address: GuestAddress, length: UInt64)] = []
        var skip = offset, remaining = length
        for buffer in buffers(part) where remaining > 0 {
            let size = UInt64(buffer.length)
            if skip >= size { skip -= size; continue }
            let take = min(size - skip, remaining)
            // In range: the walker checked [address, address + size) lies inside RAM.
            result.append((GuestAddress(buffer.address.rawValue + skip), take))
            remaining -= take
            skip = 0
        }
        return result
    }

    /// Copies `count` bytes from the readable part, starting `offset` bytes in.
    public func read(offset: UInt64, count: Int, memory: GuestMemory,
                     purpose: String) throws(VirtqueueError) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        for span in try spans(of: .readable, offset: offset, length: UInt64(count), purpose: purpose) {
            do { bytes += try memory.read(at: span.address, count: Int(span.length)) } catch {
                throw .memory(queue: queue, error)
            }
        }
        return bytes
    }

    /// Copies `bytes` into the writable part, starting `offset` bytes in.
    public func write(_ bytes: ArraySlice<UInt8>, offset: UInt64, memory: GuestMemory,
                      purpose: String) throws(VirtqueueError) {
        var next = bytes.startIndex
        for span in try spans(of: .writable, offset: offset, length: UInt64(bytes.count), purpose: purpose) {
            let end = next + Int(span.length)
            do { try memory.write(bytes[next..<end], at: span.address) } catch { throw .memory(queue: queue, error) }
            next = end
        }
    }

    private func buffers(_ part: Part) -> [GuestBuffer] { part == .readable ? readable : writable }
}
