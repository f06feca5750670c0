/// What a snapshot file says about itself before its sections: the format version, the machine type the
/// guest ran on and the swiftvm that wrote it. docs/snapshot-format.md has the byte layout.
public struct SnapshotHeader: Equatable, Sendable {
    public var formatVersion: UInt32
    public var machineType: String
    public var swiftvmVersion: String

    /// A header for a file this swiftvm writes (format `SnapshotFormat.version`).
    public init(machineType: String, swiftvmVersion: String) {
        self.init(formatVersion: SnapshotFormat.version, machineType: machineType, swiftvmVersion: swiftvmVersion)
    }

    public init(formatVersion: UInt32, machineType: String, swiftvmVersion: String) {
        self.formatVersion = formatVersion
        self.machineType = machineType
        self.swiftvmVersion = swiftvmVersion
    }
}

/// The container's fixed facts: magic, format version, limits.
public enum SnapshotFormat {
    public static let magic: [UInt8] = Array("SWIFTVM".utf8) + [0]
    /// The format this release writes; a reader accepts any format from 1 up to this one.
    public static let version: UInt32 = 1
    /// magic, format version, header length, flags, section count.
    static let fixedHeaderSize = 24
    /// The fixed part, two empty strings and the CRC.
    static let minimumHeaderSize = fixedHeaderSize + 2 + 2 + 4
    static let maximumHeaderSize = fixedHeaderSize + 2 * (2 + Int(UInt16.max)) + 4
    /// tag, version, payload length, payload CRC.
    public static let sectionHeaderSize = 20
    /// More sections than any machine needs (a damaged count is refused before it drives a loop).
    public static let maximumSectionCount: UInt32 = 1024
    /// A section above this is refused: 1 TiB of guest memory and then some.
    public static let maximumSectionLength: UInt64 = 1 << 41
    /// `SnapshotFile.section(_:)` returns payloads up to this size as an array; bigger ones (memory) are
    /// read through `memoryRuns`/`readMemory`.
    public static let maximumLoadedSectionLength: UInt64 = 64 << 20

    /// The header's bytes for a file of `sectionCount` sections, CRC included.
    static func encode(_ header: SnapshotHeader, sectionCount: UInt32, file: String) throws(SnapshotError) -> [UInt8] {
        let machine = Array(header.machineType.utf8), swiftvm = Array(header.swiftvmVersion.utf8)
        guard machine.count <= Int(UInt16.max) else { throw .writer(file: file, section: nil, problem: "machine type is longer than 65535 bytes") }
        guard swiftvm.count <= Int(UInt16.max) else { throw .writer(file: file, section: nil, problem: "swiftvm version is longer than 65535 bytes") }
        var writer = StateWriter()
        writer.bytes(magic)
        writer.u32(header.formatVersion)
        writer.u32(UInt32(minimumHeaderSize + machine.count + swiftvm.count))
        writer.u32(0)
        writer.u32(sectionCount)
        writer.u16(UInt16(machine.count))
        writer.bytes(machine)
        writer.u16(UInt16(swiftvm.count))
        writer.bytes(swiftvm)
        writer.u32(CRC32.of(writer.bytes))
        return writer.bytes
    }

    /// Reads and checks the header at the start of `fd`; returns it with the section count and the
    /// offset where the first section starts.
    static func decodeHeader(_ fd: Int32, fileSize: UInt64, file: String) throws(SnapshotError) -> (SnapshotHeader, sectionCount: UInt32, length: Int) {
        let fixed = try FileIO.read(fd, count: min(Int(min(fileSize, UInt64(fixedHeaderSize))), fixedHeaderSize), at: 0, file: file, part: "the header")
        // Magic first: a short file that is not even a prefix of the magic is not a snapshot at all.
        let magicPart = Array(fixed.prefix(magic.count))
        guard magicPart == Array(magic.prefix(magicPart.count)) else { throw .notASnapshot(file: file) }
        guard fixed.count == fixedHeaderSize else { throw .truncated(file: file, part: "the header") }
        var reader = StateReader(Array(fixed[magic.count...]), section: .configuration, file: file)
        let version = try headerField(&reader, "format version", file: file)
        let length = try headerField(&reader, "header length", file: file)
        let flags = try headerField(&reader, "flags", file: file)
        let count = try headerField(&reader, "section count", file: file)
        // The version before anything else it governs: a newer file is refused as newer, whatever follows.
        guard version != 0 else { throw .header(file: file, field: "format version", problem: "0 is not a format version") }
        guard version <= SnapshotFormat.version else { throw .formatTooNew(file: file, version: version, supported: SnapshotFormat.version) }
        guard (minimumHeaderSize...maximumHeaderSize).contains(Int(length)) else {
            throw .header(file: file, field: "header length", problem: "\(length) is outside \(minimumHeaderSize)...\(maximumHeaderSize)")
        }
        guard UInt64(length) <= fileSize else { throw .truncated(file: file, part: "the header (\(length) bytes, the file has \(fileSize))") }
        let bytes = try FileIO.read(fd, count: Int(length), at: 0, file: file, part: "the header")
        let stored = bytes.suffix(4).enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * $1.offset) }
        let computed = CRC32.of(Array(bytes.dropLast(4)))
        guard stored == computed else { throw .headerChecksum(file: file, stored: stored, computed: computed) }
        guard flags == 0 else { throw .header(file: file, field: "flags", problem: "\(hex(UInt64(flags))) has bits format \(version) does not define") }
        guard count <= maximumSectionCount else {
            throw .header(file: file, field: "section count", problem: "\(count) is above the limit \(maximumSectionCount)")
        }
        var strings = StateReader(Array(bytes[fixedHeaderSize..<(bytes.count - 4)]), section: .configuration, file: file)
        let machine = try headerString(&strings, "machine type", file: file)
        let swiftvm = try headerString(&strings, "swiftvm version", file: file)
        guard strings.remaining == 0 else {
            throw .header(file: file, field: "header length", problem: "\(length) leaves \(strings.remaining) bytes after the swiftvm version")
        }
        return (SnapshotHeader(formatVersion: version, machineType: machine, swiftvmVersion: swiftvm), count, Int(length))
    }

    private static func headerField(_ reader: inout StateReader, _ field: String, file: String) throws(SnapshotError) -> UInt32 {
        do { return try reader.u32(field) } catch { throw .truncated(file: file, part: "the header field \(field)") }
    }

    private static func headerString(_ reader: inout StateReader, _ field: String, file: String) throws(SnapshotError) -> String {
        guard let length = try? reader.u16(field + " length"), let utf8 = try? reader.bytes(count: Int(length), field: field) else {
            throw .header(file: file, field: field, problem: "runs past the header length")
        }
        guard let text = String(validating: utf8, as: UTF8.self) else { throw .header(file: file, field: field, problem: "is not valid UTF-8") }
        return text
    }
}
