/// Why a table set could not be built. Each message names the input to change.
public enum ACPIError: Error, Equatable, Sendable, CustomStringConvertible {
    case cpuCount(Int)
    case misalignedRSDP(UInt64)
    case misalignedBase(UInt64)
    case rsdpOverlapsTables(rsdp: UInt64, tables: Range<UInt64>)
    case tablesAbove4GiB(end: UInt64)
    case invalidName(String, context: String)
    case invalidIdentity(field: String, value: String, width: Int)
    case invalidRange(String)

    public var description: String {
        func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16, uppercase: true) }
        switch self {
        case .cpuCount(let count):
            return "ACPI: \(count) vCPUs cannot be described with xAPIC MADT entries (8-bit APIC ids); use 1...255"
        case .misalignedRSDP(let address):
            return "ACPI: RSDP address \(hex(address)) is not 16-byte aligned; the legacy scan only finds it on a 16-byte boundary"
        case .misalignedBase(let address):
            return "ACPI: table base \(hex(address)) is not \(ACPITableSet.alignment)-byte aligned"
        case .rsdpOverlapsTables(let rsdp, let tables):
            return "ACPI: RSDP at \(hex(rsdp)) overlaps the tables at [\(hex(tables.lowerBound)), \(hex(tables.upperBound))); move one of them"
        case .tablesAbove4GiB(let end):
            return "ACPI: tables would end at \(hex(end)), above 4 GiB; the FADT's 32-bit DSDT field and 32-bit guests need them below; lower the base"
        case .invalidName(let name, let context):
            return "ACPI: \(context) name \"\(name)\" is not an AML NameSeg (1-4 of A-Z 0-9 _, not starting with a digit)"
        case .invalidIdentity(let field, let value, let width):
            return "ACPI: \(field) \"\(value)\" must be at most \(width) printable ASCII characters"
        case .invalidRange(let what):
            return "ACPI: \(what)"
        }
    }
}
