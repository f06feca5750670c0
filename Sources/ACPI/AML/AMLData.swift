extension AML {
    /// A NameString (§20.2.2): optional root `\` or parent `^` prefixes, then segments separated by dots.
    /// `"_SB"` → `_SB_`; `"\\_SB.PCI0"` → `\ DualNamePrefix _SB_ PCI0`; three or more segments use
    /// MultiNamePrefix and a count; `""` is the NullName.
    public struct NameString: AMLEncodable, Hashable, ExpressibleByStringLiteral {
        public let prefix: [UInt8]
        /// Each NameSeg's four bytes, the first in the low byte (as they are written).
        public let segments: [UInt32]

        /// Parsed from the UTF-8 bytes in one pass, each segment packed into a word: the DSDT makes ~20
        /// of these per boot, and splitting substrings into arrays cost ~5,000 instructions each
        /// (benchmarks/README.md, "Seventh pass").
        public init(_ text: String) {
            var text = text
            (prefix, segments) = text.withUTF8 { bytes in
                var start = 0
                var prefix: [UInt8] = []
                if bytes.first == AML.rootChar {
                    prefix = [AML.rootChar]
                    start = 1
                } else {
                    while start < bytes.count, bytes[start] == AML.parentPrefixChar {
                        prefix.append(AML.parentPrefixChar)
                        start += 1
                    }
                }
                var segments: [UInt32] = []
                while start < bytes.count {   // "A.B": segments between dots; an empty one is invalid
                    var end = start
                    while end < bytes.count, bytes[end] != UInt8(ascii: ".") { end += 1 }
                    let part = UnsafeBufferPointer(rebasing: bytes[start..<end])
                    precondition(AML.isValidNameSegment(part), "invalid AML NameString \"\(String(decoding: bytes, as: UTF8.self))\"")
                    var word: UInt32 = 0x5F5F_5F5F   // "____": padded with '_'
                    for (position, byte) in part.enumerated() {
                        word = word & ~(0xFF << (8 * position)) | UInt32(byte) << (8 * position)
                    }
                    segments.append(word)
                    guard end < bytes.count else { break }
                    start = end + 1
                    precondition(start < bytes.count, "invalid AML NameString \"\(String(decoding: bytes, as: UTF8.self))\"")
                }
                return (prefix, segments)
            }
        }

        public init(stringLiteral value: String) { self.init(value) }

        public func encodeAML(into sink: inout ByteWriter) {
            sink.put(prefix)
            switch segments.count {
            case 0: sink.put(0)  // NullName
            case 1: break
            case 2: sink.put(AML.dualNamePrefix)
            default:
                sink.put(AML.multiNamePrefix)
                sink.put(UInt8(segments.count))
            }
            for segment in segments { sink.put32(segment) }
        }
    }

    /// An integer constant in the shortest form: ZeroOp, OneOp, or Byte/Word/DWord/QWord prefix + value.
    /// (QWord constants need a DSDT of revision 2 or later, which we always produce.)
    public struct Integer: AMLEncodable, Hashable {
        public let value: UInt64

        public init(_ value: UInt64) { self.value = value }

        public func encodeAML(into sink: inout ByteWriter) {
            switch value {
            case 0: sink.put(AML.zeroOp)
            case 1: sink.put(AML.oneOp)
            case ...0xFF:
                sink.put(AML.bytePrefix)
                sink.put(UInt8(value))
            case ...0xFFFF:
                sink.put(AML.wordPrefix)
                sink.put16(UInt16(value))
            case ...0xFFFF_FFFF:
                sink.put(AML.dwordPrefix)
                sink.put32(UInt32(value))
            default:
                sink.put(AML.qwordPrefix)
                sink.put64(value)
            }
        }
    }

    /// A string constant: StringPrefix, ASCII bytes, NUL.
    public struct StringConstant: AMLEncodable, Hashable {
        public let text: String

        public init(_ text: String) {
            precondition(text.utf8.allSatisfy { (0x01...0x7F).contains($0) }, "AML strings are 7-bit ASCII without NUL")
            self.text = text
        }

        public func encodeAML(into sink: inout ByteWriter) {
            sink.put(AML.stringPrefix)
            sink.put(text.utf8)
            sink.put(0)
        }
    }

    /// ASL's `EisaId("PNP0501")`: three upper-case letters packed 5 bits each (A = 1) into 15 bits, then
    /// four hex digits; stored so the bytes read 0x41 0xD0 0x05 0x01 — the DWord 0x0105D041.
    public struct EISAID: AMLEncodable, Hashable {
        public let text: String

        public init(_ text: String) {
            precondition(Self.isValid(text), "EISA id \"\(text)\" must be 3 letters A-Z then 4 hex digits")
            self.text = text
        }

        public static func isValid(_ text: String) -> Bool {
            let bytes = Array(text.utf8)
            return bytes.count == 7 && bytes[0..<3].allSatisfy { (0x41...0x5A).contains($0) }
                && String(decoding: bytes[3...], as: UTF8.self).allSatisfy(\.isHexDigit)
        }

        /// The value as the DWord AML stores (little-endian in the table).
        public var value: UInt32 {
            let bytes = Array(text.utf8)
            let letters = bytes[0..<3].reduce(UInt16(0)) { $0 << 5 | UInt16($1 - 0x40) }
            let product = UInt16(String(decoding: bytes[3...], as: UTF8.self), radix: 16)!
            // Big-endian on the wire: letters high byte, letters low byte, product high, product low.
            return UInt32(letters >> 8) | UInt32(letters & 0xFF) << 8
                | UInt32(product >> 8) << 16 | UInt32(product & 0xFF) << 24
        }

        public func encodeAML(into sink: inout ByteWriter) {
            sink.put(AML.dwordPrefix)
            sink.put32(value)
        }
    }

    /// `Buffer (size) { bytes }`: BufferOp PkgLength BufferSize ByteList.
    public struct Buffer: AMLEncodable, Hashable {
        public let bytes: [UInt8]

        public init(_ bytes: [UInt8]) { self.bytes = bytes }

        public func encodeAML(into sink: inout ByteWriter) {
            sink.put(AML.bufferOp)
            AML.withPackageLength(into: &sink) { body in
                Integer(UInt64(bytes.count)).encodeAML(into: &body)
                body.put(bytes)
            }
        }
    }

    /// `Package () { elements }`: PackageOp PkgLength NumElements PackageElementList.
    public struct Package: AMLEncodable {
        public let elements: [any AMLEncodable]

        public init(_ elements: [any AMLEncodable]) {
            precondition(elements.count <= 255, "a Package holds at most 255 elements; use VarPackage")
            self.elements = elements
        }

        public func encodeAML(into sink: inout ByteWriter) {
            sink.put(AML.packageOp)
            AML.withPackageLength(into: &sink) { body in
                body.put(UInt8(elements.count))
                AML.encodeTerms(elements, into: &body)
            }
        }
    }
}
