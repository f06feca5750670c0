/// An opened and validated snapshot file. `open` checks the header (magic, format version, CRC) and
/// every section (known tag, version, length, CRC, fixed order, required ones present) before it
/// returns; sections are then read by offset with pread, so a file of GiBs is never loaded whole.
public struct SnapshotFile {
    /// Where one section's payload lies in the file.
    public struct Section: Equatable, Sendable {
        public let tag: SectionTag
        public let version: UInt32
        /// Offset of the payload's first byte in the file.
        public let offset: UInt64
        public let length: UInt64
        public let checksum: UInt32
    }

    public let path: String
    public let header: SnapshotHeader
    /// In file order.
    public let sections: [Section]
    /// The file's size in bytes.
    public let size: UInt64
    private let handle: ReadHandle

    /// Opens `path` and validates all of it. `supported` maps each tag this reader knows to the newest
    /// version it reads; any other tag is refused. `required` (default: every supported tag) must all
    /// be present.
    public static func open(path: String, supported: [SectionTag: UInt32], required: Set<SectionTag>? = nil) throws(SnapshotError) -> SnapshotFile {
        let handle = try ReadHandle(path: path)
        let size = try handle.size()
        let (header, count, headerLength) = try SnapshotFormat.decodeHeader(handle.fd, fileSize: size, file: path)
        var sections: [Section] = []
        var offset = UInt64(headerLength)
        for index in 0..<Int(count) {
            guard size - offset >= UInt64(SnapshotFormat.sectionHeaderSize) else {
                throw .truncated(file: path, part: "the header of section \(index) (at offset \(offset))")
            }
            let fields = try FileIO.read(handle.fd, count: SnapshotFormat.sectionHeaderSize, at: offset, file: path, part: "section \(index)")
            let tagBytes = Array(fields[0..<4])
            guard let tag = SectionTag(bytes: tagBytes), let newest = supported[tag] else {
                throw .unknownSection(file: path, tag: quotedTag(tagBytes), index: index)
            }
            var reader = StateReader(Array(fields[4...]), section: tag, file: path)
            let version = try reader.u32("version"), length = try reader.u64("length"), checksum = try reader.u32("checksum")
            guard version != 0, version <= newest else {
                throw .sectionVersion(file: path, section: tag, version: version, supported: newest)
            }
            guard length <= SnapshotFormat.maximumSectionLength else {
                throw .sectionLength(file: path, section: tag, length: length, problem: "is above the limit \(SnapshotFormat.maximumSectionLength)")
            }
            let payload = offset + UInt64(SnapshotFormat.sectionHeaderSize)
            guard length <= size - payload else {
                throw .truncated(file: path, part: "section \(tag.quoted): its \(length) bytes at offset \(payload) run past the end of the file (\(size) bytes)")
            }
            if let last = sections.last?.tag, !tag.comesAfter(last) {
                throw .sectionOrder(file: path, section: tag, problem: last == tag ? "appears twice" : "comes after \(last.quoted), out of the fixed order")
            }
            let computed = try SectionSource(handle: handle, offset: payload, length: length, tag: tag).checksum(after: Array(fields[0..<16]))
            guard computed == checksum else { throw .checksumMismatch(file: path, section: tag, stored: checksum, computed: computed) }
            sections.append(Section(tag: tag, version: version, offset: payload, length: length, checksum: checksum))
            offset = payload + length
        }
        guard offset == size else { throw .trailingBytes(file: path, offset: offset, count: size - offset) }
        let present = Set(sections.map(\.tag))
        let needed = required ?? Set(supported.keys)
        if let missing = needed.subtracting(present).sorted(by: { $1.comesAfter($0) }).first {
            throw .missingSection(file: path, section: missing)
        }
        return SnapshotFile(path: path, header: header, sections: sections, size: size, handle: handle)
    }

    /// Where `tag`'s payload is, if the file has that section.
    public func entry(_ tag: SectionTag) -> Section? { sections.first { $0.tag == tag } }

    /// `tag`'s payload as bytes (nil when absent); refused above `SnapshotFormat.maximumLoadedSectionLength`
    /// (memory is read through `memory(ram:)`).
    public func section(_ tag: SectionTag) throws(SnapshotError) -> [UInt8]? {
        guard let entry = entry(tag) else { return nil }
        guard entry.length <= SnapshotFormat.maximumLoadedSectionLength else {
            throw .sectionLength(file: path, section: tag, length: entry.length,
                                 problem: "is above \(SnapshotFormat.maximumLoadedSectionLength), too big to load whole")
        }
        return try source(entry).read(count: Int(entry.length), at: 0)
    }

    /// A field reader over `tag`'s payload whose errors name this file (nil when the section is absent).
    public func reader(_ tag: SectionTag) throws(SnapshotError) -> StateReader? {
        guard let bytes = try section(tag) else { return nil }
        return StateReader(bytes, section: tag, file: path)
    }

    /// The MEMR section's reader against the machine's RAM (nil when the file has no MEMR section).
    public func memory(ram: [RAMRange]) -> SparseMemoryReader? {
        guard let entry = entry(SparseMemory.tag) else { return nil }
        return SparseMemoryReader(source: source(entry), ram: ram)
    }

    /// The MEMR section's runs, validated against `ram` (empty when there is no MEMR section).
    public func memoryRuns(ram: [RAMRange]) throws(SnapshotError) -> [MemoryRun] {
        try memory(ram: ram)?.runs() ?? []
    }

    /// Validates the MEMR runs against `ram`, then hands their bytes to `visit` (see
    /// `SparseMemoryReader.readRuns`); does nothing when there is no MEMR section.
    public func readMemory(ram: [RAMRange], _ visit: (MemoryRun, UInt64, UnsafeRawBufferPointer) throws -> Void) throws(SnapshotError) {
        try memory(ram: ram)?.readRuns(visit)
    }

    private func source(_ entry: Section) -> SectionSource {
        SectionSource(handle: handle, offset: entry.offset, length: entry.length, tag: entry.tag)
    }
}
