/// Why a qcow2 image was refused or an operation on it failed. `field` names the header field, table or
/// entry at fault (`l1_size`, `refcount_table_offset`, `L2 entry 7 of the L2 table at 0x50000`, …) so a
/// hostile or damaged image is refused with a sentence that says where, never with a trap.
public struct QCOW2Error: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// A header field, or a header extension, is out of range or inconsistent.
        case header
        /// The image uses a feature this implementation does not have (named).
        case unsupported
        /// A table entry (L1, L2, refcount) is malformed, overlaps metadata or points past the file.
        case corrupt
        /// A system call on the file failed, or the file ended early.
        case io
        /// The backing chain cannot be opened: missing file, too deep, a loop, a bad format name.
        case backing
        /// A write to an image opened read-only (or that can only be opened read-only).
        case readOnly
        /// The image would grow past what qcow2 or this implementation can address.
        case limit
    }

    public var kind: Kind
    public var path: String
    /// The header field, table or entry at fault; nil when the error is about the file as a whole.
    public var field: String?
    public var problem: String

    public init(_ kind: Kind, path: String, field: String? = nil, _ problem: String) {
        self.kind = kind
        self.path = path
        self.field = field
        self.problem = problem
    }

    public var description: String {
        if let field { return "qcow2 image \(path): \(field): \(problem)" }
        return "qcow2 image \(path): \(problem)"
    }
}

func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }
