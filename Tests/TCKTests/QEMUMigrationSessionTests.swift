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
}
