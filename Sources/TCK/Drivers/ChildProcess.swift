import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs one VMM process with a deadline, capturing stdout and stderr up to a limit each while always
/// draining the pipes (so a guest flooding its console can neither block the VMM nor grow our memory).
///
/// fork/exec (`Spawn`) + poll rather than Foundation.Process: the deadline, the kill and the byte caps
/// must be exact, a thread per job must not depend on run-loop machinery, and the child must die with
/// the runner (parent-death signal), which neither Process nor posix_spawn can arrange.
///
/// Every descriptor opened here is close-on-exec: with `--jobs 2` a VMM started by the other job must
/// not inherit this one's pipe, or this run would wait for end-of-file until that VMM exits.
/// Call `run` from a thread that lives at least as long as the call (the parent-death signal follows
/// the thread that started the child).
public struct ChildProcess: Sendable {
    public struct Result: Sendable {
        public enum Ending: Equatable, Sendable {
            case exited(Int32)
            case signaled(Int32)
            /// Killed by us at the deadline.
            case timedOut
            /// Killed by us because the run was cancelled (Ctrl-C).
            case cancelled
            /// Killed by us after `stopWhenStderrContains` appeared.
            case stoppedOnStderr
            /// Killed by us because the watcher (`run(cancelled:watch:)`) said `.stop`.
            case stoppedByWatcher
            /// Could not be started at all (errno).
            case spawnFailed(Int32)
        }
        public var ending: Ending
        public var stdout: [UInt8]
        public var stdoutDropped: UInt64
        public var stderr: [UInt8]
        public var durationSeconds: Double
    }

    public var executable: String
    public var arguments: [String]
    public var timeoutSeconds: Double
    public var stdoutLimit = 1 << 20
    public var stderrLimit = 64 << 10
    /// When stderr contains this, the process is given `stopGraceSeconds` more to finish printing and is
    /// then killed; the ending is `.stoppedOnStderr`. (QEMU pauses a guest on a KVM internal error
    /// instead of exiting, which would otherwise cost the whole timeout.)
    public var stopWhenStderrContains: String?
    public var stopGraceSeconds = 0.3
    /// Give the child a pipe as stdin, whose write end the watcher gets (`Watch.input`); otherwise stdin
    /// is /dev/null. The pipe is closed when the run ends.
    public var stdinPipe = false

    /// What a watcher sees: the child has just started, or a chunk of its stdout has arrived.
    public enum WatchEvent {
        case started(pid: pid_t)
        case stdout(ArraySlice<UInt8>)
    }

    public enum WatchDecision: Equatable, Sendable {
        case goOn
        /// Kill the child now (SIGKILL); the ending is `.stoppedByWatcher`.
        case stop
    }

    /// The child's stdin, when `stdinPipe` is set.
    public struct Input: Sendable {
        let fd: Int32

        /// Writes all of `bytes`; false when the child has closed its end or the write failed. SIGPIPE is
        /// blocked on this thread meanwhile and a pending one consumed: a child that died must not take
        /// tck with it (tck keeps SIGPIPE's default for its own stdout).
        public func write(_ bytes: [UInt8]) -> Bool {
            var pipeSignal = sigset_t(), previous = sigset_t()
            sigemptyset(&pipeSignal)
            sigaddset(&pipeSignal, SIGPIPE)
            pthread_sigmask(SIG_BLOCK, &pipeSignal, &previous)
            defer {
                var pending = sigset_t()
                if sigpending(&pending) == 0, sigismember(&pending, SIGPIPE) == 1 {
                    var none = timespec()
                    _ = sigtimedwait(&pipeSignal, nil, &none)
                }
                pthread_sigmask(SIG_SETMASK, &previous, nil)
            }
            var done = 0
            while done < bytes.count {
                let count = bytes[done...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return false }
                done += count
            }
            return true
        }
    }

    /// Called on the run's own thread as things happen, before the stdout cap applies; while it runs, the
    /// pipes are not read and the deadline is not checked, so a watcher that blocks (a QMP exchange) must
    /// bound its own time.
    public typealias Watch = (_ event: WatchEvent, _ input: Input?) -> WatchDecision

    public init(executable: String, arguments: [String], timeoutSeconds: Double) {
        self.executable = executable
        self.arguments = arguments
        self.timeoutSeconds = timeoutSeconds
    }

    public var commandLine: [String] { [executable] + arguments }

    /// Runs to completion, deadline, cancellation or the watcher's `.stop`.
    public func run(cancelled: () -> Bool = { false }, watch: Watch? = nil) -> Result {
        let start = Self.now()
        let child: (pid: pid_t, stdout: Int32, stderr: Int32, stdin: Int32?)
        do throws(SpawnError) { child = try launch() } catch { return .notStarted(error.errno) }
        defer { close(child.stdout); close(child.stderr); if let stdin = child.stdin { close(stdin) } }
        let pid = child.pid
        let input = child.stdin.map(Input.init)

        var out = CappedBuffer(limit: stdoutLimit), err = CappedBuffer(limit: stderrLimit)
        var open: [(fd: Int32, isOut: Bool)] = [(child.stdout, true), (child.stderr, false)]
        var killedFor: Result.Ending?
        var deadline = start + timeoutSeconds
        var stopping = false
        var stderrGrew = false
        var chunk = [UInt8](repeating: 0, count: 65536)
        if let watch, watch(.started(pid: pid), input) == .stop {
            killedFor = .stoppedByWatcher
            kill(pid, SIGKILL)
        }
        while !open.isEmpty {
            if killedFor == nil {
                if cancelled() { killedFor = .cancelled } else if Self.now() >= deadline { killedFor = stopping ? .stoppedOnStderr : .timedOut }
                if killedFor != nil { kill(pid, SIGKILL) }
            }
            var polls = open.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            let waitMs = killedFor == nil ? Int32(max(1, min(100, (deadline - Self.now()) * 1000))) : 100
            _ = poll(&polls, nfds_t(polls.count), waitMs)
            var stillOpen: [(fd: Int32, isOut: Bool)] = []
            for (entry, polled) in zip(open, polls) {
                guard polled.revents != 0 else { stillOpen.append(entry); continue }
                let count = chunk.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    if entry.isOut { out.append(chunk[0..<count]) } else { err.append(chunk[0..<count]); stderrGrew = true }
                    stillOpen.append(entry)
                    if entry.isOut, killedFor == nil, let watch, watch(.stdout(chunk[0..<count]), input) == .stop {
                        killedFor = .stoppedByWatcher
                        kill(pid, SIGKILL)
                    }
                } else if count < 0 && (errno == EINTR || errno == EAGAIN) {
                    stillOpen.append(entry)
                }
            }
            open = stillOpen
            // Only look again when stderr grew: the poll loop turns every 100 ms for the whole run.
            if stderrGrew, !stopping, let marker = stopWhenStderrContains, String(decoding: err.bytes, as: UTF8.self).contains(marker) {
                stopping = true
                deadline = min(deadline, Self.now() + stopGraceSeconds)
            }
            stderrGrew = false
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let ending: Result.Ending
        if let killedFor {
            ending = killedFor
        } else if status & 0x7F == 0 {
            ending = .exited((status >> 8) & 0xFF)
        } else {
            ending = .signaled(status & 0x7F)
        }
        return Result(ending: ending, stdout: out.bytes, stdoutDropped: out.dropped, stderr: err.bytes,
                      durationSeconds: Self.now() - start)
    }

    /// Starts the process with stdin on /dev/null (or a pipe, `stdinPipe`) and stdout and stderr on fresh
    /// pipes; returns its pid, the read ends and stdin's write end. Everything opened here is close-on-exec
    /// and the child's ends are closed before returning: a VMM that another job starts meanwhile holds none
    /// of them, so end-of-file on these pipes means this child (and only it) is done.
    private func launch() throws(SpawnError) -> (pid: pid_t, stdout: Int32, stderr: Int32, stdin: Int32?) {
        var started = false
        let input: (read: Int32, write: Int32?)
        if stdinPipe {
            let pipe = try Spawn.pipe()
            input = (pipe.read, pipe.write)
        } else {
            let devNull = open("/dev/null", O_RDONLY | O_CLOEXEC)
            guard devNull >= 0 else { throw SpawnError(errno: errno) }
            input = (devNull, nil)
        }
        defer { close(input.read); if !started, let write = input.write { close(write) } }
        let out = try Spawn.pipe()
        defer { close(out.write); if !started { close(out.read) } }
        let err = try Spawn.pipe()
        defer { close(err.write); if !started { close(err.read) } }
        let pid = try Spawn.start(executable, arguments: commandLine, stdin: input.read, stdout: out.write, stderr: err.write)
        started = true
        return (pid, out.read, err.read, input.write)
    }

    static func now() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}

extension ChildProcess.Result {
    static func notStarted(_ error: Int32) -> Self {
        Self(ending: .spawnFailed(error), stdout: [], stdoutDropped: 0, stderr: [], durationSeconds: 0)
    }
}

/// Keeps the first `limit` bytes and counts the rest.
struct CappedBuffer {
    let limit: Int
    private(set) var bytes: [UInt8] = []
    private(set) var dropped: UInt64 = 0

    init(limit: Int) { self.limit = limit }

    mutating func append(_ chunk: ArraySlice<UInt8>) {
        let room = max(0, limit - bytes.count)
        bytes.append(contentsOf: chunk.prefix(room))
        dropped += UInt64(chunk.count - min(room, chunk.count))
    }
}
