/// A section's name in a snapshot file: 4 printable ASCII bytes ("VCPU", "MEMR", …), compared as bytes.
public struct SectionTag: Hashable, Sendable, CustomStringConvertible {
    /// The 4 bytes as they appear in the file, first byte in the low bits (little-endian u32).
    public let rawValue: UInt32

    /// nil unless `string` is exactly 4 printable ASCII characters (space allowed: "MEM ").
    public init?(_ string: String) {
        let bytes = Array(string.utf8)
        guard bytes.count == 4 else { return nil }
        self.init(bytes: bytes)
    }

    /// nil unless the 4 bytes are printable ASCII (a damaged or foreign tag read from a file).
    public init?(bytes: [UInt8]) {
        guard bytes.count == 4, bytes.allSatisfy({ (0x20...0x7E).contains($0) }) else { return nil }
        rawValue = bytes.enumerated().reduce(0) { $0 | UInt32($1.element) << (8 * $1.offset) }
    }

    public var bytes: [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: rawValue >> (8 * $0)) } }

    public var description: String { String(decoding: bytes, as: UTF8.self) }

    /// How an error names a tag: quoted, as in `section "LAPI"`.
    var quoted: String { "\"\(description)\"" }

    /// Tags of literal strings in this module, checked once by the tests. From the literal's bytes:
    /// `String(describing:)` would go through a dynamic cast that scans the conformance tables.
    private init(literal: StaticString) { self.init(bytes: literal.withUTF8Buffer { Array($0) })! }

    /// The machine configuration: machine type, memory size, cpus, kernel, cmdline, disk (owner: swiftvm).
    public static let configuration = SectionTag(literal: "CONF")
    /// Every vCPU's registers, MSRs, FPU/XSAVE, events (owner: swiftvm).
    public static let vcpu = SectionTag(literal: "VCPU")
    /// Every vCPU's local APIC (owner: swiftvm).
    public static let localAPIC = SectionTag(literal: "LAPI")
    /// PIC + IOAPIC (owner: swiftvm).
    public static let irqChip = SectionTag(literal: "IRQC")
    /// The in-kernel PIT (owner: swiftvm).
    public static let pit = SectionTag(literal: "PIT2")
    /// kvmclock and TSC (owner: swiftvm).
    public static let clock = SectionTag(literal: "CLCK")
    /// Port devices: UART, RTC, i8042, PCI host, testdev, snapshot port (owner: swiftvm).
    public static let devices = SectionTag(literal: "DEVS")
    /// virtio-pci transports, virtqueues and virtio-blk (owner: swiftvm).
    public static let virtio = SectionTag(literal: "VIRT")
    /// Guest memory, sparse (`SparseMemoryWriter` / `SparseMemoryReader`).
    public static let memory = SectionTag(literal: "MEMR")

    /// The order sections take in a file: configuration first (a restore needs it to build the machine),
    /// memory last (the bulk, streamed). Tags not listed here follow these, ordered by their bytes.
    public static let fileOrder: [SectionTag] = [.configuration, .vcpu, .localAPIC, .irqChip, .pit, .clock, .devices, .virtio, .memory]

    /// Where `self` ranks in `fileOrder` (unlisted tags after every listed one, by their bytes).
    var orderKey: (Int, [UInt8]) {
        if let index = Self.fileOrder.firstIndex(of: self) { return (index, []) }
        return (Self.fileOrder.count, bytes)
    }

    /// Whether `self` must come strictly after `other` in a file.
    func comesAfter(_ other: SectionTag) -> Bool {
        let (mine, theirs) = (orderKey, other.orderKey)
        if mine.0 != theirs.0 { return mine.0 > theirs.0 }
        return mine.1.lexicographicallyPrecedes(theirs.1) == false && mine.1 != theirs.1
    }
}

/// How an error names 4 tag bytes that may not be a valid tag: printable ASCII as is, others as \xNN.
func quotedTag(_ bytes: [UInt8]) -> String {
    "\"" + bytes.map { (0x20...0x7E).contains($0) && $0 != 0x22 && $0 != 0x5C ? String(UnicodeScalar($0)) : "\\x" + hex2($0) }.joined() + "\""
}

func hex2(_ byte: UInt8) -> String { byte < 16 ? "0" + String(byte, radix: 16) : String(byte, radix: 16) }
func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }
