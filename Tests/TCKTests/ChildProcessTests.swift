import Foundation
import Synchronization
import Testing
@testable import TCK

/// ChildProcess with other children running beside it (`tck run --jobs 2`): no descriptor of one run
/// reaches another's child, so each ends in its own time; and a start that fails reports its errno.
@Suite struct ChildProcessTests {
    /// Runs `process` on a thread of its own (the parent-death signal follows the starting thread)
    /// and hands the result to the returned waiter.
    static func runInBackground(_ process: ChildProcess, cancelled: @escaping @Sendable () -> Bool = { false })
        -> @Sendable () -> ChildProcess.Result {
        let box = Mutex<ChildProcess.Result?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let result = process.run(cancelled: cancelled)
            box.withLock { $0 = result }
            done.signal()
        }
        return {
            done.wait()
            return box.withLock { $0! }
        }
    }

    /// Children of this test process whose command line contains `marker` (/proc/<pid>/cmdline).
    static func children(marked marker: String) -> [pid_t] {
        let me = getpid()
        return ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap(pid_t.init).filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 1, pid_t(fields[1]) == me else { return false }
            let cmdline = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data()
            return String(decoding: cmdline.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self).contains(marker)
        }
    }

    /// While a first child runs (its pipes open here), a second child lists its own descriptors:
    /// exactly 0 (/dev/null), 1 and 2 (its own pipes) and the directory `ls` opened to list them,
    /// none of the first child's pipes, and not a descriptor this process opened without O_CLOEXEC.
    @Test func aChildStartedWhileAnotherRunsHoldsNoneOfItsDescriptors() throws {
        let stray = open("/dev/null", O_RDONLY)      // deliberately without O_CLOEXEC
        #expect(stray >= 0)
        defer { close(stray) }
        // A duration no other test uses, to find this child among ours; cancelled (killed) at the end.
        let finished = Atomic<Bool>(false)
        let first = Self.runInBackground(ChildProcess(executable: "/bin/sleep", arguments: ["30.017"], timeoutSeconds: 60),
                                         cancelled: { finished.load(ordering: .relaxed) })
        defer {
            finished.store(true, ordering: .relaxed)
            #expect(first().ending == .cancelled)
        }
        for _ in 0..<1000 where Self.children(marked: "sleep 30.017").isEmpty { usleep(10_000) }
        let sleeper = try #require(Self.children(marked: "sleep 30.017").first, "the first child did not start")
        let firstFDs = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(sleeper)/fd").sorted()
        #expect(firstFDs == ["0", "1", "2"])

        let second = ChildProcess(executable: "/bin/ls", arguments: ["-l", "/proc/self/fd"], timeoutSeconds: 10).run()
        #expect(second.ending == .exited(0), "\(String(decoding: second.stderr, as: UTF8.self))")
        // "lr-x------ 1 root root 64 Jan  1 00:00 3 -> /proc/4242/fd": the link is after " -> ".
        let links = String(decoding: second.stdout, as: UTF8.self).split(separator: "\n").compactMap { line -> (Int, String)? in
            guard let arrow = line.range(of: " -> ") else { return nil }
            guard let fd = line[..<arrow.lowerBound].split(separator: " ").last.flatMap({ Int($0) }) else { return nil }
            return (fd, String(line[arrow.upperBound...]))
        }
        #expect(links.map(\.0) == [0, 1, 2, 3], "\(links)")
        #expect(links.first?.1 == "/dev/null")
        #expect(links.dropFirst().prefix(2).allSatisfy { $0.1.hasPrefix("pipe:[") })
        #expect(links.last.map { $0.1.hasPrefix("/proc/") && $0.1.hasSuffix("/fd") } == true)
        // The first child's pipes are others than the second one's.
        let firstPipes = Set(["1", "2"].compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(sleeper)/fd/\($0)") })
        #expect(firstPipes.count == 2 && firstPipes.isDisjoint(with: links.map(\.1)))
    }

    /// A short and a long child started at the same moment: the short one ends in its own time
    /// (a pipe end inherited by the long one would hold it until the long one exits).
    @Test func concurrentChildrenEachFinishInTheirOwnTime() {
        for _ in 0..<3 {
            let long = Self.runInBackground(ChildProcess(executable: "/bin/sleep", arguments: ["2"], timeoutSeconds: 10))
            let short = Self.runInBackground(ChildProcess(executable: "/bin/sleep", arguments: ["0.1"], timeoutSeconds: 10))
            let shortResult = short()
            #expect(shortResult.ending == .exited(0))
            #expect(shortResult.durationSeconds < 1, "sleep 0.1 took \(shortResult.durationSeconds) s")
            let longResult = long()
            #expect(longResult.ending == .exited(0))
            #expect(longResult.durationSeconds >= 2 && longResult.durationSeconds < 4)
        }
    }

    /// The errno of a start that fails in the child (execve) comes back as `.spawnFailed`.
    @Test func aMissingOrNonExecutableProgramIsSpawnFailedWithItsErrno() throws {
        let missing = ChildProcess(executable: "/nonexistent/vmm", arguments: [], timeoutSeconds: 5).run()
        #expect(missing.ending == .spawnFailed(ENOENT))
        let notExecutable = ChildProcess(executable: "/etc/passwd", arguments: [], timeoutSeconds: 5).run()
        #expect(notExecutable.ending == .spawnFailed(EACCES))
        // Stdout, stderr and the exit status still arrive as before.
        let shell = ChildProcess(executable: "/bin/sh", arguments: ["-c", "echo out; echo err >&2; exit 3"], timeoutSeconds: 5).run()
        #expect(shell.ending == .exited(3))
        #expect(String(decoding: shell.stdout, as: UTF8.self) == "out\n")
        #expect(String(decoding: shell.stderr, as: UTF8.self) == "err\n")
    }
}
