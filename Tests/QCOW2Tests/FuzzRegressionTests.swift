import Foundation
import Testing
import BlockBackends
@testable import QCOW2
import TestSupport

/// Inputs that once broke an invariant of fuzz-qcow2 (Fuzz/Sources/fuzz-qcow2/main.swift), replayed.
@Suite struct FuzzRegressionTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

    /// The fuzz target's steps: open, write 1 KiB at the offset its seed picks, read it back.
    private func replay(_ name: String) throws -> (offset: UInt64, written: [UInt8], read: [UInt8]?, error: String?) {
        let scratch = try TemporaryDirectory(prefix: "qcow2")
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(Self.fixtures)/\(name)")))
        let path = try scratch.write(bytes, to: "image.qcow2")
        let image = try QCOW2Image(path: path)
        var seed = bytes.suffix(8).reduce(UInt64(0x9E37)) { $0 &* 31 &+ UInt64($1) }
        let offset = (seed % (image.size - 1023)) & ~511
        seed = seed &* 6_364_136_223_846_793_005 &+ 1
        let written = (0..<1024).map { UInt8(truncatingIfNeeded: seed >> (UInt64($0) % 57)) }
        do { try image.write(written, at: offset) } catch { return (offset, written, nil, "\(error)") }
        return (offset, written, try image.read(at: offset, count: 1024), nil)
    }

    /// Its refcount block counts nothing: the header cluster has refcount 0. The allocator used to hand it
    /// out (and the write then overwrote the header's neighbourhood and vanished); now it is refused.
    @Test func aWriteIntoAnImageWhoseRefcountsMissTheHeaderIsRefused() throws {
        let result = try replay("crash-write-readback.qcow2")
        #expect(result.read == nil)
        #expect(result.error?.contains("refcount of cluster 0: is 0 but the cluster holds the header") == true, "\(result)")
    }

    /// Its L2 entries point 2^55 bytes out: the check used to walk every refcount up to there (fuzz-qcow2
    /// timed out after 14 s). References past the end of the file are now corruption, not counted.
    @Test(.timeLimit(.minutes(1))) func referencesFarPastTheFileAreCorruptionNotAWalk() throws {
        let scratch = try TemporaryDirectory(prefix: "qcow2")
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(Self.fixtures)/timeout-check.qcow2")))
        let path = try scratch.write(bytes, to: "image.qcow2")
        let start = ContinuousClock.now
        let report = try QCOW2Image(path: path, readOnly: true).check()
        #expect(start.duration(to: .now) < .seconds(2))
        #expect(!report.isClean)
        _ = try? replay("timeout-check.qcow2")
        #expect(start.duration(to: .now) < .seconds(4))
    }

    /// Refcounts for clusters past the end of a 1814-byte file (1, 12 and 4 for clusters 4–6): qemu-img check (which stops
    /// at the end of the file) calls it clean, and the first write, growing the file over them, exposed
    /// them as leaks. The check now reports refcounts past the end of the file as leaks up front.
    @Test func refcountsPastTheEndOfTheFileAreLeaks() throws {
        let scratch = try TemporaryDirectory(prefix: "qcow2")
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(Self.fixtures)/crash-leak-after-write.qcow2")))
        let path = try scratch.write(bytes, to: "image.qcow2")
        let before = try QCOW2Image(path: path, readOnly: true).check()
        #expect(before.corruptions.isEmpty)
        // 1, 12 and 4 for clusters 4–6, and stale bytes in the block's tail count 41 more far past the end.
        #expect(before.leakedClusters == 44 && before.leaks.allSatisfy { $0.contains("past the end of the file") }, "\(before.leaks)")
        let result = try replay("crash-leak-after-write.qcow2")
        #expect(result.read == result.written)
    }
}
