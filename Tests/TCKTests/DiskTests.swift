import Foundation
import Testing
@testable import TCK

/// The catalog's `disk` key: good values and every error, each with its line.
@Suite struct CatalogDiskTests {
    private func parse(_ disk: String) throws(CatalogError) -> DiskSpec? {
        try Catalog.parse(text: "[defaults]\ntimeout = 5s\n[blk]\ndisk = \(disk)\n", knownDrivers: ["swiftvm", "qemu"])[0].disk
    }

    private func error(_ disk: String) -> CatalogError? {
        do { _ = try parse(disk); return nil } catch { return error }
    }

    @Test func goodValues() throws {
        #expect(try parse("1M pattern") == DiskSpec(sizeBytes: 1 << 20, content: .pattern))
        #expect(try parse("1M pattern readonly") == DiskSpec(sizeBytes: 1 << 20, content: .pattern, readOnly: true))
        #expect(try parse("64K zero") == DiskSpec(sizeBytes: 64 << 10, content: .zero))
        #expect(try parse("  512\tzero  ") == DiskSpec(sizeBytes: 512, content: .zero))
        #expect(try parse("1GiB zero readonly") == DiskSpec(sizeBytes: 1 << 30, content: .zero, readOnly: true))
        #expect(try parse("1M pattern qcow2") == DiskSpec(sizeBytes: 1 << 20, content: .pattern, format: .qcow2))
        #expect(try parse("1M pattern readonly compressed backing qcow2")
                == DiskSpec(sizeBytes: 1 << 20, content: .pattern, readOnly: true, format: .qcow2, backing: true, compressed: true))
        #expect(try Catalog.parse(text: "[a]\n", knownDrivers: ["swiftvm"])[0].disk == nil)
    }

    @Test(arguments: [
        ("", "bad value for 'disk' in [blk]: a disk needs a size and a content (disk = <size> pattern|zero [qcow2 [backing] [compressed]] [readonly], e.g. 1M pattern)"),
        ("1M", "bad value for 'disk' in [blk]: '1M' has a size but no content (disk = <size> pattern|zero [qcow2 [backing] [compressed]] [readonly], e.g. 1M pattern)"),
        ("1M ones", "bad value for 'disk' in [blk]: 'ones' is not a disk content (pattern or zero)"),
        ("1M pattern rw", "bad value for 'disk' in [blk]: 'rw' is not a disk option (readonly, qcow2, backing, compressed)"),
        ("1M pattern readonly extra", "bad value for 'disk' in [blk]: 'extra' is not a disk option (readonly, qcow2, backing, compressed)"),
        ("1M pattern qcow2 readonly qcow2", "bad value for 'disk' in [blk]: disk option 'qcow2' is given twice"),
        ("1M pattern backing", "bad value for 'disk' in [blk]: 'backing' and 'compressed' need 'qcow2' (disk = <size> pattern|zero [qcow2 [backing] [compressed]] [readonly], e.g. 1M pattern)"),
        ("1M zero compressed readonly", "bad value for 'disk' in [blk]: 'backing' and 'compressed' need 'qcow2' (disk = <size> pattern|zero [qcow2 [backing] [compressed]] [readonly], e.g. 1M pattern)"),
        ("big pattern", "bad value for 'disk' in [blk]: 'big' is not a size (disk = <size> pattern|zero [qcow2 [backing] [compressed]] [readonly], e.g. 1M pattern)"),
        ("1000 pattern", "bad value for 'disk' in [blk]: disk size 1000 is not a multiple of the 512-byte sector"),
        ("2G pattern", "bad value for 'disk' in [blk]: disk size 2G is outside 512…1G"),
        ("0 zero", "bad value for 'disk' in [blk]: disk size 0 is outside 512…1G"),
        ("pattern 1M", "bad value for 'disk' in [blk]: 'pattern' is not a size (disk = <size> pattern|zero [qcow2 [backing] [compressed]] [readonly], e.g. 1M pattern)"),
    ])
    func badValuesNameTheLine(disk: String, message: String) {
        #expect(error(disk) == CatalogError(file: "catalog", line: 4, message: message))
    }

    @Test func diskIsNotADefaultNorPerDriver() {
        #expect(throws: CatalogError.self) { try Catalog.parse(text: "[defaults]\ndisk = 1M zero\n", knownDrivers: ["qemu"]) }
        #expect(throws: CatalogError.self) { try Catalog.parse(text: "[a]\ndisk.qemu = 1M zero\n", knownDrivers: ["qemu"]) }
    }

    @Test func theSuiteDeclaresBothVirtioBlkTests() throws {
        let suite = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path + "/TestGuests/suite.cfg"
        let entries = try Catalog.parse(text: String(contentsOfFile: suite, encoding: .utf8), knownDrivers: ["swiftvm", "qemu", "libvirt"])
        let blk = try #require(entries.first { $0.name == "conf-virtio-blk" })
        let readOnly = try #require(entries.first { $0.name == "conf-virtio-blk-ro" })
        #expect(blk.disk == DiskSpec(sizeBytes: 1 << 20, content: .pattern))
        #expect(readOnly.disk == DiskSpec(sizeBytes: 1 << 20, content: .pattern, readOnly: true))
        #expect(blk.machine(for: "qemu") == "pc" && readOnly.machine(for: "qemu") == "pc")
        let qcow2 = entries.filter { $0.name.hasPrefix("conf-virtio-blk-qcow2") }
        #expect(qcow2.map(\.name) == ["conf-virtio-blk-qcow2", "conf-virtio-blk-qcow2-backing", "conf-virtio-blk-qcow2-compressed",
                                      "conf-virtio-blk-qcow2-ro"])
        #expect(qcow2.allSatisfy { $0.disk?.format == .qcow2 && $0.kernel == "conf_virtio_blk" && $0.machine(for: "qemu") == "pc" })
    }
}

/// Image creation: size, sparseness, the pattern, fresh files, and failures as errors.
@Suite struct DiskImageTests {
    private let directory = NSTemporaryDirectory() + "tck-disks-test-\(UUID().uuidString)"

    private func blocks(_ path: String) -> Int64 {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_blocks) : -1
    }

    private func sector(_ data: Data, _ number: Int) -> UInt64 {
        data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: number * 512, as: UInt64.self)) }
    }

    @Test func patternImageHasTheSectorNumbersAndNothingElse() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = DiskImages.path(directory: directory, driver: "swiftvm", test: "blk")
        #expect(path == directory + "/swiftvm/blk.img")
        // 3 MiB + 512: more than one write chunk, and a last sector in a chunk of its own.
        let size: UInt64 = (3 << 20) + 512
        try DiskImages.create(DiskSpec(sizeBytes: size, content: .pattern), at: path)
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(UInt64(data.count) == size)
        let last = Int(size / 512) - 1
        #expect(sector(data, 0) == 0x5A5A_5A5A_5A5A_5A5A)
        #expect(sector(data, 1) == 0x5A5A_5A5A_5A5A_5A5B)
        #expect(sector(data, 2048) == 2048 ^ 0x5A5A_5A5A_5A5A_5A5A)
        #expect(sector(data, last) == UInt64(last) ^ 0x5A5A_5A5A_5A5A_5A5A)
        #expect(Array(data[0..<8]) == [0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A])
        #expect(Array(data[512..<520]) == [0x5B, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A])
        for number in 0...last {
            #expect(sector(data, number) == DiskSpec.patternValue(sector: UInt64(number)))
            #expect(data[(number * 512 + 8)..<((number + 1) * 512)].allSatisfy { $0 == 0 })
        }
        // No more blocks than the bytes need (st_blocks counts 512-byte units).
        #expect(blocks(path) * 512 <= Int64(size) + 4096)
    }

    @Test func zeroImageIsSparse() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/qemu/z.img"
        try DiskImages.create(DiskSpec(sizeBytes: 64 << 20, content: .zero), at: path)
        let info = try FileManager.default.attributesOfItem(atPath: path)
        #expect(info[.size] as? UInt64 == 64 << 20)
        #expect(blocks(path) == 0)
        let handle = try #require(FileHandle(forReadingAtPath: path))
        defer { try? handle.close() }
        #expect(try handle.read(upToCount: 4096)?.allSatisfy { $0 == 0 } == true)
    }

    /// A run starts from a fresh file: what the previous run wrote is gone, and a hard link to the old
    /// image (someone keeping it) is not written through.
    @Test func everyRunGetsAFreshFile() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let entry = CatalogEntry(name: "blk", kernel: "k", disk: DiskSpec(sizeBytes: 4096, content: .pattern, readOnly: true))
        let disk = try #require(try DiskImages.prepare(entry, driver: "qemu", directory: directory))
        #expect(disk == AttachedDisk(path: directory + "/qemu/blk.img", readOnly: true))
        let kept = directory + "/kept.img"
        #expect(link(disk.path, kept) == 0)
        let handle = try #require(FileHandle(forWritingAtPath: disk.path))
        try handle.write(contentsOf: Data(repeating: 0xFF, count: 16))
        try handle.close()
        _ = try DiskImages.prepare(entry, driver: "qemu", directory: directory)
        let fresh = try Data(contentsOf: URL(fileURLWithPath: disk.path))
        #expect(fresh.count == 4096 && sector(fresh, 0) == 0x5A5A_5A5A_5A5A_5A5A && fresh[8] == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: kept))[0] == 0xFF)
        #expect(try DiskImages.prepare(CatalogEntry(name: "none", kernel: "k"), driver: "qemu", directory: directory) == nil)
    }

    @Test func failureIsAnErrorWithTheReason() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // A file where the driver's directory should be.
        try Data().write(to: URL(fileURLWithPath: directory + "/swiftvm"))
        let path = directory + "/swiftvm/blk.img"
        do {
            try DiskImages.create(DiskSpec(sizeBytes: 512, content: .zero), at: path)
            Issue.record("created an image under a file")
        } catch {
            #expect(error == DiskImageError(path: path, reason: "\(directory)/swiftvm is not a directory"))
            #expect(error.description == "could not create the disk image \(path): \(directory)/swiftvm is not a directory")
        }
        // A parent that is a file further up: mkdir's own reason.
        do {
            try DiskImages.create(DiskSpec(sizeBytes: 512, content: .zero), at: directory + "/swiftvm/x/blk.img")
            Issue.record("created an image under a file")
        } catch {
            #expect(error.reason == "cannot create the directory \(directory)/swiftvm/x (Not a directory)")
        }
    }

    /// The runner turns a failed image into that test's `error` result, never a crash, and still
    /// runs the others.
    @Test func theRunnerReportsAFailedImageAsTheTestsError() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data().write(to: URL(fileURLWithPath: directory + "/recording"))   // blocks <dir>/recording/
        let driver = RecordingDriver()
        let entries = [CatalogEntry(name: "blk", kernel: "k", disk: DiskSpec(sizeBytes: 1 << 20, content: .pattern)),
                       CatalogEntry(name: "plain", kernel: "k")]
        let results = SuiteRunner(entries: entries, drivers: [driver], parallelism: 1, kernelDirectory: "/k",
                                  diskDirectory: directory).run { _ in }
        #expect(results.map(\.outcome) == [.error, .pass])
        #expect(results[0].reason.hasPrefix("could not create the disk image \(directory)/recording/blk.img: "))
        #expect(!results[0].expected && results[1].expected)
    }

    @Test func theRunnerHandsTheImageToTheDriver() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let driver = RecordingDriver()
        let entries = [CatalogEntry(name: "blk", kernel: "k", disk: DiskSpec(sizeBytes: 1 << 20, content: .zero, readOnly: true))]
        let results = SuiteRunner(entries: entries, drivers: [driver], parallelism: 1, kernelDirectory: "/k",
                                  diskDirectory: directory).run { _ in }
        #expect(results.map(\.outcome) == [.pass])
        #expect(results[0].commandLine == ["recording", directory + "/recording/blk.img", "readonly"])
    }

    /// A driver that reports a pass and records the disk it was given.
    struct RecordingDriver: Driver {
        let name = "recording"
        func probe() throws(DriverUnavailable) -> DriverInfo { DriverInfo(name: name, version: "1", executable: "/bin/true") }
        func run(_ entry: CatalogEntry, kernelDirectory: String, cancelled: @escaping @Sendable () -> Bool) -> DriverRun {
            run(entry, kernelDirectory: kernelDirectory, disk: nil, cancelled: cancelled)
        }
        func run(_ entry: CatalogEntry, kernelDirectory: String, disk: AttachedDisk?,
                 cancelled: @escaping @Sendable () -> Bool) -> DriverRun {
            let console = "TCK:1 BEGIN t\nTCK:1 CASE PASS a\nTCK:1 END pass=1 fail=0 skip=0\n"
            return DriverRun(termination: .guestExit(code: 0), console: Array(console.utf8), durationSeconds: 0,
                             commandLine: [name] + (disk.map { [$0.path] + ($0.readOnly ? ["readonly"] : []) } ?? []))
        }
    }
}

/// What each driver puts on the VMM command line for a disk.
@Suite struct DiskDriverArgumentTests {
    let entry = CatalogEntry(name: "blk", kernel: "conf_virtio_blk", machines: ["qemu": "pc"],
                             disk: DiskSpec(sizeBytes: 1 << 20, content: .pattern))

    @Test func swiftvmPassesDisk() {
        let driver = SwiftVMDriver(executable: "/bin/true")
        let writable = driver.arguments(for: entry, kernelDirectory: "/k", disk: AttachedDisk(path: "/r/disks/swiftvm/blk.img"))
        #expect(Array(writable.suffix(2)) == ["--disk", "/r/disks/swiftvm/blk.img"])
        let readOnly = driver.arguments(for: entry, kernelDirectory: "/k",
                                        disk: AttachedDisk(path: "/r/disks/swiftvm/blk.img", readOnly: true))
        #expect(Array(readOnly.suffix(2)) == ["--disk", "/r/disks/swiftvm/blk.img,readonly"])
        // A relative path is recorded absolute; no disk, no --disk.
        let relative = driver.arguments(for: entry, kernelDirectory: "/k", disk: AttachedDisk(path: "r/blk.img"))
        #expect(relative.last == FileManager.default.currentDirectoryPath + "/r/blk.img")
        #expect(!driver.arguments(for: entry, kernelDirectory: "/k").contains("--disk"))
        let qcow2 = driver.arguments(for: entry, kernelDirectory: "/k", disk: AttachedDisk(path: "/r/b.qcow2", readOnly: true, format: .qcow2))
        #expect(Array(qcow2.suffix(2)) == ["--disk", "/r/b.qcow2,readonly,format=qcow2"])
    }

    @Test func qemuPassesADriveAndAModernVirtioBlkPCI() {
        let driver = QEMUDriver(executable: "qemu-system-x86_64")
        let device = ["-device", "virtio-blk-pci,drive=d0,disable-legacy=on,serial=tck-disk0,addr=0x2"]
        let writable = driver.arguments(for: entry, kernelDirectory: "/k", disk: AttachedDisk(path: "/r/disks/qemu/blk.img"))
        #expect(Array(writable.suffix(4)) == ["-drive", "file=/r/disks/qemu/blk.img,if=none,id=d0,format=raw"] + device)
        #expect(writable[writable.firstIndex(of: "-M")! + 1] == "pc" && writable.contains("/k/conf_virtio_blk.elf"))
        let readOnly = driver.arguments(for: entry, kernelDirectory: "/k", disk: AttachedDisk(path: "/r,x/blk.img", readOnly: true))
        #expect(Array(readOnly.suffix(4)) == ["-drive", "file=/r,,x/blk.img,if=none,id=d0,format=raw,readonly=on"] + device)
        #expect(!driver.arguments(for: entry, kernelDirectory: "/k").contains("-drive"))
        let qcow2 = driver.arguments(for: entry, kernelDirectory: "/k", disk: AttachedDisk(path: "/r/b.qcow2", format: .qcow2))
        #expect(Array(qcow2.suffix(4)) == ["-drive", "file=/r/b.qcow2,if=none,id=d0,format=qcow2"] + device)
    }

    /// The recorded command line of a real driver run names the image (absolute) as it was run.
    @Test func swiftvmRecordsTheDisk() throws {
        let directory = NSTemporaryDirectory() + "tck-disk-args-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let script = directory + "/swiftvm"
        try "#!/bin/sh\necho \"$@\" > \(directory)/arguments\nexit 0\n".write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        let run = SwiftVMDriver(executable: script).run(entry, kernelDirectory: "/k",
                                                        disk: AttachedDisk(path: "/r/blk.img", readOnly: true), cancelled: { false })
        #expect(Array(run.commandLine.suffix(2)) == ["--disk", "/r/blk.img,readonly"])
        #expect(try String(contentsOfFile: directory + "/arguments", encoding: .utf8).contains("--disk /r/blk.img,readonly"))
    }

    /// A driver without disk support refuses a disk test instead of booting it without its disk.
    @Test func aDriverWithoutDisksRefuses() {
        struct Plain: Driver {
            let name = "plain"
            func probe() throws(DriverUnavailable) -> DriverInfo { DriverInfo(name: name, version: "1", executable: "/bin/true") }
            func run(_ entry: CatalogEntry, kernelDirectory: String, cancelled: @escaping @Sendable () -> Bool) -> DriverRun {
                DriverRun(termination: .guestExit(code: 0), console: [], durationSeconds: 0)
            }
        }
        let refused = Plain().run(entry, kernelDirectory: "/k", disk: AttachedDisk(path: "/r/blk.img"), cancelled: { false })
        #expect(refused.termination == .vmmFailure(reason: "driver plain cannot attach a disk image"))
        #expect(Plain().run(entry, kernelDirectory: "/k", disk: nil, cancelled: { false }).termination == .guestExit(code: 0))
    }
}
