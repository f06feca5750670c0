import Foundation
import Testing
import TestSupport

/// conf_virtio_blk on qcow2 disks through `tck run`: it passes as on raw on both drivers (the guest must
/// not see the format), and every image left behind passes `qemu-img check` and reads as the pattern.
@Suite(.enabled(if: TCKProcess.kvmUsable, TCKProcess.kvmReason))
struct VirtioBlkQCOW2RunTests {
    static let catalog = """
        [conf-virtio-blk-qcow2]
        kernel = conf_virtio_blk
        disk = 1M pattern qcow2
        timeout = 20s
        machine.qemu = pc

        [conf-virtio-blk-qcow2-backing]
        kernel = conf_virtio_blk
        disk = 1M pattern qcow2 backing
        timeout = 20s
        machine.qemu = pc

        [conf-virtio-blk-qcow2-compressed]
        kernel = conf_virtio_blk
        disk = 1M pattern qcow2 compressed
        timeout = 20s
        machine.qemu = pc

        """
    static let qemuImg = "/usr/bin/qemu-img"

    @Test(.enabled(if: TCKProcess.qemuInstalled && FileManager.default.isExecutableFile(atPath: qemuImg),
                   "needs /usr/bin/qemu-system-x86_64 and /usr/bin/qemu-img"))
    func passesOnSwiftVMAndQEMUAndLeavesConsistentImages() throws {
        let scratch = try Scratch(catalog: Self.catalog)
        let output = try scratch.run("r", ["--driver", "swiftvm", "--driver", "qemu", "--jobs", "2"])
        #expect(output.status == 0, "\(output.stderr)")
        let outcomes = try scratch.outcomes("r")
        #expect(outcomes.count == 6 && outcomes.values.allSatisfy { $0 == "pass" }, "\(outcomes)")
        let results = try scratch.results("r")["results"] as? [[String: Any]] ?? []
        for result in results {
            let driver = "\(result["driver"]!)", test = "\(result["test"]!)"
            let image = scratch.reports("r") + "/disks/\(driver)/\(test).qcow2"
            let commandLine = (result["commandLine"] as? [String] ?? []).joined(separator: " ")
            #expect(commandLine.contains(image) && commandLine.contains("format=qcow2"), "\(commandLine)")
            #expect((result["cases"] as? [[String: Any]] ?? []).count == 18, "\(driver)/\(test)")
            let check = try run(Self.qemuImg, ["check", image])
            #expect(check.status == 0, "\(driver)/\(test): \(check.output)")
            // The kernel restored what it wrote: the disk reads as the sector pattern again.
            let flat = image + ".flat"
            #expect(try run(Self.qemuImg, ["convert", "-O", "raw", image, flat]).status == 0)
            let data = try Data(contentsOf: URL(fileURLWithPath: flat))
            let intact = data.count == 1 << 20 && data.withUnsafeBytes { bytes in
                (0..<2048).allSatisfy { UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 512, as: UInt64.self))
                    == UInt64($0) ^ 0x5A5A_5A5A_5A5A_5A5A }
            }
            #expect(intact, "\(image) no longer holds the sector pattern")
        }
    }

    private func run(_ tool: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let result = try TestProcess.run(tool, arguments, mergingStderr: true)
        return (result.status, result.stdout)
    }
}
