import Foundation
import Synchronization
import Testing
import TestSupport
@testable import TCK

/// The QMP client against a real QEMU (`-M none`: no guest, but a QMP server with run states): the
/// greeting and capabilities, typed replies, a command QEMU refuses, and a socket nobody listens on.
@Suite(.enabled(if: TestProcess.which("qemu-system-x86_64") != nil, "qemu-system-x86_64 is not installed (make setup-test)"))
struct QMPClientTests {
    /// Starts `qemu-system-x86_64 -M none -S -qmp unix:SOCKET,server=on,wait=off` on a thread of its own
    /// (the parent-death signal follows it) and hands `body` the socket path; QEMU is killed afterwards.
    static func withQEMU(_ body: (String) throws -> Void) throws {
        let socket = NSTemporaryDirectory() + "tck-qmp-test-\(getpid())-\(UUID().uuidString.prefix(8)).sock"
        defer { unlink(socket) }
        let finished = Atomic<Bool>(false)
        let done = DispatchSemaphore(value: 0)
        let process = ChildProcess(executable: TestProcess.which("qemu-system-x86_64")!,
                                   arguments: ["-M", "none", "-S", "-nodefaults", "-nographic", "-display", "none",
                                               "-qmp", "unix:\(socket),server=on,wait=off"], timeoutSeconds: 60)
        Thread.detachNewThread {
            _ = process.run(cancelled: { finished.load(ordering: .relaxed) })
            done.signal()
        }
        defer {
            finished.store(true, ordering: .relaxed)
            done.wait()
        }
        try body(socket)
    }

    @Test func stopsAndContinuesAndSaysSo() throws {
        try Self.withQEMU { socket in
            var qmp = try QMPClient(path: socket, timeoutSeconds: 10)
            // -S: QEMU waits before running anything.
            #expect(try qmp.queryStatus() == QMPStatus(status: "prelaunch", running: false))
            try qmp.cont()
            #expect(try qmp.queryStatus() == QMPStatus(status: "running", running: true))
            try qmp.stop()       // emits a STOP event before the reply: skipped
            #expect(try qmp.queryStatus() == QMPStatus(status: "paused", running: false))
            #expect(try qmp.queryMigrate().status == nil)   // no migration yet: an empty object
        }
    }

    @Test func aRefusedCommandNamesItselfAndQEMUsReason() throws {
        try Self.withQEMU { socket in
            var qmp = try QMPClient(path: socket, timeoutSeconds: 10)
            #expect(throws: QMPError.commandFailed(command: "no-such-command", errorClass: "CommandNotFound",
                                                   description: "The command no-such-command has not been found")) {
                try qmp.execute("no-such-command")
            }
            // The connection is still usable after an error reply.
            #expect(try qmp.queryStatus().running == false)
        }
    }

    @Test func aSocketNobodyListensOnIsAConnectErrorAfterTheTimeout() {
        let path = NSTemporaryDirectory() + "tck-qmp-nobody-\(getpid()).sock"
        let started = ChildProcess.now()
        #expect(throws: QMPError.connect(path: path, reason: "No such file or directory")) {
            _ = try QMPClient(path: path, timeoutSeconds: 0.2)
        }
        #expect(ChildProcess.now() - started >= 0.2)
    }
}
