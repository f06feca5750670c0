import CKVM

/// The MSRs a guest's `rdmsr`/`wrmsr` may reach inside KVM (KVM_X86_SET_MSR_FILTER). Everything
/// outside `allowed` is denied; with user-space MSR exits enabled a denied access becomes a
/// `.msrRead`/`.msrWrite` exit, else KVM injects #GP. x2APIC MSRs (0x800–0x8FF) are never filtered:
/// KVM always hands them to its in-kernel LAPIC.
public struct MSRFilter: Equatable, Sendable {
    /// One contiguous run of MSR indices with an allow bit each (bit n of the bitmap = `base + n`).
    public struct Range: Equatable, Sendable {
        public let base: UInt32
        public let count: UInt32
        /// Little-endian bit order, as KVM reads it: byte n/8, bit n%8.
        public let bitmap: [UInt8]

        public func allows(_ index: UInt32) -> Bool {
            guard index >= base, index - base < count else { return false }
            let bit = index - base
            return bitmap[Int(bit / 8)] & (1 << (bit % 8)) != 0
        }
    }

    /// KVM_MSR_FILTER_MAX_RANGES and the largest bitmap one range may carry (KVM_MSR_FILTER_MAX_BITMAP_SIZE).
    public static let maximumRanges = Int(KVM_MSR_FILTER_MAX_RANGES)
    public static let maximumMSRsPerRange = UInt32(KVM_MSR_FILTER_MAX_BITMAP_SIZE) * 8

    public let ranges: [Range]

    /// Packs `allowed` into as few ranges as fit KVM's limits; throws when even that needs too many.
    public init(allowing allowed: [UInt32]) throws(KVMError) {
        // Sorted by insertion, duplicates dropped: the lists are tens of MSRs. No stdlib sort (it
        // instantiated its buffers' metadata at run time, ~50 µs of every swiftvm start) and no Set
        // (hashing; packing through a Set cost ~100,000 instructions of a hello run).
        var sorted: [UInt32] = []
        sorted.reserveCapacity(allowed.count)
        for index in allowed {
            var position = sorted.count
            while position > 0, sorted[position - 1] > index { position -= 1 }
            if position > 0, sorted[position - 1] == index { continue }
            sorted.insert(index, at: position)
        }
        var ranges: [Range] = []
        var first = 0
        while first < sorted.count {
            // A range spans up to the bitmap limit; a gap inside it costs bits, not a range.
            let base = sorted[first]
            var last = first
            while last + 1 < sorted.count, sorted[last + 1] - base < Self.maximumMSRsPerRange { last += 1 }
            let count = sorted[last] - base + 1
            var bitmap = [UInt8](repeating: 0, count: Int((count + 7) / 8))
            for index in sorted[first...last] { bitmap[Int((index - base) / 8)] |= 1 << ((index - base) % 8) }
            ranges.append(Range(base: base, count: count, bitmap: bitmap))
            first = last + 1
        }
        guard ranges.count <= Self.maximumRanges else {
            throw KVMError.protocolViolation("the MSR allow list needs \(ranges.count) filter ranges; KVM takes \(Self.maximumRanges)")
        }
        self.ranges = ranges
    }

    public func allows(_ index: UInt32) -> Bool { ranges.contains { $0.allows(index) } }
}

extension VirtualMachine {
    /// KVM_X86_SET_MSR_FILTER with default deny: only `filter`'s MSRs reach KVM's own MSR emulation.
    public func setMSRFilter(_ filter: MSRFilter) throws(KVMError) {
        var raw = kvm_msr_filter()
        raw.flags = UInt32(KVM_MSR_FILTER_DEFAULT_DENY)
        let flags = UInt32(KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE)
        // One buffer for every bitmap: KVM copies them during the ioctl, so they only outlive the call.
        var bitmaps = filter.ranges.flatMap(\.bitmap)
        try bitmaps.withUnsafeMutableBufferPointer { (buffer) throws(KVMError) in
            var offset = 0
            for (index, range) in filter.ranges.enumerated() {
                _ = ckvm_msr_filter_set_range(&raw, UInt32(index), flags, range.base, range.count, buffer.baseAddress! + offset)
                offset += range.bitmap.count
            }
            try fd.ioctl("KVM_X86_SET_MSR_FILTER", CKVM_X86_SET_MSR_FILTER, &raw)
        }
    }

    /// KVM_ENABLE_CAP(KVM_CAP_X86_USER_SPACE_MSR): MSR accesses the filter denies exit to user space
    /// (`.msrRead`/`.msrWrite`) instead of raising #GP inside KVM, so the VMM decides their answer.
    public func enableUserSpaceMSRExitsForFilteredMSRs() throws(KVMError) {
        var cap = kvm_enable_cap()
        cap.cap = UInt32(KVM_CAP_X86_USER_SPACE_MSR)
        cap.args.0 = UInt64(KVM_MSR_EXIT_REASON_FILTER)
        try fd.ioctl("KVM_ENABLE_CAP(KVM_CAP_X86_USER_SPACE_MSR)", CKVM_ENABLE_CAP, &cap)
    }
}
