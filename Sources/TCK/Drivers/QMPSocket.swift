import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A connected unix stream socket read line by line with deadlines: what `QMPClient` talks through. The
/// sockaddr and buffer pointers stay in this file.
struct QMPSocket: ~Copyable {
    private let fd: Int32
    private var buffered: [UInt8] = []

    /// Connects to `path`, retrying while it does not exist yet or refuses (QEMU creates and starts
    /// listening on it shortly after it starts) until `timeoutSeconds` have passed.
    init(path: String, timeoutSeconds: Double) throws(QMPError) {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else {
            throw .connect(path: path, reason: "the path is \(pathBytes.count) bytes, over the \(capacity - 1)-byte limit of a unix socket")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: pathBytes + [0]) }
        let deadline = ChildProcess.now() + timeoutSeconds
        while true {
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw .connect(path: path, reason: "socket: \(String(cString: strerror(errno)))") }
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            if connected == 0 {
                self.fd = fd
                return
            }
            let error = errno
            close(fd)
            guard error == ENOENT || error == ECONNREFUSED || error == EINTR, ChildProcess.now() < deadline else {
                throw .connect(path: path, reason: String(cString: strerror(error)))
            }
            usleep(5_000)
        }
    }

    deinit { close(fd) }

    /// Sends all of `bytes` (MSG_NOSIGNAL: a QEMU that died is an error here, not a SIGPIPE for tck).
    func send(_ bytes: [UInt8], during what: String) throws(QMPError) {
        var done = 0
        while done < bytes.count {
            let count = bytes[done...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw .closed(during: what) }
            done += count
        }
    }

    /// The next line (without its CR LF), waiting at most until `deadline` (`ChildProcess.now()` seconds).
    mutating func line(until deadline: Double, during what: String) throws(QMPError) -> [UInt8] {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            if let newline = buffered.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(buffered[..<newline])
                buffered.removeSubrange(...newline)
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return line
            }
            guard buffered.count <= Self.maximumLineBytes else { throw .malformed("a reply to \(what) longer than \(Self.maximumLineBytes) bytes") }
            let remaining = deadline - ChildProcess.now()
            guard remaining > 0 else { throw .timeout(waitingFor: what) }
            var polled = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&polled, 1, Int32(min(remaining * 1000 + 1, 1000)))
            if ready < 0 && errno != EINTR { throw .closed(during: what) }
            guard ready > 0 else { continue }
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            guard count > 0 else { throw .closed(during: what) }
            buffered += chunk[0..<count]
        }
    }

    /// QMP replies are one line each; `query-migrate` is the largest tck reads, a few hundred bytes.
    static let maximumLineBytes = 1 << 20
}
