import ABI
import ArgumentParser
import Foundation
import Reports
import TCK

extension ABICommand {
    struct Dump: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Boot the ABI-probe kernel and write the fingerprint of everything the guest can see.")

        @OptionGroup var options: CaptureOptions

        @Option(help: ArgumentHelp("Machine type (swiftvm: see `swiftvm machines`; qemu: -M, e.g. pc-i440fx-7.2).", valueName: "name"))
        var machine: String?

        @Option(name: .shortAndLong, help: ArgumentHelp("Where the fingerprint JSON goes.", valueName: "path"))
        var output: String

        @Option(help: ArgumentHelp("Also write each ACPI table as SIG.dat (acpidump -b style, for iasl -d).", valueName: "dir"))
        var tablesDir: String?

        @Option(help: ArgumentHelp("Attach a virtio-blk disk, in the catalog's words (e.g. \"1M zero\"), so a driver whose "
                                   + "drive needs an image (QEMU) shows its virtio-blk function.", valueName: "spec"))
        var disk: String?

        func validate() throws {
            if let disk, case let .failure(error) = DiskSpec.parse(disk) { throw ValidationError("--disk: \(error)") }
        }

        func run() throws {
            let captured: ABICapture.Captured
            let spec = try disk.map { try DiskSpec.parse($0).get() }
            do { captured = try options.capturer().capture(machine: machine, disk: spec) } catch { exitForEnvironment("\(error)") }
            try AtomicFile.write(FingerprintFile.encode(captured.fingerprint), to: output)
            if let tablesDir { _ = try ABICapture.writeTables(of: captured.fingerprint, to: tablesDir) }
            let abi = captured.fingerprint.abi
            let summary = "tck: \(output): \(captured.fingerprint.hash); cpuid \(counted(abi.cpuid.count, "leaf", "leaves")), "
                + "acpi \(counted(abi.acpi.count, "table")), pci \(counted(abi.pci.count, "function")), "
                + "memory map \(counted(abi.memoryMap.count, "range")), msr \(abi.msr.count), masked: "
                + (captured.fingerprint.masked.isEmpty ? "none" : captured.fingerprint.masked.joined(separator: ", "))
            FileHandle.standardError.write(Data((summary + "\n").utf8))
            for problem in captured.problems { FileHandle.standardError.write(Data("tck: warning: \(problem)\n".utf8)) }
        }
    }
}
