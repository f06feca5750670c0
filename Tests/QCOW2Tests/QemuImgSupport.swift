import Foundation
import Testing
import BlockBackends
import TestSupport
@testable import QCOW2

/// The real qemu-img and qemu-io (Debian's qemu-utils), the judges of every image these tests make.
enum QemuTools {
    static let img = TestProcess.which("qemu-img")
    static let io = TestProcess.which("qemu-io")
    static let available = img != nil && io != nil
    static let skipReason: Comment = "needs qemu-img and qemu-io (Debian package qemu-utils; `make setup-test` installs it)"

    @discardableResult
    static func run(_ tool: String?, _ arguments: [String]) throws -> TestProcess.Output {
        try TestProcess.run(try #require(tool), arguments)
    }

    /// `qemu-img` with arguments; fails the test (with its stderr) unless it exits 0.
    static func img(_ arguments: String...) throws {
        let result = try run(img, arguments)
        #expect(result.status == 0, "qemu-img \(arguments.joined(separator: " ")): \(result.stderr)")
    }

    /// `qemu-io -c COMMAND image` (format given, so the probe warning stays away).
    static func io(_ path: String, format: String = "qcow2", _ commands: String...) throws {
        let result = try run(io, ["-f", format] + commands.flatMap { ["-c", $0] } + [path])
        #expect(result.status == 0 && !result.stdout.contains("failed"), "qemu-io \(commands): \(result.stdout) \(result.stderr)")
    }

    struct Check {
        let status: Int32
        let corruptions: Int
        let leaks: Int
        let checkErrors: Int
        let compressedClusters: Int
        let text: String
    }

    /// `qemu-img check --output=json`: exit 0 clean, 2 corruptions, 3 leaks only.
    static func check(_ path: String) throws -> Check {
        let result = try run(img, ["check", "--output=json", "-f", "qcow2", path])
        let json = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) as? [String: Any] ?? [:]
        return Check(status: result.status, corruptions: json["corruptions"] as? Int ?? 0, leaks: json["leaks"] as? Int ?? 0,
                     checkErrors: json["check-errors"] as? Int ?? 0,
                     compressedClusters: json["compressed-clusters"] as? Int ?? 0, text: result.stdout + result.stderr)
    }

    /// `qemu-img compare`: true when the two images' guest-visible contents are equal.
    static func same(_ first: String, _ firstFormat: String, _ second: String, _ secondFormat: String) throws -> Bool {
        let result = try run(img, ["compare", "-f", firstFormat, "-F", secondFormat, first, second])
        #expect(result.status <= 1, "qemu-img compare: \(result.stderr)")
        return result.status == 0
    }

    /// The image (or a snapshot of it, with `-l`) flattened to raw bytes by qemu-img.
    static func flatten(_ path: String, format: String = "qcow2", snapshot: String? = nil, scratch: TemporaryDirectory) throws -> [UInt8] {
        let out = scratch.file("flat-\(UUID().uuidString).raw")
        var arguments = ["convert", "-f", format, "-O", "raw"]
        if let snapshot { arguments += ["-l", snapshot] }
        let result = try run(img, arguments + [path, out])
        #expect(result.status == 0, "qemu-img convert: \(result.stderr)")
        return try [UInt8](Data(contentsOf: URL(fileURLWithPath: out)))
    }
}

/// The same "random" workload on every run (TestSupport's SplitMix64).
extension SplitMix64 {
    mutating func below(_ bound: UInt64) -> UInt64 { next() % bound }
    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) } }
}

/// A disk image's reference content mixing what images hold: zero blocks, compressible sector patterns,
/// incompressible random blocks, text, and nearly-empty blocks. 4 KiB blocks, kind by index.
func referenceContent(size: Int, seed: UInt64 = 1) -> [UInt8] {
    var random = SplitMix64(seed: seed)
    var bytes = [UInt8](repeating: 0, count: size)
    for block in 0..<(size / 4096) {
        let base = block * 4096
        switch block % 5 {
        case 0: break
        case 1:
            for sector in 0..<8 {
                var value = UInt64(base / 512 + sector) ^ 0x5A5A_5A5A_5A5A_5A5A
                for byte in 0..<8 { bytes[base + sector * 512 + byte] = UInt8(truncatingIfNeeded: value); value >>= 8 }
            }
        case 2: bytes.replaceSubrange(base..<(base + 4096), with: random.bytes(4096))
        case 3:
            let text = Array("block \(block) of the reference disk; ".utf8)
            for index in 0..<4096 { bytes[base + index] = text[index % text.count] }
        default: bytes[base + Int(random.below(4096))] = 0xA5
        }
    }
    return bytes
}

/// Reads the whole disk in odd-sized pieces (so pieces straddle cluster boundaries).
func readAll(_ disk: any BlockBackend, piece: Int = 12_345) throws -> [UInt8] {
    var result: [UInt8] = []
    result.reserveCapacity(Int(disk.size))
    var offset: UInt64 = 0
    while offset < disk.size {
        let count = Int(min(UInt64(piece), disk.size - offset))
        result += try disk.read(at: offset, count: count)
        offset += UInt64(count)
    }
    return result
}

/// Applies the same writes to both disks: `count` writes at random offsets, lengths 1 B…`maximum`,
/// half of them sector-aligned; random data.
func applyWrites(_ disks: [any BlockBackend], count: Int, maximum: Int, seed: UInt64) throws {
    var random = SplitMix64(seed: seed)
    let size = disks[0].size
    for index in 0..<count {
        var length = Int(random.below(UInt64(maximum))) + 1
        var offset = random.below(size)
        if index % 2 == 0 { offset &= ~511; length = (length + 511) & ~511 }
        length = Int(min(UInt64(length), size - offset))
        let data = random.bytes(length)
        for disk in disks { try disk.write(data, at: offset) }
    }
    for disk in disks { try disk.flush() }
}
