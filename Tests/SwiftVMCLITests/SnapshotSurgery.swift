import Foundation
import Snapshot

/// Takes a snapshot file apart and writes it again with changes, checksums recomputed: how the tests
/// make files that are well-formed containers but say something a restore must refuse.
struct SnapshotSurgery {
    static let tags: [SectionTag] = SectionTag.fileOrder
    var header: SnapshotHeader
    var sections: [(tag: SectionTag, version: UInt32, payload: [UInt8])]

    init(path: String) throws {
        let file = try SnapshotFile.open(path: path, supported: Dictionary(uniqueKeysWithValues: Self.tags.map { ($0, UInt32(1)) }),
                                         required: [])
        header = file.header
        sections = try file.sections.map { ($0.tag, $0.version, try file.section($0.tag) ?? []) }
    }

    subscript(tag: SectionTag) -> [UInt8] {
        get { sections.first { $0.tag == tag }?.payload ?? [] }
        set { if let index = sections.firstIndex(where: { $0.tag == tag }) { sections[index].payload = newValue } }
    }

    func write(to path: String) throws {
        var writer = try SnapshotFileWriter(path: path, header: header)
        for section in sections { try writer.append(section.tag, version: section.version, payload: section.payload) }
        try writer.commit()
    }

    /// Where `tag`'s section header starts in the file at `path` (its version field is 4 bytes in,
    /// its length 8, its payload 20).
    static func sectionHeaderOffset(_ tag: SectionTag, in path: String) throws -> Int {
        let file = try SnapshotFile.open(path: path, supported: Dictionary(uniqueKeysWithValues: tags.map { ($0, UInt32(1)) }), required: [])
        return Int(file.entry(tag)!.offset) - SnapshotFormat.sectionHeaderSize
    }
}

extension Array where Element == UInt8 {
    /// Replaces the u32-length-prefixed string at `offset` with `string`.
    mutating func replaceString(at offset: Int, with string: String) {
        let length = Int(self[offset]) | Int(self[offset + 1]) << 8 | Int(self[offset + 2]) << 16 | Int(self[offset + 3]) << 24
        let utf8 = Array(string.utf8)
        let prefix = (0..<4).map { UInt8(truncatingIfNeeded: utf8.count >> (8 * $0)) }
        replaceSubrange(offset..<(offset + 4 + length), with: prefix + utf8)
    }

    mutating func storeLittleEndian<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        for index in 0..<MemoryLayout<T>.size { self[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
    }
}
