import Foundation
import Testing
@testable import TCK

/// ChildProcess's watcher: it sees the child start and its stdout as it arrives, may stop it, and may
/// write to its stdin (a pipe when asked for), which is what the qemu driver's migrate loop relies on.
@Suite struct ChildProcessWatchTests {
    /// `cat` echoes what the watcher writes to its stdin once it has started; the watcher stops it when
    /// the echo comes back. The ending says the watcher stopped it; stdout holds the echo.
    @Test func theWatcherWritesToStdinAndStopsTheChildOnWhatItPrints() {
        var process = ChildProcess(executable: "/bin/cat", arguments: [], timeoutSeconds: 10)
        process.stdinPipe = true
        var seen: [UInt8] = []
        var events: [String] = []
        let result = process.run(watch: { event, input in
            switch event {
            case .started:
                events.append("started")
                #expect(input?.write(Array("ping\n".utf8)) == true)
                return .goOn
            case let .stdout(chunk):
                events.append("stdout")
                seen += chunk
                return seen.contains(UInt8(ascii: "\n")) ? .stop : .goOn
            }
        })
        #expect(result.ending == .stoppedByWatcher)
        #expect(String(decoding: result.stdout, as: UTF8.self) == "ping\n")
        #expect(events.first == "started" && events.dropFirst().allSatisfy { $0 == "stdout" })
    }

    /// Without `stdinPipe` the child reads /dev/null and the watcher gets no input.
    @Test func withoutAPipeStdinIsDevNull() {
        let process = ChildProcess(executable: "/bin/cat", arguments: [], timeoutSeconds: 10)
        var hadInput = true
        let result = process.run(watch: { event, input in
            if case .started = event { hadInput = input != nil }
            return .goOn
        })
        #expect(result.ending == .exited(0) && result.stdout.isEmpty && !hadInput)
    }

    /// Writing to a child that has exited fails, and does not kill tck with SIGPIPE.
    @Test func writingToAChildThatExitedIsFalseNotSIGPIPE() {
        var process = ChildProcess(executable: "/bin/true", arguments: [], timeoutSeconds: 10)
        process.stdinPipe = true
        var wrote: Bool?
        let result = process.run(watch: { event, input in
            guard case .started(let pid) = event else { return .goOn }
            // Wait until the child has exited (left as a zombie for ChildProcess to reap), then write.
            var info = siginfo_t()
            while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR {}
            // A child another test forks at this moment holds a copy of the pipe's read end until it
            // execs (the end is close-on-exec), and a write meanwhile lands in the pipe (seen once in CI,
            // 2026-12-01). So write until a write fails, for at most 2 s: never a SIGPIPE either way.
            for _ in 0..<200 {
                wrote = input?.write(Array("R".utf8))
                if wrote != true { break }
                usleep(10_000)
            }
            return .goOn
        })
        #expect(result.ending == .exited(0))
        #expect(wrote == false)
    }
}
