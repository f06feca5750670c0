/// One entry of a function's capability list (PCI Local Bus Specification 3.0, §6.7): a capability ID,
/// a next pointer, then the capability's own registers. `PCIFunction` places the entries from 0x40 on,
/// each dword-aligned, links them through their next pointers and points 0x34 at the first.
///
/// A capability declares its body (everything after the ID and next bytes) and which of its bits the
/// guest may write; the function's single write rule then covers it like the rest of the header.
public struct PCICapability: Equatable, Sendable {
    /// The capability IDs in use here (PCI Code and ID Assignment Specification, §2).
    public static let vendorSpecificID: UInt8 = 0x09
    public static let msixID: UInt8 = 0x11

    public let id: UInt8
    /// The registers after the ID and next-pointer bytes; offset 0 here is offset 2 in the capability.
    public let body: [UInt8]
    /// For each byte of `body`, the bits software may change; missing bytes are read-only.
    public let writableBody: [UInt8]

    public init(id: UInt8, body: [UInt8], writableBody: [UInt8] = []) {
        precondition(writableBody.count <= body.count, "a capability's writable mask is longer than its body")
        self.id = id
        self.body = body
        self.writableBody = writableBody + [UInt8](repeating: 0, count: body.count - writableBody.count)
    }

    /// Bytes the entry occupies in configuration space.
    public var length: Int { 2 + body.count }

    /// Where a list starts: the first byte after the type 0 header.
    static let firstOffset = 0x40

    /// The offsets at which `capabilities` land, in order: from 0x40, each dword-aligned. A list that does
    /// not fit below 0x100 is a wiring mistake and stops the program.
    static func layout(_ capabilities: [PCICapability]) -> [Int] {
        var offsets: [Int] = []
        var next = firstOffset
        for capability in capabilities {
            offsets.append(next)
            next = (next + capability.length + 3) & ~3
        }
        precondition(capabilities.isEmpty || (offsets.last ?? 0) + (capabilities.last?.length ?? 0) <= 0x100,
                     "the capability list does not fit in configuration space (0x40–0xFF)")
        return offsets
    }
}
