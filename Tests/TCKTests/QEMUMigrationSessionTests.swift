import Testing
@testable import TCK

/// How the qemu driver reads the guest's save request off the console (docs/guest-interface.md).
@Suite struct QEMUMigrationSessionTests {
    @Test(arguments: [
        ("tck-migrate: save 1", UInt32(1)), ("tck-migrate: save 42\r", 42), ("  tck-migrate: save 7  ", 7),
    ] as [(String, UInt32)])
    func aSaveRequestGivesItsTag(line: String, tag: UInt32) {
        #expect(QEMUMigrationSession.tag(ofRequest: Array(line.utf8)) == tag)
    }

    @Test(arguments: ["tck-migrate: save", "tck-migrate: save x", "TCK:1 CASE PASS tck-migrate: save 1",
                      "tck-migrate: saved 1", "tck-migrate: save -1", "tck-migrate: save 99999999999"])
    func anyOtherLineIsNone(line: String) {
        #expect(QEMUMigrationSession.tag(ofRequest: Array(line.utf8)) == nil)
    }

    /// The watcher finds the request however the console arrives in chunks, and a line too long to be
    /// one (a flood without newlines) is not kept whole.
    @Test func theRequestIsFoundAcrossChunksAndALongLineIsNone() {
        let session = QEMUMigrationSession(socket: "/nonexistent/qmp.sock", snapshot: "/nonexistent/t.snap", incoming: false,
                                           timeoutSeconds: 0.1, restoresSoFar: 8)
        let flood = ChildProcess.WatchEvent.stdout(ArraySlice(repeating: UInt8(ascii: "x"), count: 100_000) + Array("tck-migrate: save 1\n".utf8))
        #expect(session.handle(flood, input: nil) == .goOn)
        #expect(session.handle(.stdout(ArraySlice("TCK:1 CASE PASS a\ntck-migr".utf8)), input: nil) == .goOn)
        // The ninth request (8 restores so far) stops the run without touching QEMU.
        #expect(session.handle(.stdout(ArraySlice("ate: save 9\r\n".utf8)), input: nil) == .stop)
        #expect(session.saved == MigrationRecord.Round(tag: 9, restored: false))
        #expect(session.failure == "the guest asked for save 9 but tck restores a VM at most 8 times")
    }

    /// A save whose QMP socket is not there is an error naming the save and the socket.
    @Test func aSaveWithoutQMPIsAnErrorNamingIt() {
        let session = QEMUMigrationSession(socket: "/nonexistent/qmp.sock", snapshot: "/nonexistent/t.snap", incoming: false,
                                           timeoutSeconds: 0.1, restoresSoFar: 0)
        #expect(session.handle(.stdout(ArraySlice("tck-migrate: save 3\n".utf8)), input: nil) == .stop)
        #expect(session.saved == nil)
        #expect(session.failure == "save 1 (tag 3): QMP: cannot connect to /nonexistent/qmp.sock: No such file or directory")
    }
}
