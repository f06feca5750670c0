#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import Devices

@Suite struct SinkTests {
    @Test func captureKeepsBytesUpToTheLimitAndCountsTheRest() {
        let sink = CaptureSink(limit: 5)
        sink.write([1, 2, 3])
        sink.write([4, 5, 6, 7])
        sink.write([8])
        #expect(sink.bytes == [1, 2, 3, 4, 5])
        #expect(sink.droppedByteCount == 3)
        #expect(sink.isTruncated)
    }

    @Test func captureWithANegativeLimitKeepsNothing() {
        let sink = CaptureSink(limit: -1)
        sink.write([1])
        #expect(sink.bytes.isEmpty && sink.droppedByteCount == 1)
    }

    @Test func concurrentWritersLoseNothingBelowTheLimit() async {
        let writers = 8, perWriter = 1000
        let sink = CaptureSink(limit: writers * perWriter)
        let overflow = CaptureSink(limit: 100)
        await withTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    for _ in 0..<perWriter {
                        sink.write([UInt8(writer)])
                        overflow.write([UInt8(writer)])
                    }
                }
            }
        }
        #expect(sink.bytes.count == writers * perWriter)
        #expect(sink.droppedByteCount == 0)
        for writer in 0..<writers {
            #expect(sink.bytes.filter { $0 == UInt8(writer) }.count == perWriter)
        }
        #expect(overflow.bytes.count == 100)
        #expect(overflow.droppedByteCount == UInt64(writers * perWriter - 100))
    }

    @Test func teeWritesToEverySinkInOrder() {
        let first = CaptureSink(limit: 10), second = CaptureSink(limit: 2)
        let tee = TeeSink([first, second])
        tee.write([1, 2])
        tee.write([3])
        #expect(first.bytes == [1, 2, 3])
        #expect(second.bytes == [1, 2] && second.droppedByteCount == 1)
    }

    @Test func fileSinkWritesThroughToTheFile() throws {
        let path = "/tmp/swiftvm-filesink-\(getpid()).log"
        defer { unlink(path) }
        do {
            let sink = try FileSink(path: path)
            sink.write(Array("hello ".utf8))
            sink.write(Array("world".utf8))
            #expect(sink.failures.count == 0)
        }
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = read(fd, &buffer, buffer.count)
        #expect(String(decoding: buffer.prefix(max(count, 0)), as: UTF8.self) == "hello world")
    }

    @Test func fileSinkCountsFailuresInsteadOfTrapping() {
        let sink = FileSink(fileDescriptor: -1)
        sink.write([1, 2, 3])
        #expect(sink.failures.count == 1)
        #expect(sink.failures.lastErrno == EBADF)
    }

    @Test func fileSinkReportsAnUnopenablePath() {
        let error = #expect(throws: FileSinkError.self) { try FileSink(path: "/nonexistent-dir/x.log") }
        #expect(error?.description.contains("/nonexistent-dir/x.log") == true)
    }
}

@Suite struct LimitedSinkTests {
    @Test func passesUpToTheLimitAndCountsTheRest() {
        let capture = CaptureSink(limit: 1000)
        let limited = LimitedSink(capture, limit: 5)
        limited.write([1, 2, 3])
        limited.write([4, 5, 6, 7])
        limited.write([8])
        #expect(capture.bytes == [1, 2, 3, 4, 5])
        #expect(limited.droppedByteCount == 3)
    }
}
