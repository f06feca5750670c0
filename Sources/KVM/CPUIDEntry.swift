import CKVM

/// One CPUID leaf/subleaf as KVM describes it (struct kvm_cpuid_entry2).
public struct CPUIDEntry: Hashable, Sendable, CustomStringConvertible {
    public var function: UInt32
    public var index: UInt32
    /// KVM_CPUID_FLAG_SIGNIFCANT_INDEX (1) when `index` selects a subleaf.
    public var flags: UInt32
    public var eax: UInt32
    public var ebx: UInt32
    public var ecx: UInt32
    public var edx: UInt32

    public static let significantIndex: UInt32 = 1

    public init(function: UInt32, index: UInt32 = 0, flags: UInt32 = 0,
                eax: UInt32 = 0, ebx: UInt32 = 0, ecx: UInt32 = 0, edx: UInt32 = 0) {
        self.function = function
        self.index = index
        self.flags = flags
        self.eax = eax
        self.ebx = ebx
        self.ecx = ecx
        self.edx = edx
    }

    init(_ raw: kvm_cpuid_entry2) {
        self.init(function: raw.function, index: raw.index, flags: raw.flags,
                  eax: raw.eax, ebx: raw.ebx, ecx: raw.ecx, edx: raw.edx)
    }

    var raw: kvm_cpuid_entry2 {
        var entry = kvm_cpuid_entry2()
        entry.function = function
        entry.index = index
        entry.flags = flags
        entry.eax = eax
        entry.ebx = ebx
        entry.ecx = ecx
        entry.edx = edx
        return entry
    }

    public var description: String {
        func hex(_ v: UInt32) -> String { let s = String(v, radix: 16); return String(repeating: "0", count: 8 - s.count) + s }
        return "CPUID.\(hex(function)).\(index): eax=\(hex(eax)) ebx=\(hex(ebx)) ecx=\(hex(ecx)) edx=\(hex(edx))"
    }
}

/// kvm_cpuid2 is a header followed by a variable number of entries; this is the one place that lays
/// that out in memory for KVM_GET_SUPPORTED_CPUID and KVM_SET_CPUID2.
enum CPUIDBuffer {
    static func withBuffer<R>(capacity: Int, _ body: (UnsafeMutablePointer<kvm_cpuid2>) throws(KVMError) -> R) throws(KVMError) -> R {
        let size = MemoryLayout<kvm_cpuid2>.size + capacity * MemoryLayout<kvm_cpuid_entry2>.stride
        let raw = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: MemoryLayout<kvm_cpuid2>.alignment)
        defer { raw.deallocate() }
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        let header = raw.bindMemory(to: kvm_cpuid2.self, capacity: 1)
        header.pointee.nent = UInt32(capacity)
        return try body(header)
    }

    static func entries(_ header: UnsafeMutablePointer<kvm_cpuid2>) -> UnsafeMutableBufferPointer<kvm_cpuid_entry2> {
        let first = UnsafeMutableRawPointer(header).advanced(by: MemoryLayout<kvm_cpuid2>.size)
            .assumingMemoryBound(to: kvm_cpuid_entry2.self)
        return UnsafeMutableBufferPointer(start: first, count: Int(header.pointee.nent))
    }
}
