@testable import ACPI

/// Little-endian field readers for checking table bytes.
extension Array where Element == UInt8 {
    func u16(_ offset: Int) -> UInt16 { UInt16(self[offset]) | UInt16(self[offset + 1]) << 8 }
    func u32(_ offset: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(self[offset + $1]) << (8 * $1) } }
    func u64(_ offset: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(self[offset + $1]) << (8 * $1) } }
    func ascii(_ range: Range<Int>) -> String { String(decoding: self[range], as: UTF8.self) }
}

/// Parses the hex dump style used beside the ASL in golden tests: "5B 82 35 ..." (whitespace-separated).
func hex(_ text: String) -> [UInt8] {
    text.split(whereSeparator: \.isWhitespace).map { UInt8($0, radix: 16)! }
}

enum Fixture {
    static let rsdpAddress: UInt64 = 0xE_0000
    static let tablesBase: UInt64 = 0xE_0040

    static func configuration(cpus: Int = 2) -> ACPIConfiguration {
        ACPIConfiguration(cpuCount: cpus, identity: ACPIIdentity(oemTableID: "SVM-1.0"), rsdpAddress: rsdpAddress)
    }

    static func tables(cpus: Int = 2) throws -> ACPITableSet {
        try ACPITableSet.build(configuration(cpus: cpus), placedAt: tablesBase)
    }
}
