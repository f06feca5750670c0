#if canImport(Glibc)
import Glibc
#endif

/// What KVM needs to know about one RAM region: where the guest sees it and where this process mapped it.
/// The host address is a number for `KVM_SET_USER_MEMORY_REGION`, never a pointer anyone may dereference.
public struct MemorySlot: Sendable, Equatable {
    public let index: UInt32
    public let guestRange: GuestRange
    public let hostAddress: UInt64
}

/// Guest RAM: owns the host mappings and is the only way to read or write them.
///
/// Every access names a guest range and is checked to lie wholly inside one region; a failing check is a
/// `GuestMemoryError`, never a trap. Mappings are anonymous and `MAP_NORESERVE`, so cost is paid only for
/// pages the guest (or a loader) touches: a 4 GiB guest that uses 2 MiB costs 2 MiB.
///
/// Sendable because nothing in it changes after init; the bytes themselves are shared with the guest's
/// vCPUs by design, exactly as they are in hardware.
public final class GuestMemory: @unchecked Sendable {
    struct Region {
        let range: GuestRange
        let base: UnsafeMutableRawPointer
    }

    let regions: [Region]
    public static let pageSize: UInt64 = 4096

    /// Maps one region per range. Ranges must be non-empty, page-aligned and must not overlap.
    public init(ranges: [GuestRange]) throws(GuestMemoryError) {
        try Self.validate(ranges)
        var mapped: [Region] = []
        for range in ranges.sorted(by: { $0.start < $1.start }) {
            guard let size = Int(exactly: range.size) else {
                throw GuestMemoryError.invalidLayout("region \(range) is larger than this host can map")
            }
            let address = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
            guard let address, address != MAP_FAILED else {
                let error = errno
                for region in mapped { munmap(region.base, Int(region.range.size)) }
                throw GuestMemoryError.mapFailed(size: range.size, errno: error)
            }
            mapped.append(Region(range: range, base: address))
        }
        regions = mapped
    }

    deinit {
        for region in regions { munmap(region.base, Int(region.range.size)) }
    }

    private static func validate(_ ranges: [GuestRange]) throws(GuestMemoryError) {
        guard !ranges.isEmpty else { throw GuestMemoryError.invalidLayout("no RAM regions") }
        for range in ranges {
            guard range.size > 0 else { throw GuestMemoryError.invalidLayout("empty region at \(range.start)") }
            guard range.start.rawValue % pageSize == 0, range.size % pageSize == 0 else {
                throw GuestMemoryError.invalidLayout("region \(range) is not page-aligned")
            }
        }
        let sorted = ranges.sorted(by: { $0.start < $1.start })
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.overlaps(b) {
            throw GuestMemoryError.invalidLayout("regions \(a) and \(b) overlap")
        }
    }

    /// The RAM ranges, lowest first.
    public var ranges: [GuestRange] { regions.map(\.range) }

    /// Total RAM in bytes.
    public var totalSize: UInt64 { regions.reduce(0) { $0 + $1.range.size } }

    /// The regions as KVM memory slots, numbered from 0.
    public var slots: [MemorySlot] {
        regions.enumerated().map { index, region in
            MemorySlot(index: UInt32(index), guestRange: region.range,
                       hostAddress: UInt64(UInt(bitPattern: region.base)))
        }
    }

    /// True when [address, address+length) lies wholly inside one RAM region.
    public func contains(_ address: GuestAddress, length: UInt64) -> Bool {
        (try? locate(address, length)) != nil
    }

    // MARK: - Checked access

    /// Resolves a guest range to a host pointer. The single place where a guest address becomes a pointer.
    /// (`@usableFromInline` for the integer accessors below, which other modules specialize.)
    @usableFromInline
    func locate(_ address: GuestAddress, _ length: UInt64) throws(GuestMemoryError) -> UnsafeMutableRawPointer {
        guard let wanted = GuestRange(start: address, size: length) else {
            throw GuestMemoryError.addressOverflow(address: address, length: length)
        }
        for region in regions where region.range.contains(wanted) {
            // The offset is below region.size, which was mapped, so it fits in Int.
            return region.base + Int(address.rawValue - region.range.start.rawValue)
        }
        throw GuestMemoryError.outOfRange(address: address, length: length)
    }

    public func read(at address: GuestAddress, count: Int) throws(GuestMemoryError) -> [UInt8] {
        guard count > 0 else { return [] }
        let source = try locate(address, UInt64(count))
        return [UInt8](UnsafeRawBufferPointer(start: source, count: count))
    }

    public func write(_ bytes: some Collection<UInt8>, at address: GuestAddress) throws(GuestMemoryError) {
        guard !bytes.isEmpty else { return }
        let target = try locate(address, UInt64(bytes.count))
        // Contiguous bytes by memcpy: `copyBytes(from:)` of an unspecialized collection looks up its
        // metadata at run time (a scan of the binary's conformance records at first use).
        if bytes.withContiguousStorageIfAvailable({ memcpy(target, $0.baseAddress!, $0.count) }) == nil {
            UnsafeMutableRawBufferPointer(start: target, count: bytes.count).copyBytes(from: bytes)
        }
    }

    /// Zeroes drop whole pages instead (MADV_DONTNEED: private anonymous pages then read as zero), so a
    /// large bss costs a syscall, not a page fault per page on a host where each is expensive.
    public func fill(_ value: UInt8, at address: GuestAddress, count: UInt64) throws(GuestMemoryError) {
        guard count > 0 else { return }
        let target = try locate(address, count)
        guard let length = Int(exactly: count) else { throw GuestMemoryError.outOfRange(address: address, length: count) }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = Int(bitPattern: target)
        let head = (page - start % page) % page, tail = (start + length) % page
        guard value == 0, length > head + tail, madvise(target + head, length - head - tail, MADV_DONTNEED) == 0 else {
            memset(target, Int32(value), length)
            return
        }
        memset(target, 0, head)
        memset(target + (length - tail), 0, tail)
    }

    /// Reads a little-endian integer (the guest's byte order). Inlinable, so that a caller in another
    /// module gets it specialized: unspecialized, each read went through witness tables, ~1,000
    /// instructions (a kernel-entry exit reads five fields).
    @inlinable
    public func read<T: FixedWidthInteger>(_ type: T.Type, at address: GuestAddress) throws(GuestMemoryError) -> T {
        let source = try locate(address, UInt64(MemoryLayout<T>.size))
        return T(littleEndian: source.loadUnaligned(as: T.self))
    }

    /// Writes a little-endian integer (the guest's byte order); inlinable as `read`.
    @inlinable
    public func write<T: FixedWidthInteger>(_ value: T, at address: GuestAddress) throws(GuestMemoryError) {
        let target = try locate(address, UInt64(MemoryLayout<T>.size))
        target.storeBytes(of: value.littleEndian, as: T.self)
    }
}
