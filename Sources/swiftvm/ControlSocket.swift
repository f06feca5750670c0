#if canImport(Glibc)
import Glibc
#endif
import Machine
import Synchronization

/// `--control-socket PATH`: a unix stream socket taking one command per line.
/// - `save` → the VM is saved to --snapshot FILE and stops; the answer `ok saved FILE` comes once the
///   file is committed (or `error …` with the reason), then swiftvm exits with 122.
/// - `info` → `machine NAME running T s`.
/// Anything else → `error unknown command …`. Connections are served one at a time.
final class ControlSocket: Sendable {
    struct SetupError: Error, CustomStringConvertible {
        let description: String
    }

    private let listener: Int32
    private let path: String
    /// The connection that asked for the save, waiting for its answer from `finish`.
    private let pendingSave = Mutex<Int32?>(nil)

    init(path: String, machine: Machine, started: Double) throws(SetupError) {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !bytes.isEmpty, bytes.count < capacity else {
            throw SetupError(description: "a unix socket path must be 1 to \(capacity - 1) bytes")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard listener >= 0 else { throw SetupError(description: "socket: \(String(cString: strerror(errno)))") }
        // A stale socket from an earlier run is replaced; any other file is left alone (bind then fails).
        var info = stat()
        if lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFSOCK { unlink(path) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(listener, 4) == 0 else {
            let error = String(cString: strerror(errno))
            close(listener)
            throw SetupError(description: "bind/listen: \(error)")
        }
        self.listener = listener
        self.path = path
        // Weakly: the thread outlives the run (see `WeakMachine`).
        let machine = WeakMachine(machine)
        startDetachedThread { [self] in self.serve(machine: machine, started: started) }
    }

    /// After the run: answers a pending `save` with how the run ended, and removes the socket.
    func finish(_ status: RunStatus) {
        if let connection = pendingSave.withLock({ $0 }) {
            if case let .saved(file, _, _) = status {
                send("ok saved \(file)", to: connection)
            } else {
                send("error \(status.summary)", to: connection)
            }
            close(connection)
        }
        unlink(path)
    }

    private func serve(machine reference: WeakMachine, started: Double) {
        while true {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else {
                if errno == EINTR { continue }
                return
            }
            guard let machine = reference.machine else { close(connection); return }
            _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
            if !converse(connection, machine: machine, started: started) { close(connection) }
        }
    }

    /// Serves one connection's lines; returns true when the connection now waits for a save's answer.
    private func converse(_ connection: Int32, machine: Machine, started: Double) -> Bool {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 256)
        while true {
            let count = read(connection, &chunk, chunk.count)
            guard count > 0 else { return false }
            buffer += chunk[0..<count]
            guard buffer.count < 4096 else {
                send("error line too long", to: connection)
                return false
            }
            while let end = buffer.firstIndex(of: 10) {
                let line = String(decoding: buffer[..<end], as: UTF8.self).trimmingWhitespace
                buffer.removeSubrange(...end)
                switch line {
                case "save":
                    switch machine.requestSave(.controlSocket) {
                    case .success:
                        pendingSave.withLock { $0 = connection }
                        return true
                    case let .failure(refusal):
                        send("error \(refusal)", to: connection)
                    }
                case "info":
                    let seconds = Double(Int((Machine.now() - started) * 1000)) / 1000
                    send("machine \(machine.configuration.machineType.name) running \(seconds) s", to: connection)
                case "":
                    continue
                default:
                    send("error unknown command '\(line)' (commands: save, info)", to: connection)
                }
            }
        }
    }

    private func send(_ line: String, to connection: Int32) {
        var bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeMutableBytes { write(connection, $0.baseAddress, $0.count) }
    }
}

private extension String {
    var trimmingWhitespace: String {
        var scalars = Substring(self)
        while let last = scalars.last, last == " " || last == "\r" || last == "\t" { scalars.removeLast() }
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        return String(scalars)
    }
}
