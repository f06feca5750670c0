import ABI
import Foundation

/// What a run was: which tck and swiftvm, which commit of the kit, which catalog (path and SHA-256),
/// what was selected, and the command that asked for it, from which directory. Recorded in every report
/// so a result can be traced back and the run repeated.
public struct RunIdentity: Codable, Equatable, Sendable {
    /// `TCKVersion.string`.
    public var tckVersion: String
    /// The swiftvm the run used, as it reports its version (`swiftvm --version`); nil when the run did not
    /// use the swiftvm driver.
    public var swiftvmVersion: String?
    /// The kit's git commit (40 or 64 hex digits), or "unknown" outside a git checkout.
    public var kitCommit: String
    public var catalog: CatalogIdentity
    public var selection: RunSelection
    /// The working directory of tck: relative paths in `commandLine` and in results are relative to it.
    public var workingDirectory: String
    /// tck's own command line, as given (`CommandLine.arguments`).
    public var commandLine: [String]

    public init(tckVersion: String = TCKVersion.string, swiftvmVersion: String?, kitCommit: String,
                catalog: CatalogIdentity, selection: RunSelection, workingDirectory: String, commandLine: [String]) {
        self.tckVersion = tckVersion
        self.swiftvmVersion = swiftvmVersion
        self.kitCommit = kitCommit
        self.catalog = catalog
        self.selection = selection
        self.workingDirectory = workingDirectory
        self.commandLine = commandLine
    }

    public static let unknown = "unknown"

    /// The identity of the running tck: reads the catalog (to hash it) and the git metadata of the kit,
    /// never runs a program. The kit's checkout is found from the catalog's directory upwards, then
    /// from tck's own executable, then from the working directory.
    public static func current(catalogPath: String, selection: RunSelection, drivers: [DriverInfo],
                               commandLine: [String] = CommandLine.arguments) -> RunIdentity {
        let cwd = FileManager.default.currentDirectoryPath
        let catalogURL = URL(fileURLWithPath: catalogPath, relativeTo: URL(fileURLWithPath: cwd, isDirectory: true))
        let starts: [String?] = [catalogURL.deletingLastPathComponent().standardizedFileURL.path, executableDirectory(), cwd]
        let commit = starts.lazy.compactMap { $0.flatMap(GitCheckout.commit(searchingUpFrom:)) }.first
        return RunIdentity(swiftvmVersion: drivers.first { $0.name == "swiftvm" }?.version,
                           kitCommit: commit ?? unknown,
                           catalog: CatalogIdentity(path: catalogPath, sha256: sha256(ofFile: catalogURL.path) ?? unknown),
                           selection: selection, workingDirectory: cwd, commandLine: commandLine)
    }

    /// Hex SHA-256 of a file's bytes, nil when it cannot be read.
    public static func sha256(ofFile path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return SHA256.hex(data)
    }

    private static func executableDirectory() -> String? {
        guard let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        return (path as NSString).deletingLastPathComponent
    }
}

/// The catalog a run read: the path as given and the SHA-256 of its bytes.
public struct CatalogIdentity: Codable, Equatable, Sendable {
    public var path: String
    public var sha256: String

    public init(path: String, sha256: String) {
        self.path = path
        self.sha256 = sha256
    }
}

/// What a run selected: `--filter`, `--group`, `--driver`, `--jobs`, `--shard` and the tests that matched.
public struct RunSelection: Codable, Equatable, Sendable {
    public var filters: [String]
    public var groups: [String]
    public var drivers: [String]
    public var jobs: Int
    public var shard: String?
    /// The selected test names, in run order.
    public var tests: [String]

    public init(filters: [String] = [], groups: [String] = [], drivers: [String], jobs: Int = 1, shard: String? = nil,
                tests: [String]) {
        self.filters = filters
        self.groups = groups
        self.drivers = drivers
        self.jobs = jobs
        self.shard = shard
        self.tests = tests
    }
}

/// Reads a checkout's current commit from its git metadata (HEAD, loose refs, packed-refs, and the
/// `gitdir:`/`commondir` indirections of worktrees and submodules) without running git.
public enum GitCheckout {
    /// The commit of the first checkout found at `directory` or above it; nil when there is none.
    public static func commit(searchingUpFrom directory: String) -> String? {
        var current = URL(fileURLWithPath: directory).standardizedFileURL
        for _ in 0..<64 {
            if let gitDirectory = gitDirectory(in: current.path) { return commit(gitDirectory: gitDirectory) }
            let parent = current.deletingLastPathComponent()
            if parent.path == current.path { return nil }
            current = parent
        }
        return nil
    }

    /// `<dir>/.git` when it is a directory, or the directory a `.git` file's `gitdir:` line names.
    static func gitDirectory(in directory: String) -> String? {
        let dotGit = directory + "/.git"
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dotGit, isDirectory: &isDirectory) else { return nil }
        if isDirectory.boolValue { return dotGit }
        guard let line = firstLine(dotGit), line.hasPrefix("gitdir:") else { return nil }
        return resolve(line.dropFirst("gitdir:".count).trimmingCharacters(in: .whitespaces), against: directory)
    }

    /// HEAD resolved to a commit: detached (a hash), or a ref looked up loose, then in packed-refs.
    public static func commit(gitDirectory: String) -> String? {
        guard let head = firstLine(gitDirectory + "/HEAD") else { return nil }
        guard head.hasPrefix("ref:") else { return isHash(head) ? head.lowercased() : nil }
        let ref = head.dropFirst("ref:".count).trimmingCharacters(in: .whitespaces)
        guard !ref.isEmpty, !ref.split(separator: "/").contains("..") else { return nil }
        let common = firstLine(gitDirectory + "/commondir").map { resolve($0, against: gitDirectory) } ?? gitDirectory
        for directory in [gitDirectory, common] {
            if let loose = firstLine(directory + "/" + ref), isHash(loose) { return loose.lowercased() }
        }
        for directory in [gitDirectory, common] {
            guard let packed = try? String(contentsOfFile: directory + "/packed-refs", encoding: .utf8) else { continue }
            for line in packed.split(separator: "\n") {
                let fields = line.split(separator: " ", maxSplits: 1)
                if fields.count == 2, fields[1] == ref, isHash(String(fields[0])) { return fields[0].lowercased() }
            }
        }
        return nil
    }

    public static func isHash(_ text: String) -> Bool {
        (text.count == 40 || text.count == 64) && text.allSatisfy(\.isHexDigit)
    }

    private static func firstLine(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path), data.count <= 1 << 20 else { return nil }
        return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).first
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    private static func resolve(_ path: String, against base: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: base, isDirectory: true)).standardizedFileURL.path
    }
}
