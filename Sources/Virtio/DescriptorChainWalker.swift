import GuestMemory

/// Follows one descriptor chain from its head, through at most one level of indirect table, and checks
/// every rule a hostile driver could break (virtio 1.2, §2.7.5):
/// - every index is inside its table (`next`, and the head itself, checked by the caller);
/// - at most `size` descriptors from the queue's table and at most the table's entries from an indirect
///   one, so a loop in the next fields ends as `chainTooLong` instead of hanging the device;
/// - indirect descriptors only when VIRTIO_F_INDIRECT_DESC was negotiated, never with NEXT, never inside
///   an indirect table, with a length that is a non-zero multiple of 16 up to `maxIndirectEntries`;
/// - each buffer's [addr, addr + len) neither wraps nor leaves guest RAM;
/// - device-readable buffers come before device-writable ones, and the writable total fits used len.
///
/// Descriptors are copied out of guest memory once (an indirect table in one read) and decoded from the
/// copy, so the driver cannot change one after it was checked.
public enum DescriptorChainWalker {
    /// The largest indirect table accepted: the largest queue the spec allows (§2.7.5.3: a chain may not
    /// be longer than that), 512 KiB of descriptors.
    public static let maxIndirectEntries = 32768

    public static func walk(queue: UInt16, head: UInt16, table: GuestAddress, size: UInt16,
                            indirectAllowed: Bool, memory: GuestMemory) throws(VirtqueueError) -> DescriptorChain {
        var readable: [GuestBuffer] = [], writable: [GuestBuffer] = []
        var writableTotal: UInt64 = 0
        // The table being walked: the queue's own, or a copied indirect table and the descriptor naming it.
        var indirect: (bytes: [UInt8], entries: Int, owner: UInt16)? = nil
        var index = head
        var visited = 0
        var limit = Int(size)

        while true {
            visited += 1
            guard visited <= limit else { throw .chainTooLong(queue: queue, head: head, limit: limit) }
            let location = DescriptorLocation(index: indirect?.owner ?? index, indirectEntry: indirect.map { _ in Int(index) })
            let descriptor: VirtqueueDescriptor
            if let indirect {
                descriptor = VirtqueueDescriptor(bytes: indirect.bytes, at: Int(index) * VirtqueueDescriptor.size)
            } else {
                descriptor = try readDescriptor(queue: queue, table: table, index: index, memory: memory)
            }

            if descriptor.isIndirect {
                guard indirect == nil else { throw .nestedIndirect(queue: queue, at: location) }
                guard indirectAllowed else { throw .indirectNotNegotiated(queue: queue, at: location) }
                guard !descriptor.hasNext else { throw .indirectWithNext(queue: queue, at: location) }
                let entries = Int(descriptor.length) / VirtqueueDescriptor.size
                guard descriptor.length > 0, Int(descriptor.length) % VirtqueueDescriptor.size == 0,
                      entries <= maxIndirectEntries else {
                    throw .badIndirectLength(queue: queue, at: location, length: descriptor.length)
                }
                let start = try checkedBuffer(descriptor, queue: queue, at: location, memory: memory)
                let bytes: [UInt8]
                do { bytes = try memory.read(at: start, count: Int(descriptor.length)) } catch {
                    throw .memory(queue: queue, error)
                }
                indirect = (bytes, entries, index)
                index = 0
                visited = 0
                limit = entries
                continue
            }

            let address = try checkedBuffer(descriptor, queue: queue, at: location, memory: memory)
            let buffer = GuestBuffer(address: address, length: descriptor.length, location: location)
            if descriptor.isWriteOnly {
                writableTotal += UInt64(descriptor.length)
                guard writableTotal <= UInt64(UInt32.max) else {
                    throw .writableTooLong(queue: queue, head: head, total: writableTotal)
                }
                writable.append(buffer)
            } else {
                guard writable.isEmpty else { throw .readableAfterWritable(queue: queue, at: location) }
                readable.append(buffer)
            }

            guard descriptor.hasNext else { break }
            let tableSize = indirect?.entries ?? Int(size)
            guard Int(descriptor.next) < tableSize else {
                throw .nextOutOfRange(queue: queue, at: location, next: descriptor.next, tableSize: tableSize)
            }
            index = descriptor.next
        }
        return DescriptorChain(queue: queue, head: head, readable: readable, writable: writable)
    }

    private static func readDescriptor(queue: UInt16, table: GuestAddress, index: UInt16,
                                       memory: GuestMemory) throws(VirtqueueError) -> VirtqueueDescriptor {
        // The table was checked to lie in RAM when the queue was enabled; index < size keeps us inside it.
        guard let address = table.adding(UInt64(index) * UInt64(VirtqueueDescriptor.size)) else {
            throw .ringOutsideRAM(queue: queue, part: .descriptorTable, address: table.rawValue, length: 0)
        }
        do {
            return VirtqueueDescriptor(bytes: try memory.read(at: address, count: VirtqueueDescriptor.size), at: 0)
        } catch {
            throw .memory(queue: queue, error)
        }
    }

    /// The buffer's start, once [addr, addr + len) is known not to wrap and to lie inside guest RAM.
    private static func checkedBuffer(_ descriptor: VirtqueueDescriptor, queue: UInt16, at location: DescriptorLocation,
                                      memory: GuestMemory) throws(VirtqueueError) -> GuestAddress {
        let start = GuestAddress(descriptor.address)
        guard start.adding(UInt64(descriptor.length)) != nil else {
            throw .bufferWraps(queue: queue, at: location, address: descriptor.address, length: descriptor.length)
        }
        guard memory.contains(start, length: UInt64(descriptor.length)) else {
            throw .bufferOutsideRAM(queue: queue, at: location, address: descriptor.address, length: descriptor.length)
        }
        return start
    }
}
