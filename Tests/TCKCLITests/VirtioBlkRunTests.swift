import Foundation
import Testing

/// conf_virtio_blk end to end through `tck run`: the catalog's disk becomes a fresh image per driver in
/// the report directory, each VMM gets it, the kernel passes on both, and the recorded command line names it.
@Suite(.enabled(if: TCKProcess.kvmUsable, TCKProcess.kvmReason))
struct VirtioBlkRunTests {
    static let catalog = """
        [conf-virtio-blk]
        kernel = conf_virtio_blk
        disk = 1M pattern
        timeout = 20s
        machine.qemu = pc

        [conf-virtio-blk-ro]
        kernel = conf_virtio_blk
        disk = 1M pattern readonly
        timeout = 20s
        machine.qemu = pc

        """

    @Test func passesOnSwiftVM() throws {
        try check(drivers: ["swiftvm"])
    }

    @Test(.enabled(if: TCKProcess.qemuInstalled, TCKProcess.qemuReason))
    func passesOnSwiftVMAndQEMU() throws {
        try check(drivers: ["swiftvm", "qemu"])
    }

    private func check(drivers: [String]) throws {
        let scratch = try Scratch(catalog: Self.catalog)
        let output = try scratch.run("r", drivers.flatMap { ["--driver", $0] } + ["--jobs", "2"])
        #expect(output.status == 0, "\(output.stderr)")
        var expected: [String: String] = [:]
        for driver in drivers {
            expected["\(driver)/conf-virtio-blk"] = "pass"
            expected["\(driver)/conf-virtio-blk-ro"] = "pass"
        }
        #expect(try scratch.outcomes("r") == expected)
        let results = try scratch.results("r")["results"] as? [[String: Any]] ?? []
        for result in results {
            let driver = "\(result["driver"]!)", test = "\(result["test"]!)"
            let image = scratch.reports("r") + "/disks/\(driver)/\(test).img"
            let commandLine = (result["commandLine"] as? [String] ?? []).joined(separator: " ")
            #expect(commandLine.contains(image), "\(driver)/\(test): \(commandLine)")
            #expect(commandLine.contains("readonly") == (test == "conf-virtio-blk-ro"), "\(commandLine)")
            let cases = result["cases"] as? [[String: Any]] ?? []
            #expect(cases.count == 18, "\(driver)/\(test)")
            // The kernel restored its scratch region: the image is the pattern again.
            let data = try Data(contentsOf: URL(fileURLWithPath: image))
            #expect(data.count == 1 << 20)
            let intact = data.withUnsafeBytes { bytes in
                (0..<2048).allSatisfy { UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 512, as: UInt64.self))
                    == UInt64($0) ^ 0x5A5A_5A5A_5A5A_5A5A }
            }
            #expect(intact, "\(image) no longer holds the sector pattern")
        }
    }
}
