import Foundation
import Testing
import TestSupport

/// `swiftvm img` end to end, with qemu-img as the judge.
@Suite(.enabled(if: TestProcess.which("qemu-img") != nil,
                "needs qemu-img (Debian package qemu-utils; `make setup-test` installs it)"))
struct SwiftVMImgTests {
    let directory: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("swiftvm-img-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    private func qemuImg(_ arguments: [String]) throws -> SwiftVMProcess.Output {
        try TestProcess.run(try #require(TestProcess.which("qemu-img")), arguments)
    }

    @Test func createInfoAndCheckAgreeWithQemuImg() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let base = "\(directory)/base.raw", top = "\(directory)/top.qcow2"
        #expect(try SwiftVMProcess.run(["img", "create", "-f", "raw", base, "4M"]).status == 0)
        let created = try SwiftVMProcess.run(["img", "create", "--backing", "base.raw", "--cluster-size", "4K", top])
        #expect(created.status == 0 && created.stdout.contains("4194304 bytes, 4096-byte clusters, backing file"), "\(created)")
        let info = try qemuImg(["info", "--output=json", top]).stdout
        #expect(info.contains("\"backing-filename-format\": \"raw\"") && info.contains("\"cluster-size\": 4096"), "\(info)")
        #expect(try qemuImg(["check", top]).status == 0)
        let mine = try SwiftVMProcess.run(["img", "info", top])
        #expect(mine.stdout.contains("backing file: base.raw (format raw)") && mine.stdout.contains("format: raw"), "\(mine)")
        let check = try SwiftVMProcess.run(["img", "check", top])
        #expect(check.status == 0 && check.stdout.contains("no errors found"), "\(check)")
        // A leak qemu-img also sees: bump a refcount of an unused cluster (the block at cluster 2 counts cluster 10).
        let handle = try #require(FileHandle(forWritingAtPath: top))
        try handle.seek(toOffset: 2 * 4096 + 10 * 2)
        try handle.write(contentsOf: Data([0, 1]))
        try handle.truncate(atOffset: 11 * 4096)
        try handle.close()
        let leaked = try SwiftVMProcess.run(["img", "check", top])
        #expect(leaked.status == 1 && leaked.stdout.contains("1 leaked cluster"), "\(leaked)")
        #expect(try qemuImg(["check", top]).status == 3)
        let bad = try SwiftVMProcess.run(["img", "info", base + ".missing"])
        #expect(bad.status == 65)
    }

    /// kill -9 in the middle of a write loop (each record flushed before it is printed): qemu-img check
    /// finds no corruption (leaks of the request in flight are allowed) and every printed record is there.
    @Test(arguments: ["fresh", "over a backing file"])
    func killedMidWriteLosesNoFlushedRecord(layout: String) throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let image = "\(directory)/crash.qcow2"
        if layout == "fresh" {
            #expect(try SwiftVMProcess.run(["img", "create", "--cluster-size", "4K", image, "64M"]).status == 0)
        } else {
            #expect(try SwiftVMProcess.run(["img", "create", "-f", "raw", "\(directory)/base.raw", "64M"]).status == 0)
            #expect(try SwiftVMProcess.run(["img", "create", "--backing", "base.raw", "--cluster-size", "16K", image]).status == 0)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: SwiftVMProcess.binary)
        process.arguments = ["img", "write-test", image]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        var text = ""
        let start = Date()
        while !text.contains("flushed 400\n") && Date().timeIntervalSince(start) < 20 {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        text += String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationReason == .uncaughtSignal)
        let flushed = text.split(separator: "\n").compactMap { $0.hasPrefix("flushed ") ? UInt64($0.dropFirst(8)) : nil }
        let last = try #require(flushed.last, "no record was flushed before the kill")

        let check = try qemuImg(["check", "--output=json", image])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any])
        #expect((json["corruptions"] as? Int ?? 0) == 0 && (json["check-errors"] as? Int ?? 0) == 0, "\(check.stdout)")
        #expect(check.status == 0 || check.status == 3, "\(check.stdout) \(check.stderr)")
        let flat = "\(directory)/flat.raw"
        #expect(try qemuImg(["convert", "-O", "raw", image, flat]).status == 0)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: flat)))
        let slots = UInt64(bytes.count / 4096)
        var missing: [UInt64] = []
        for record in 0...last {
            let slot = Int(record &* 7919 % slots) * 4096
            let expected: [UInt8] = (0..<4096).map { index in
                index < 8 ? UInt8(truncatingIfNeeded: record >> (8 * UInt64(index))) : UInt8(truncatingIfNeeded: record &* 31 &+ UInt64(index))
            }
            if Array(bytes[slot..<(slot + 4096)]) != expected { missing.append(record) }
        }
        #expect(missing.isEmpty, "flushed records missing after kill -9: \(missing.prefix(10)) of \(last + 1)")
        let mine = try SwiftVMProcess.run(["img", "check", image])
        #expect(mine.status == 0 || mine.status == 1, "\(mine.stdout)")
    }
}
