import Foundation
import Testing
import TCK

/// The run identity reads the kit's commit from git metadata without running git, and hashes the catalog.
@Suite struct RunIdentityTests {
    let commit = "0123456789abcdef0123456789abcdef01234567"
    let other = "fedcba9876543210fedcba9876543210fedcba98"

    func scratch() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tck-git-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func write(_ text: String, _ path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    @Test func aBranchIsResolvedLooseThenPacked() throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try write("ref: refs/heads/main\n", root + "/.git/HEAD")
        try write("# pack-refs with: peeled fully-peeled sorted\n\(other) refs/heads/dev\n\(commit) refs/heads/main\n",
                  root + "/.git/packed-refs")
        try FileManager.default.createDirectory(atPath: root + "/TestGuests", withIntermediateDirectories: true)
        #expect(GitCheckout.commit(searchingUpFrom: root + "/TestGuests") == commit)
        try write("\(other)\n", root + "/.git/refs/heads/main")   // a loose ref wins over packed-refs
        #expect(GitCheckout.commit(searchingUpFrom: root + "/TestGuests") == other)
    }

    @Test func aDetachedHeadAndAWorktreeFile() throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try write(commit.uppercased() + "\n", root + "/main/.git/HEAD")
        #expect(GitCheckout.commit(searchingUpFrom: root + "/main") == commit)
        // A worktree: .git is a file naming its git directory; the branch lives in the common directory.
        try write("gitdir: ../main/.git/worktrees/wt\n", root + "/wt/.git")
        try write("ref: refs/heads/topic\n", root + "/main/.git/worktrees/wt/HEAD")
        try write("../..\n", root + "/main/.git/worktrees/wt/commondir")
        try write(other + "\n", root + "/main/.git/refs/heads/topic")
        #expect(GitCheckout.commit(searchingUpFrom: root + "/wt") == other)
    }

    @Test func noCheckoutOrABrokenHeadIsNil() throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try write("ref: refs/heads/../../../../etc/passwd\n", root + "/.git/HEAD")
        #expect(GitCheckout.commit(gitDirectory: root + "/.git") == nil)
        try write("not a hash\n", root + "/.git/HEAD")
        #expect(GitCheckout.commit(gitDirectory: root + "/.git") == nil)
        #expect(GitCheckout.commit(gitDirectory: root + "/nothing") == nil)
    }

    @Test func currentHashesTheCatalogAndRecordsTheSelection() throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try write("abc", root + "/suite.cfg")
        let selection = RunSelection(filters: ["conf-*"], drivers: ["swiftvm", "qemu"], jobs: 2, tests: ["conf-pci"])
        let identity = RunIdentity.current(catalogPath: root + "/suite.cfg", selection: selection,
                                           drivers: [DriverInfo(name: "swiftvm", version: "swiftvm 0.1.0", executable: "/x")],
                                           commandLine: ["tck", "run"])
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        #expect(identity.catalog.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(identity.catalog.path == root + "/suite.cfg")
        #expect(identity.selection == selection && identity.commandLine == ["tck", "run"])
        #expect(identity.swiftvmVersion == "swiftvm 0.1.0" && identity.tckVersion == TCKVersion.string)
        #expect(identity.workingDirectory == FileManager.default.currentDirectoryPath)
        #expect(identity.kitCommit == RunIdentity.unknown || GitCheckout.isHash(identity.kitCommit))
        let missing = RunIdentity.current(catalogPath: root + "/nope.cfg", selection: selection, drivers: [])
        #expect(missing.catalog.sha256 == RunIdentity.unknown && missing.swiftvmVersion == nil)
    }
}
