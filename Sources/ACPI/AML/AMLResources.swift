/// One descriptor inside a ResourceTemplate (ACPI 6.x §6.4).
public protocol AMLResourceDescriptor: Sendable {
    func encodeResource(into sink: inout ByteWriter)
}

extension AML {
    /// `ResourceTemplate () { descriptors }`: a Buffer holding the descriptors and an End Tag
    /// (0x79, checksum). The checksum byte is 0, which the spec defines as "treat as valid" (§6.4.2.9);
    /// it is what iasl itself emits, so `iasl -d` output recompiles to the same bytes.
    public struct ResourceTemplate: AMLEncodable {
        public let descriptors: [any AMLResourceDescriptor]

        public init(_ descriptors: [any AMLResourceDescriptor]) { self.descriptors = descriptors }

        public var contents: [UInt8] {
            var writer = ByteWriter()
            for descriptor in descriptors { descriptor.encodeResource(into: &writer) }
            writer.put([0x79, 0x00])
            return writer.bytes
        }

        public func encodeAML(into sink: inout ByteWriter) {
            Buffer(contents).encodeAML(into: &sink)
        }
    }

    /// `IO (Decode16|Decode10, min, max, alignment, length)`: small descriptor 0x47, 8 bytes.
    public struct IO: AMLResourceDescriptor, Hashable {
        public let decode16: Bool
        public let minimum: UInt16
        public let maximum: UInt16
        public let alignment: UInt8
        public let length: UInt8

        public init(decode16: Bool = true, minimum: UInt16, maximum: UInt16, alignment: UInt8, length: UInt8) {
            self.decode16 = decode16
            self.minimum = minimum
            self.maximum = maximum
            self.alignment = alignment
            self.length = length
        }

        /// A fixed range: min = max = `base`.
        public init(base: UInt16, length: UInt8, alignment: UInt8 = 1) {
            self.init(minimum: base, maximum: base, alignment: alignment, length: length)
        }

        public func encodeResource(into sink: inout ByteWriter) {
            sink.put(0x47)
            sink.put(decode16 ? 1 : 0)
            sink.put16(minimum)
            sink.put16(maximum)
            sink.put(alignment)
            sink.put(length)
        }
    }

    /// `IRQNoFlags () { irqs }`: small descriptor 0x22 with a 16-bit mask (edge, active high, exclusive).
    public struct IRQNoFlags: AMLResourceDescriptor, Hashable {
        public let irqs: [UInt8]

        public init(_ irqs: [UInt8]) {
            precondition(irqs.allSatisfy { $0 < 16 }, "IRQ descriptors name ISA IRQs 0-15")
            self.irqs = irqs
        }

        public var mask: UInt16 { irqs.reduce(0) { $0 | 1 << UInt16($1) } }

        public func encodeResource(into sink: inout ByteWriter) {
            sink.put(0x22)
            sink.put16(mask)
        }
    }

    /// `Memory32Fixed (ReadWrite|ReadOnly, base, length)`: large descriptor 0x86, 12 bytes.
    public struct Memory32Fixed: AMLResourceDescriptor, Hashable {
        public let writable: Bool
        public let base: UInt32
        public let length: UInt32

        public init(writable: Bool = true, base: UInt32, length: UInt32) {
            self.writable = writable
            self.base = base
            self.length = length
        }

        public func encodeResource(into sink: inout ByteWriter) {
            sink.put([0x86, 9, 0, writable ? 1 : 0])
            sink.put32(base)
            sink.put32(length)
        }
    }

    /// Word/DWord/QWord Address Space descriptors (§6.4.3.5): WordBusNumber, WordIO, DWordMemory,
    /// QWordMemory… Layout: tag (0x88 / 0x87 / 0x8A), length:u16, resource type (0 memory, 1 I/O,
    /// 2 bus number), general flags, type-specific flags, then granularity, minimum, maximum,
    /// translation offset and length, each 2, 4 or 8 bytes wide.
    ///
    /// General flags: bit 0 consumer (else producer), bit 1 subtractive decode, bit 2 MinFixed,
    /// bit 3 MaxFixed. Built here as producer, positive decode, MinFixed, MaxFixed: a fixed window that a
    /// bridge passes on.
    public struct AddressSpace: AMLResourceDescriptor, Hashable {
        public enum Width: Int, Sendable { case word = 2, dword = 4, qword = 8 }

        public enum Kind: Sendable, Hashable {
            /// Type-specific flags: bit 0 ReadWrite, bits 1-2 cacheability (0 non-cacheable,
            /// 1 cacheable, 2 write-combining, 3 prefetchable).
            case memory(cacheable: Bool, writable: Bool)
            /// Type-specific flags: bits 0-1 range (3 = EntireRange).
            case io
            case busNumber

            var resourceType: UInt8 {
                switch self {
                case .memory: 0
                case .io: 1
                case .busNumber: 2
                }
            }

            var typeSpecificFlags: UInt8 {
                switch self {
                case .memory(let cacheable, let writable): (cacheable ? 1 << 1 : 0) | (writable ? 1 : 0)
                case .io: 3
                case .busNumber: 0
                }
            }
        }

        public let width: Width
        public let kind: Kind
        public let minimum: UInt64
        public let maximum: UInt64

        /// The range must fit the width, its length included (a 4 GiB window needs QWord).
        public init(_ width: Width, _ kind: Kind, _ range: ClosedRange<UInt64>) {
            precondition(Self.fits(range, width), "address range \(range) does not fit a \(width) descriptor")
            self.width = width
            self.kind = kind
            self.minimum = range.lowerBound
            self.maximum = range.upperBound
        }

        /// Whether minimum, maximum and length (max - min + 1) all fit `width` bytes.
        public static func fits(_ range: ClosedRange<UInt64>, _ width: Width) -> Bool {
            let limit = width == .qword ? UInt64.max : (1 << (8 * UInt64(width.rawValue))) - 1
            return range.upperBound <= limit && range.upperBound - range.lowerBound < limit
        }

        /// The narrowest descriptor that holds `range` (with its length).
        public static func fitting(_ kind: Kind, _ range: ClosedRange<UInt64>) -> AddressSpace {
            let width = [Width.word, .dword].first { fits(range, $0) } ?? .qword
            return AddressSpace(width, kind, range)
        }

        public func encodeResource(into sink: inout ByteWriter) {
            let tag: UInt8 = switch width {
            case .word: 0x88
            case .dword: 0x87
            case .qword: 0x8A
            }
            sink.put(tag)
            sink.put16(UInt16(3 + 5 * width.rawValue))
            sink.put(kind.resourceType)
            sink.put(0b1100)  // producer, positive decode, MinFixed, MaxFixed
            sink.put(kind.typeSpecificFlags)
            for field in [0, minimum, maximum, 0, maximum &- minimum &+ 1] {  // granularity … length
                switch width {
                case .word: sink.put16(UInt16(truncatingIfNeeded: field))
                case .dword: sink.put32(UInt32(truncatingIfNeeded: field))
                case .qword: sink.put64(field)
                }
            }
        }
    }
}
