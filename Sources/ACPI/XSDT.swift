/// Extended System Description Table (ACPI 6.x §5.2.8): the header, then one 64-bit physical address per
/// table (FADT first, then MADT and any others). The DSDT is not listed: the FADT points to it.
public struct XSDT: Sendable, Equatable {
    public static let signature = "XSDT"
    public static let revision: UInt8 = 1

    public var entries: [UInt64]

    public init(entries: [UInt64]) {
        self.entries = entries
    }

    public static func length(entryCount: Int) -> Int { SDTHeader.size + 8 * entryCount }

    public func bytes(identity: ACPIIdentity) -> [UInt8] {
        SDTHeader(signature: Self.signature, revision: Self.revision, identity: identity).table { sink in
            for entry in entries { sink.put64(entry) }
        }
    }
}
