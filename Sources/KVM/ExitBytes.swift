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

    /// The little-endian value of `size` bytes (1–8) at `offset`.
    public func littleEndianValue(at offset: Int = 0, size: Int) -> UInt64 {
        var value: UInt64 = 0
        var index = offset + size - 1
        while index >= offset {
            value = value << 8 | UInt64(self[index])
            index -= 1
        }
        return value
    }

    public static func == (lhs: ExitBytes, rhs: ExitBytes) -> Bool { lhs.elementsEqual(rhs) }

    public var description: String { "\(Array(self))" }
}
