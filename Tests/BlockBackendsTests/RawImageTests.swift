import Foundation
import Testing
@testable import BlockBackends

/// A temporary image file, removed when the test's value goes away.
final class TemporaryImage {
    let path: String

    init(bytes: [UInt8]) throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("rawimage-\(UUID().uuidString).img").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    var contents: [UInt8] { (try? [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))) ?? [] }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

@Suite struct RawImageTests {
    let pattern: [UInt8] = (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }

    @Test func readsAtByteOffsets() throws {
        let file = try TemporaryImage(bytes: pattern)
        let image = try RawImage(path: file.path)
        #expect(image.size == 4096)
        #expect(!image.isReadOnly)
        #expect(try image.read(at: 0, count: 16) == Array(pattern[0..<16]))
        #expect(try image.read(at: 1000, count: 3096) == Array(pattern[1000...]))
        var buffer = [UInt8](repeating: 0, count: 512)
        try image.read(at: 512, into: &buffer)
        #expect(buffer == Array(pattern[512..<1024]))
        #expect(try image.read(at: 4096, count: 0) == [])
    }

    @Test func writesLandInTheFileAndFlush() throws {
        let file = try TemporaryImage(bytes: pattern)
        let image = try RawImage(path: file.path)
        try image.write([0xAA, 0xBB, 0xCC], at: 4093)
        try image.write(pattern[0..<2], at: 10)
        try image.flush()
        var expected = pattern
        expected[4093] = 0xAA; expected[4094] = 0xBB; expected[4095] = 0xCC
        expected[10] = pattern[0]; expected[11] = pattern[1]
        #expect(file.contents == expected)
        #expect(try image.read(at: 4093, count: 3) == [0xAA, 0xBB, 0xCC])
    }

    @Test func readOnlyImageRefusesWritesAndLeavesTheFileAlone() throws {
        let file = try TemporaryImage(bytes: pattern)
        let image = try RawImage(path: file.path, readOnly: true)
        #expect(image.isReadOnly)
        #expect(throws: BlockBackendError.readOnly(path: file.path)) { try image.write([1], at: 0) }
        try image.flush()
        #expect(try image.read(at: 0, count: 4) == Array(pattern[0..<4]))
        #expect(file.contents == pattern)
    }

    @Test func rangesPastTheEndAreRefusedNotShortened() throws {
        let file = try TemporaryImage(bytes: pattern)
        let image = try RawImage(path: file.path)
        #expect(throws: BlockBackendError.outOfRange(offset: 4090, length: 7, size: 4096)) {
            try image.read(at: 4090, count: 7)
        }
        #expect(throws: BlockBackendError.outOfRange(offset: 4096, length: 1, size: 4096)) {
            try image.write([0], at: 4096)
        }
        #expect(file.contents == pattern)
    }

    @Test func overflowingOffsetsAreTypedErrors() throws {
        let file = try TemporaryImage(bytes: pattern)
        let image = try RawImage(path: file.path)
        #expect(throws: BlockBackendError.overflow(offset: .max - 1, length: 4)) {
            try image.read(at: .max - 1, count: 4)
        }
        #expect(throws: BlockBackendError.overflow(offset: .max, length: 1)) { try image.write([0], at: .max) }
    }

    @Test func fileThatShrankUnderUsIsAShortRead() throws {
        let file = try TemporaryImage(bytes: pattern)
        let image = try RawImage(path: file.path)
        #expect(truncate(file.path, 1024) == 0)
        #expect(throws: BlockBackendError.shortRead(path: file.path, offset: 512, expected: 1024, got: 512)) {
            try image.read(at: 512, count: 1024)
        }
    }

    @Test func openFailuresNameThePathAndTheFix() throws {
        let missing = "/nonexistent-\(UUID().uuidString).img"
        #expect(throws: BlockBackendError.openFailed(path: missing, errno: ENOENT)) { try RawImage(path: missing) }
        let error = BlockBackendError.openFailed(path: missing, errno: ENOENT)
        #expect(error.description.contains(missing) && error.description.contains("No such file"))
        let directory = FileManager.default.temporaryDirectory.path
        #expect(throws: BlockBackendError.notAnImage(path: directory, kind: "directory")) {
            try RawImage(path: directory, readOnly: true)
        }
    }

    @Test func descriptorIsCloseOnExec() throws {
        let file = try TemporaryImage(bytes: pattern)
        let image = try RawImage(path: file.path)
        let fds = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").compactMap { Int32($0) }
        let ours = fds.filter { fd in
            var buffer = [CChar](repeating: 0, count: 4096)
            let count = readlink("/proc/self/fd/\(fd)", &buffer, buffer.count - 1)
            return count > 0 && String(cString: buffer) == file.path
        }
        #expect(ours.count == 1)
        #expect(ours.allSatisfy { fcntl($0, F_GETFD) & FD_CLOEXEC != 0 })
        _ = image
    }

    @Test func concurrentPositionalWritesDoNotInterfere() async throws {
        let file = try TemporaryImage(bytes: [UInt8](repeating: 0, count: 64 * 512))
        let image = try RawImage(path: file.path)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for sector in 0..<64 {
                group.addTask { try image.write([UInt8](repeating: UInt8(sector), count: 512), at: UInt64(sector) * 512) }
            }
            try await group.waitForAll()
        }
        for sector in 0..<64 {
            #expect(try image.read(at: UInt64(sector) * 512, count: 512) == [UInt8](repeating: UInt8(sector), count: 512))
        }
    }
}
