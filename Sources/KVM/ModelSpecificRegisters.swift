#if canImport(Glibc)
import Glibc
#endif
import CKVM

/// One MSR and its value, as KVM_GET_MSRS / KVM_SET_MSRS carry them.
public struct MSRValue: Equatable, Sendable {
    public var index: UInt32
    public var value: UInt64
    public init(index: UInt32, value: UInt64) { self.index = index; self.value = value }
}

extension KVMSystem {
    /// KVM_GET_MSR_INDEX_LIST: the MSRs whose state KVM keeps for this host (msrs_to_save plus the
    /// emulated ones, e.g. kvmclock's), which a VMM reads and writes to save and restore a vCPU.
    public func msrIndexList() throws(KVMError) -> [UInt32] {
        var capacity = 256
        while true {
            let size = MemoryLayout<kvm_msr_list>.size + capacity * MemoryLayout<UInt32>.stride
            let raw = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: MemoryLayout<kvm_msr_list>.alignment)
            defer { raw.deallocate() }
            raw.initializeMemory(as: UInt8.self, repeating: 0, count: size)
            raw.storeBytes(of: UInt32(capacity), as: UInt32.self)
            do {
                try fd.ioctl("KVM_GET_MSR_INDEX_LIST", CKVM_GET_MSR_INDEX_LIST, buffer: raw)
            } catch let error where error == .ioctl(call: "KVM_GET_MSR_INDEX_LIST", errno: E2BIG) && capacity < 16384 {
                capacity *= 4   // KVM wrote back how many it has; offer room for more
                continue
            }
            let count = min(Int(raw.load(as: UInt32.self)), capacity)
            let indices = (raw + MemoryLayout<kvm_msr_list>.size).bindMemory(to: UInt32.self, capacity: count)
            return Array(UnsafeBufferPointer(start: indices, count: count))
        }
    }
}

extension VirtualCPU {
    /// KVM_GET_MSRS for `indices`, in that order. KVM stops at the first MSR it cannot read: that is an
    /// error naming the MSR.
    public func readMSRs(_ indices: [UInt32]) throws(KVMError) -> [MSRValue] {
        try withMSRBuffer(indices.map { MSRValue(index: $0, value: 0) }) { (raw, entries) throws(KVMError) in
            let done = try fd.ioctl("KVM_GET_MSRS", CKVM_GET_MSRS, buffer: raw)
            guard Int(done) == indices.count else {
                throw KVMError.ioctl(call: "KVM_GET_MSRS(0x\(String(indices[Int(done)], radix: 16)))", errno: EINVAL)
            }
            return (0..<indices.count).map { MSRValue(index: entries[$0].index, value: entries[$0].data) }
        }
    }

    /// KVM_SET_MSRS, in the order given (host-initiated writes: KVM accepts values a guest write might not).
    public func writeMSRs(_ values: [MSRValue]) throws(KVMError) {
        try withMSRBuffer(values) { (raw, _) throws(KVMError) in
            let done = try fd.ioctl("KVM_SET_MSRS", CKVM_SET_MSRS, buffer: raw)
            guard Int(done) == values.count else {
                throw KVMError.ioctl(call: "KVM_SET_MSRS(0x\(String(values[Int(done)].index, radix: 16)) = 0x\(String(values[Int(done)].value, radix: 16)))",
                                     errno: EINVAL)
            }
        }
    }

    /// A struct kvm_msrs with `values` in its entries, for the duration of `body`.
    private func withMSRBuffer<Result>(_ values: [MSRValue],
                                       _ body: (UnsafeMutableRawPointer, UnsafeMutablePointer<kvm_msr_entry>) throws(KVMError) -> Result) throws(KVMError) -> Result {
        let size = MemoryLayout<kvm_msrs>.size + values.count * MemoryLayout<kvm_msr_entry>.stride
        let raw = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: MemoryLayout<kvm_msrs>.alignment)
        defer { raw.deallocate() }
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        raw.bindMemory(to: kvm_msrs.self, capacity: 1).pointee.nmsrs = UInt32(values.count)
        let entries = (raw + MemoryLayout<kvm_msrs>.size).bindMemory(to: kvm_msr_entry.self, capacity: max(values.count, 1))
        for (slot, value) in values.enumerated() { entries[slot] = kvm_msr_entry(index: value.index, reserved: 0, data: value.value) }
        return try body(raw, entries)
    }
}
