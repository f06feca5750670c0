/// The bytes an exit carries (an `out`/`outs`, an MMIO write), without a copy: a view into the vCPU's
/// kvm_run page for port output, or up to 8 bytes held inline (MMIO, made-up exits in tests). Decoding
/// an exit therefore allocates nothing, and a `VcpuExit` holding one is plain data: nothing to release
/// after each exit (dropping the array took swiftvm's own work per exit from ~430 to ~395 TSC cycles on
/// the Intel host).
///
/// A view is valid until the vCPU's next KVM_RUN: handle the exit before entering the guest again, and
/// do not keep it. (`@unchecked Sendable`: views stay on the vCPU's thread.)
public struct ExitBytes: RandomAccessCollection, Equatable, ExpressibleByArrayLiteral, @unchecked Sendable,
                         CustomStringConvertible {
    private let base: UnsafeRawPointer?
    private let inline: UInt64
    public let count: Int

    /// `count` bytes at `pointer` (inside kvm_run), not copied.
    public init(viewing pointer: UnsafeRawPointer, count: Int) {
        base = pointer
        inline = 0
        self.count = count
    }

    /// The low `count` (at most 8) bytes of `value`, little-endian.
    public init(littleEndian value: UInt64, count: Int) {
        base = nil
        inline = value
        self.count = Swift.min(Swift.max(count, 0), 8)
    }

    /// At most 8 bytes, held inline (made-up exits; longer output is a view).
    public init(_ bytes: [UInt8]) {
        precondition(bytes.count <= 8, "ExitBytes holds at most 8 bytes inline; view longer data")
        self.init(littleEndian: bytes.reversed().reduce(0) { $0 << 8 | UInt64($1) }, count: bytes.count)
    }

    public init(arrayLiteral elements: UInt8...) { self.init(elements) }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    public subscript(position: Int) -> UInt8 {
        precondition(position >= 0 && position < count, "ExitBytes index out of range")
        if let base { return base.load(fromByteOffset: position, as: UInt8.self) }
        return UInt8(truncatingIfNeeded: inline >> (8 * UInt64(position)))
    }

    /// The little-endian value of `size` bytes (0–8) at `offset`, for each element of a decoded port
    /// write (string I/O, the kernel-entry port) and each MMIO write: a view answers the common sizes
    /// with one load. If-chains, not a `switch`: its jump table made each port exit cost swiftvm ~300
    /// instead of ~190 TSC cycles on the Intel host, when every port exit still came through here.
    public func littleEndianValue(at offset: Int = 0, size: Int) -> UInt64 {
        precondition(offset >= 0 && size >= 0 && size <= 8 && offset <= count - size, "ExitBytes range out of bounds")
        guard let base else {
            let shifted = offset >= 8 ? 0 : inline >> (8 * UInt64(offset))
            return size == 8 ? shifted : shifted & ((1 << (8 * UInt64(size))) - 1)
        }
        if size == 1 { return UInt64(base.load(fromByteOffset: offset, as: UInt8.self)) }
        if size == 4 { return UInt64(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))) }
        if size == 2 { return UInt64(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt16.self))) }
        var value: UInt64 = 0
        var index = offset + size - 1
        while index >= offset {
            value = value << 8 | UInt64(base.load(fromByteOffset: index, as: UInt8.self))
            index -= 1
        }
        return value
    }

    public static func == (lhs: ExitBytes, rhs: ExitBytes) -> Bool { lhs.elementsEqual(rhs) }

    public var description: String { "\(Array(self))" }
}
