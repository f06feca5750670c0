#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Writes output straight through to a file descriptor: stdout, or the file of `--serial file:PATH`.
///
/// Nothing is buffered in this process, so memory stays bounded however much the guest writes; a slow
/// reader slows the writing vCPU instead. Writes are serialized so concurrent buffers never interleave.
/// A write error (a closed pipe, a full disk) is counted and the bytes are dropped: the guest must not
/// die of the host's output problems. Callers writing to pipes should ignore SIGPIPE.
public final class FileSink: ByteSink {
    private struct State {
        var failedWrites: UInt64 = 0
        var lastErrno: Int32 = 0
    }

    public let fileDescriptor: Int32
    private let closesOnDeinit: Bool
    private let state = Mutex(State())

    /// Writes to `fileDescriptor`, which the caller keeps open (and closes) unless `closeOnDeinit`.
    public init(fileDescriptor: Int32, closeOnDeinit: Bool = false) {
        self.fileDescriptor = fileDescriptor
        self.closesOnDeinit = closeOnDeinit
    }

    /// Creates or truncates the file at `path` and writes to it.
    public convenience init(path: String) throws(FileSinkError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileSinkError.cannotOpen(path: path, errno: errno) }
        self.init(fileDescriptor: fd, closeOnDeinit: true)
    }

    /// The process's standard output.
    public static func standardOutput() -> FileSink { FileSink(fileDescriptor: STDOUT_FILENO) }

    deinit {
        if closesOnDeinit { close(fileDescriptor) }
    }

    public func write(_ bytes: [UInt8]) {
        state.withLock { state in
            bytes.withUnsafeBytes { buffer in
                guard let base = buffer.baseAddress else { return }   // nothing to write
                var offset = 0
                while offset < buffer.count {
                    let written = writeToDescriptor(fileDescriptor, base + offset, buffer.count - offset)
                    if written > 0 {
                        offset += written
                    } else if written < 0, errno == EINTR {
                        continue
                    } else {
                        state.failedWrites &+= 1
                        state.lastErrno = written < 0 ? errno : EIO
                        return
                    }
                }
            }
        }
    }

    /// Writes that failed (their bytes were dropped) and the errno of the last one, for a warning.
    public var failures: (count: UInt64, lastErrno: Int32) {
        state.withLock { ($0.failedWrites, $0.lastErrno) }
    }
}

/// `write(2)`, named apart from `ByteSink.write` so the method does not shadow it.
private func writeToDescriptor(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, bytes, count)
}

/// Why a `FileSink` could not be created.
public enum FileSinkError: Error, Equatable, Sendable, CustomStringConvertible {
    case cannotOpen(path: String, errno: Int32)

    public var description: String {
        switch self {
        case let .cannotOpen(path, code):
            return "cannot open \(path) for writing: \(String(cString: strerror(code))); check the directory exists and is writable"
        }
    }
}
