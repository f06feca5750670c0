#if canImport(Glibc)
import Glibc
#endif

/// Why a snapshot could not be written, or why a file was refused. Every case names the file and, where
/// one is at fault, the section, field or memory run, so `description` is one line a user can act on:
/// `snapshot /x/t.snap: section "LAPI" version 3 is newer than this swiftvm supports (≤ 1)`.
public enum SnapshotError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A system call failed: `operation` says which and where ("write FILE.tmp at offset 4096").
    case io(file: String, operation: String, errno: Int32)
    /// The file does not start with `SWIFTVM\0`.
    case notASnapshot(file: String)
    /// The file ends inside `part` ("the header", `section "LAPI" payload`, …).
    case truncated(file: String, part: String)
    /// The file's format version is above the one this swiftvm reads.
    case formatTooNew(file: String, version: UInt32, supported: UInt32)
    /// A header field is malformed (`field` names it).
    case header(file: String, field: String, problem: String)
    /// The header's CRC-32 does not match its bytes.
    case headerChecksum(file: String, stored: UInt32, computed: UInt32)
    /// Section number `index` has a tag this swiftvm does not know (shown escaped when not ASCII).
    case unknownSection(file: String, tag: String, index: Int)
    /// A section's version is above the one this swiftvm reads, or is 0.
    case sectionVersion(file: String, section: SectionTag, version: UInt32, supported: UInt32)
    /// A section's payload length runs past the file's end or above the limit.
    case sectionLength(file: String, section: SectionTag, length: UInt64, problem: String)
    /// A section's payload does not match its CRC-32.
    case checksumMismatch(file: String, section: SectionTag, stored: UInt32, computed: UInt32)
    /// A section appears twice or out of the fixed order.
    case sectionOrder(file: String, section: SectionTag, problem: String)
    /// A section the reader requires is absent.
    case missingSection(file: String, section: SectionTag)
    /// Bytes follow the last section.
    case trailingBytes(file: String, offset: UInt64, count: UInt64)
    /// A field inside a section's payload is short, out of range or left over (StateReader).
    case field(file: String, section: SectionTag, field: String, problem: String)
    /// A run of the sparse memory section is malformed or outside the machine's RAM.
    case memoryRun(file: String, index: UInt64, address: UInt64, problem: String)
    /// The writer was used wrongly or its input was inconsistent (a streamed section of the wrong
    /// length, sections out of order, a write after a failure or after commit).
    case writer(file: String, section: SectionTag?, problem: String)

    /// The file the error is about ("" when a StateReader was made without one).
    public var file: String {
        switch self {
        case let .io(file, _, _), let .notASnapshot(file), let .truncated(file, _), let .formatTooNew(file, _, _),
             let .header(file, _, _), let .headerChecksum(file, _, _), let .unknownSection(file, _, _),
             let .sectionVersion(file, _, _, _), let .sectionLength(file, _, _, _), let .checksumMismatch(file, _, _, _),
             let .sectionOrder(file, _, _), let .missingSection(file, _), let .trailingBytes(file, _, _),
             let .field(file, _, _, _), let .memoryRun(file, _, _, _), let .writer(file, _, _):
            return file
        }
    }

    public var description: String {
        let prefix = file.isEmpty ? "snapshot" : "snapshot \(file)"
        return "\(prefix): \(problem)"
    }

    /// The sentence after "snapshot FILE: ".
    private var problem: String {
        switch self {
        case let .io(_, operation, code):
            return "\(operation): \(errnoText(code))"
        case .notASnapshot:
            return "not a swiftvm snapshot (no SWIFTVM magic)"
        case let .truncated(_, part):
            return "truncated in \(part)"
        case let .formatTooNew(_, version, supported):
            return "format version \(version) is newer than this swiftvm supports (≤ \(supported))"
        case let .header(_, field, problem):
            return "header field \(field): \(problem)"
        case let .headerChecksum(_, stored, computed):
            return "checksum mismatch in the header (stored \(hex(UInt64(stored))), computed \(hex(UInt64(computed))))"
        case let .unknownSection(_, tag, index):
            return "section \(index) has unknown tag \(tag)"
        case let .sectionVersion(_, section, version, supported):
            if version == 0 { return "section \(section.quoted) has version 0, which no swiftvm writes" }
            return "section \(section.quoted) version \(version) is newer than this swiftvm supports (≤ \(supported))"
        case let .sectionLength(_, section, length, problem):
            return "section \(section.quoted) length \(length) \(problem)"
        case let .checksumMismatch(_, section, stored, computed):
            return "checksum mismatch in section \(section.quoted) (stored \(hex(UInt64(stored))), computed \(hex(UInt64(computed))))"
        case let .sectionOrder(_, section, problem):
            return "section \(section.quoted) \(problem)"
        case let .missingSection(_, section):
            return "required section \(section.quoted) is missing"
        case let .trailingBytes(_, offset, count):
            return "\(count) bytes after the last section (at offset \(offset))"
        case let .field(_, section, field, problem):
            return "section \(section.quoted) field \(field): \(problem)"
        case let .memoryRun(_, index, address, problem):
            return "section \"MEMR\" run \(index) at \(hex(address)): \(problem)"
        case let .writer(_, section, problem):
            if let section { return "writing section \(section.quoted): \(problem)" }
            return "writing: \(problem)"
        }
    }

    /// The same error about `file` (a StateReader's errors carry the file its SnapshotFile opened).
    public func about(file: String) -> SnapshotError {
        guard self.file.isEmpty else { return self }
        switch self {
        case let .field(_, section, field, problem): return .field(file: file, section: section, field: field, problem: problem)
        case let .memoryRun(_, index, address, problem): return .memoryRun(file: file, index: index, address: address, problem: problem)
        case let .writer(_, section, problem): return .writer(file: file, section: section, problem: problem)
        default: return self
        }
    }
}

func errnoText(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "errno \(code)" }
    return "\(String(cString: text)) (errno \(code))"
}
