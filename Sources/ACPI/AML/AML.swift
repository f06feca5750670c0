/// AML (ACPI Machine Language) encoding, ACPI 6.x §20.2. Every term serializes into a `ByteWriter`.
///
/// The terms are values: build a tree (`AML.Scope`, `AML.Device`, `AML.Name`, …) and encode it. Names
/// given as Swift literals are checked with preconditions (a typo is a programming error); names that
/// come from configuration are validated by the table builders first (`ACPIError.invalidName`).
public protocol AMLEncodable: Sendable {
    func encodeAML(into sink: inout ByteWriter)
}

extension AMLEncodable {
    /// The encoding as a byte array (for sizing, and for tests).
    public var amlBytes: [UInt8] {
        var writer = ByteWriter()
        encodeAML(into: &writer)
        return writer.bytes
    }
}

public enum AML {
    // Opcodes (§20.2.x). Single-byte unless noted.
    static let zeroOp: UInt8 = 0x00
    static let oneOp: UInt8 = 0x01
    static let nameOp: UInt8 = 0x08
    static let bytePrefix: UInt8 = 0x0A
    static let wordPrefix: UInt8 = 0x0B
    static let dwordPrefix: UInt8 = 0x0C
    static let stringPrefix: UInt8 = 0x0D
    static let qwordPrefix: UInt8 = 0x0E
    static let scopeOp: UInt8 = 0x10
    static let bufferOp: UInt8 = 0x11
    static let packageOp: UInt8 = 0x12
    static let methodOp: UInt8 = 0x14
    static let dualNamePrefix: UInt8 = 0x2E
    static let multiNamePrefix: UInt8 = 0x2F
    static let extOpPrefix: UInt8 = 0x5B
    static let deviceOp: UInt8 = 0x82  // after extOpPrefix
    static let rootChar: UInt8 = 0x5C  // '\'
    static let parentPrefixChar: UInt8 = 0x5E  // '^'
    static let returnOp: UInt8 = 0xA4

    /// Largest value a PkgLength can carry (28 bits).
    public static let maxPackageLength = (1 << 28) - 1

    /// Encodes a PkgLength whose value is `total` — the count of bytes from the first PkgLength byte to
    /// the end of the package, the PkgLength bytes themselves included (§20.2.4).
    /// One byte holds 0...63 in bits 0-5; otherwise bits 6-7 of the lead byte give the count of following
    /// bytes (1-3), bits 0-3 hold the low nibble and each following byte the next 8 bits.
    public static func encodePackageLength(_ total: Int) -> [UInt8] {
        precondition((0...maxPackageLength).contains(total), "PkgLength \(total) out of range")
        if total < 1 << 6 { return [UInt8(total)] }
        let following = total < 1 << 12 ? 1 : total < 1 << 20 ? 2 : 3
        var bytes = [UInt8(following << 6) | UInt8(total & 0x0F)]
        for index in 0..<following { bytes.append(UInt8(truncatingIfNeeded: total >> (4 + 8 * index))) }
        return bytes
    }

    /// The PkgLength for a package whose contents after the PkgLength are `bodyCount` bytes: the
    /// shortest form that can hold `bodyCount` plus its own size.
    public static func packageLength(bodyCount: Int) -> [UInt8] {
        for size in 1...4 where bodyCount + size < (size == 1 ? 1 << 6 : 1 << (4 + 8 * (size - 1))) {
            return encodePackageLength(bodyCount + size)
        }
        preconditionFailure("AML package body of \(bodyCount) bytes is too large for a PkgLength")
    }

    /// Writes PkgLength followed by the body that `build` produces.
    static func withPackageLength(into sink: inout ByteWriter, _ build: (inout ByteWriter) -> Void) {
        var body = ByteWriter()
        build(&body)
        sink.put(packageLength(bodyCount: body.count))
        sink.put(body.bytes)
    }

    /// A NameSeg is 1-4 characters of A-Z, 0-9, _ not starting with a digit (padded with '_' to 4).
    public static func isValidNameSegment(_ bytes: some Collection<UInt8>) -> Bool {
        guard (1...4).contains(bytes.count), let first = bytes.first else { return false }
        func isLeadChar(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) || byte == 0x5F }
        return isLeadChar(first) && bytes.allSatisfy { isLeadChar($0) || (0x30...0x39).contains($0) }
    }

    public static func isValidNameSegment(_ text: Substring) -> Bool { isValidNameSegment(text.utf8) }

    public static func isValidNameSegment(_ text: String) -> Bool { isValidNameSegment(text.utf8) }

    static func encodeTerms(_ terms: [any AMLEncodable], into sink: inout ByteWriter) {
        for term in terms { term.encodeAML(into: &sink) }
    }
}
