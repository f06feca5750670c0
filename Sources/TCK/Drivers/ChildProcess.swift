import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs one VMM process with a deadline, capturing stdout and stderr up to a limit each while always
/// draining the pipes (so a guest flooding its console can neither block the VMM nor grow our memory).
///
/// posix_spawn + poll rather than Foundation.Process: the deadline, the kill and the byte caps must be
/// exact, and a thread per job must not depend on run-loop machinery.
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

    public init(executable: String, arguments: [String], timeoutSeconds: Double) {
        self.executable = executable
        self.arguments = arguments
        self.timeoutSeconds = timeoutSeconds
    }

    public var commandLine: [String] { [executable] + arguments }

    /// Runs to completion, deadline or cancellation.
    public func run(cancelled: @Sendable () -> Bool = { false }) -> Result {
        let start = Self.now()
        var outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1]
        guard pipe(&outPipe) == 0, pipe(&errPipe) == 0 else {
            return Result(ending: .spawnFailed(errno), stdout: [], stdoutDropped: 0, stderr: [], durationSeconds: 0)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        for fd in outPipe + errPipe { posix_spawn_file_actions_addclose(&actions, fd) }

        let argv = commandLine.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawnError = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        close(outPipe[1])
        close(errPipe[1])
        defer { close(outPipe[0]); close(errPipe[0]) }
        guard spawnError == 0 else {
            return Result(ending: .spawnFailed(spawnError), stdout: [], stdoutDropped: 0, stderr: [], durationSeconds: 0)
        }

        var out = CappedBuffer(limit: stdoutLimit), err = CappedBuffer(limit: stderrLimit)
        var open: [(fd: Int32, isOut: Bool)] = [(outPipe[0], true), (errPipe[0], false)]
        var killedFor: Result.Ending?
        var deadline = start + timeoutSeconds
        var stopping = false
        var stderrGrew = false
        var chunk = [UInt8](repeating: 0, count: 65536)
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

    static func now() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
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
