/// One observation record from the ABI-probe kernel (docs/abi-records.md).
public struct ABIRecord: Equatable, Sendable {
    public enum Kind: UInt16, Sendable, CaseIterable {
        case cpuid = 1, memoryMap, acpiTable, rsdpLocation, pciFunction, pciBARs, localAPIC, ioAPIC, msr, portProbe, cmos, virtio
    }

    public let type: UInt16
    public let payload: [UInt8]

    public init(type: UInt16, payload: [UInt8]) {
        self.type = type
        self.payload = payload
    }

    public var kind: Kind? { Kind(rawValue: type) }
}

/// Why the records could not be decoded. Guest-controlled input: every problem is a value, never a trap.
public enum ABIRecordError: Error, Equatable, Sendable, CustomStringConvertible {
    case truncatedHeader(offset: Int)
    case truncatedPayload(offset: Int, declared: UInt32, available: Int)
    case tooLarge(bytes: Int, limit: Int)
    case tooManyRecords(limit: Int)
    case danglingContinuation(type: UInt16)
    case badHex(line: Int)
    case badFraming(String)

    public var description: String {
        switch self {
        case let .truncatedHeader(offset): "record header cut short at byte \(offset) of the data stream"
        case let .truncatedPayload(offset, declared, available):
            "record at byte \(offset) declares \(declared) payload bytes but only \(available) follow"
        case let .tooLarge(bytes, limit): "ABI data of \(bytes) bytes exceeds the limit of \(limit)"
        case let .tooManyRecords(limit): "more than \(limit) ABI records"
        case let .danglingContinuation(type): "a record of type \(type) says it continues, but the stream ends"
        case let .badHex(line): "abi.record line \(line) is not an even-length lowercase hex string"
        case let .badFraming(what): what
        }
    }
}

/// Turns the probe's output into records: from the testdev data stream, or from `abi.record` console
/// lines (the UART fallback). Continued pieces (flags bit 0) are joined.
public enum ABIRecordDecoder {
    public static let maximumBytes = 64 << 20
    public static let maximumRecords = 200_000

    public static func decode(stream bytes: [UInt8]) throws(ABIRecordError) -> [ABIRecord] {
        guard bytes.count <= maximumBytes else { throw .tooLarge(bytes: bytes.count, limit: maximumBytes) }
        var pieces: [(type: UInt16, continued: Bool, payload: ArraySlice<UInt8>)] = []
        var offset = 0
        while offset < bytes.count {
            guard bytes.count - offset >= 8 else { throw .truncatedHeader(offset: offset) }
            let type = UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
            let flags = UInt16(bytes[offset + 2]) | UInt16(bytes[offset + 3]) << 8
            let length = (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + 4 + $1]) << ($1 * 8) }
            let available = bytes.count - offset - 8
            guard Int(length) <= available else { throw .truncatedPayload(offset: offset, declared: length, available: available) }
            pieces.append((type, flags & 1 != 0, bytes[(offset + 8)..<(offset + 8 + Int(length))]))
            guard pieces.count <= maximumRecords else { throw .tooManyRecords(limit: maximumRecords) }
            offset += 8 + Int(length)
        }
        return try join(pieces)
    }

    /// `hexRecords`: the `<hex>` values of `TCK:1 DATA abi.record <hex>` lines, in order.
    public static func decode(hexRecords: [String]) throws(ABIRecordError) -> [ABIRecord] {
        var stream: [UInt8] = []
        for (index, text) in hexRecords.enumerated() {
            guard let bytes = Self.bytes(fromHex: text) else { throw .badHex(line: index + 1) }
            stream += bytes
            guard stream.count <= maximumBytes else { throw .tooLarge(bytes: stream.count, limit: maximumBytes) }
        }
        return try decode(stream: stream)
    }

    private static func join(_ pieces: [(type: UInt16, continued: Bool, payload: ArraySlice<UInt8>)]) throws(ABIRecordError) -> [ABIRecord] {
        var records: [ABIRecord] = []
        var open: (type: UInt16, payload: [UInt8])?
        for piece in pieces {
            if let current = open, current.type != piece.type {
                throw .badFraming("a record of type \(current.type) continues with a piece of type \(piece.type)")
            }
            var payload = open?.payload ?? []
            payload += piece.payload
            if piece.continued {
                open = (piece.type, payload)
            } else {
                records.append(ABIRecord(type: piece.type, payload: payload))
                open = nil
            }
        }
        if let open { throw .danglingContinuation(type: open.type) }
        return records
    }

    /// Lowercase hex → bytes; nil for odd length or any other character.
    public static func bytes(fromHex text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}

/// Little-endian reads from a payload that never trap: out-of-range reads are nil.
struct PayloadReader {
    let bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func u8(_ offset: Int) -> UInt8? { offset >= 0 && offset < bytes.count ? bytes[offset] : nil }
    func u16(_ offset: Int) -> UInt16? { integer(offset, 2).map { UInt16($0) } }
    func u32(_ offset: Int) -> UInt32? { integer(offset, 4).map { UInt32($0) } }
    func u64(_ offset: Int) -> UInt64? { integer(offset, 8) }

    private func integer(_ offset: Int, _ size: Int) -> UInt64? {
        guard offset >= 0, size <= bytes.count, offset <= bytes.count - size else { return nil }
        return (0..<size).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << ($1 * 8) }
    }
}
