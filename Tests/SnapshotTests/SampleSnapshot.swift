import Foundation
@testable import Snapshot

/// A small file with a configuration section, a vCPU section and a memory section over two RAM ranges.
enum SampleSnapshot {
    static let ram = [RAMRange(start: 0, size: 0x10000), RAMRange(start: 0x100000, size: 0x8000)]
    static let supported: [SectionTag: UInt32] = [.configuration: 1, .vcpu: 2, .memory: 1]
    static let header = SnapshotHeader(machineType: "swiftvm-1.0", swiftvmVersion: "0.13.0")

    static var configuration: [UInt8] {
        var writer = StateWriter()
        writer.string("swiftvm-1.0")
        writer.u64(0x18000)
        writer.u32(1)
        return writer.bytes
    }

    static let vcpu: [UInt8] = (0..<40).map { UInt8($0 * 3 + 1) }

    /// Guest memory: pages 1 and 2 of the first range and page 0 of the second hold a pattern; page 3
    /// is touched but zero.
    static func memory(_ address: UInt64, _ count: Int) -> [UInt8] {
        (0..<count).map { offset in
            let at = address + UInt64(offset)
            let page = at / 4096
            guard page == 1 || page == 2 || page == 0x100 else { return 0 }
            return UInt8(truncatingIfNeeded: at &* 31 &+ 7)
        }
    }

    static let touched: [Range<UInt64>] = [0x1000..<0x4000, 0x100000..<0x101000]

    static func write(to path: String) throws {
        var writer = try SnapshotFileWriter(path: path, header: header)
        try writer.append(.configuration, version: 1, payload: configuration)
        try writer.append(.vcpu, version: 2, payload: vcpu)
        try writer.appendMemory(ram: ram, touched: touched, read: memory)
        try writer.commit()
    }
}
