import CKVM
import Synchronization

extension VirtualMachine {
    /// KVM_REGISTER_COALESCED_MMIO with `pio` set: guest writes to ports [port, port + length) no longer
    /// exit; KVM appends them to the ring (`CoalescedRing`) and the VMM reads them when it likes. Reads
    /// still exit. When the ring is full, a write exits as usual. Fails on hosts without
    /// KVM_CAP_COALESCED_PIO.
    public func registerCoalescedPIO(port: UInt16, length: UInt32) throws(KVMError) {
        var zone = kvm_coalesced_mmio_zone()
        zone.addr = UInt64(port)
        zone.size = length
        zone.pio = 1
        try fd.ioctl("KVM_REGISTER_COALESCED_MMIO", CKVM_REGISTER_COALESCED_MMIO, &zone)
    }
}

/// The VM's ring of coalesced writes (struct kvm_coalesced_mmio_ring), shared by every vCPU mapping at
/// page KVM_COALESCED_MMIO_PAGE_OFFSET. KVM produces at `last`; the VMM consumes at `first`. One
/// consumer at a time: callers serialize `drain`.
public struct CoalescedRing: @unchecked Sendable {
    @usableFromInline let page: UnsafeMutableRawPointer
    /// (page size - the two u32 indexes) / sizeof(struct kvm_coalesced_mmio).
    public static let capacity = UInt32((4096 - 8) / MemoryLayout<kvm_coalesced_mmio>.stride)

    init(page: UnsafeMutableRawPointer) { self.page = page }

    @usableFromInline var first: UnsafeMutablePointer<UInt32> { page.assumingMemoryBound(to: UInt32.self) }
    @usableFromInline var last: UnsafeMutablePointer<UInt32> { (page + 4).assumingMemoryBound(to: UInt32.self) }

    /// Whether KVM has appended writes not yet drained (a read of two words, no lock). Asked after every
    /// exit: inlinable, so that the vCPU loop reads the two words without a call.
    @inlinable public var hasEntries: Bool { first.pointee != last.pointee }

    /// Hands each pending write (port or address, length, the value written, little-endian) to `body`
    /// in order and frees its entry; returns how many there were.
    @discardableResult
    public func drain(_ body: (_ address: UInt64, _ length: UInt32, _ value: UInt64) -> Void) -> Int {
        var drained = 0
        var index = first.pointee
        let end = last.pointee
        atomicMemoryFence(ordering: .acquiring)   // entries before `last` are complete
        let entries = (page + 8).assumingMemoryBound(to: kvm_coalesced_mmio.self)
        while index != end, index < Self.capacity {
            let entry = entries[Int(index)]
            let value = withUnsafeBytes(of: entry.data) { $0.loadUnaligned(as: UInt64.self) }
            body(entry.phys_addr, entry.len, UInt64(littleEndian: value))
            index = (index + 1) % Self.capacity
            // KVM reads `first` to find room: the entry is read before it is given back.
            atomicMemoryFence(ordering: .releasing)
            first.pointee = index
            drained += 1
        }
        return drained
    }
}
