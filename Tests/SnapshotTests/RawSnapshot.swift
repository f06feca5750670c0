@testable import Snapshot

/// Builds snapshot files byte by byte, independently of SnapshotFileWriter, so a test can write what
/// the writer never would: wrong versions, lengths, checksums, orders.
struct RawSnapshot {
    struct Section {
        var tag: [UInt8]
        var version: UInt32 = 1
        var payload: [UInt8] = []
        /// nil: the payload's length.
        var length: UInt64?
        /// nil: the right CRC.
        var checksum: UInt32?

        init(_ tag: String, version: UInt32 = 1, payload: [UInt8] = [], length: UInt64? = nil, checksum: UInt32? = nil) {
            self.tag = Array(tag.utf8)
            self.version = version
            self.payload = payload
            self.length = length
            self.checksum = checksum
        }
    }

    var formatVersion: UInt32 = 1
    var flags: UInt32 = 0
    var machineType = "swiftvm-1.0"
    var swiftvmVersion = "0.13.0"
    /// nil: the number of sections.
    var sectionCount: UInt32?
    var sections: [Section] = []

    var bytes: [UInt8] {
        var header = StateWriter()
        header.bytes(SnapshotFormat.magic)
        header.u32(formatVersion)
        header.u32(UInt32(32 + machineType.utf8.count + swiftvmVersion.utf8.count))
        header.u32(flags)
        header.u32(sectionCount ?? UInt32(sections.count))
        header.u16(UInt16(machineType.utf8.count))
        header.bytes(Array(machineType.utf8))
        header.u16(UInt16(swiftvmVersion.utf8.count))
        header.bytes(Array(swiftvmVersion.utf8))
        header.u32(CRC32.of(header.bytes))
        var file = header
        for section in sections {
            var fields = StateWriter()
            fields.bytes(section.tag)
            fields.u32(section.version)
            fields.u64(section.length ?? UInt64(section.payload.count))
            file.bytes(fields.bytes)
            file.u32(section.checksum ?? CRC32.of(fields.bytes + section.payload))
            file.bytes(section.payload)
        }
        return file.bytes
    }
}

/// The error `body` throws, if it is a SnapshotError; nil when it does not throw.
func snapshotError<T>(_ body: () throws(SnapshotError) -> T) -> SnapshotError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}
