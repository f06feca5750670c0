#if canImport(Glibc)
import Glibc
#endif

/// Which catalog entries a run takes: name globs (`--filter`, OR-ed), groups (`--group`, OR-ed) and a
/// shard (`--shard I/N`). An entry is selected when it matches any filter (or there are none), is in
/// any of the groups (or there are none), and falls in the shard (or there is none).
public struct Selection: Equatable, Sendable {
    public var filters: [String]
    public var groups: [String]
    public var shard: Shard?

    public init(filters: [String] = [], groups: [String] = [], shard: Shard? = nil) {
        self.filters = filters
        self.groups = groups
        self.shard = shard
    }

    public func includes(_ entry: CatalogEntry) -> Bool {
        (filters.isEmpty || filters.contains { Selection.glob($0, matches: entry.name) })
            && (groups.isEmpty || groups.contains { entry.groups.contains($0) })
            && (shard?.contains(testName: entry.name) ?? true)
    }

    /// The selected entries, in catalog order.
    public func apply(to entries: [CatalogEntry]) -> [CatalogEntry] {
        entries.filter(includes)
    }

    /// Shell-style match of the whole name, by fnmatch(3) as the shell does it: `*` any run of
    /// characters (also none), `?` exactly one, `[…]` one of a class (`[mp]`, `[a-z]`, `[!0-9]`,
    /// `[[:digit:]]`), and `\` makes the next character literal. No flags: test names hold no `/`, and a
    /// leading dot needs no special case.
    public static func glob(_ pattern: String, matches name: String) -> Bool {
        fnmatch(pattern, name, 0) == 0
    }

    /// Why `apply` selected nothing, in one line that names what was asked for: the same for `tck run`
    /// and `tck list`. Groups that no test of the catalog has are named as such.
    public func emptyReason(catalog: String, entries: [CatalogEntry]) -> String {
        guard !entries.isEmpty else { return "no test in \(catalog): the catalog is empty" }
        var asked: [String] = filters.map { "--filter '\($0)'" } + groups.map { "--group '\($0)'" }
        if let shard { asked.append("--shard \(shard)") }
        var reason = "no test in \(catalog) matches " + asked.joined(separator: " ")
        let known = Set(entries.flatMap(\.groups))
        let unknown = groups.filter { !known.contains($0) }
        if !unknown.isEmpty {
            reason += "; no test is in group\(unknown.count == 1 ? "" : "s") " + unknown.map { "'\($0)'" }.joined(separator: ", ")
                + " (groups: " + known.sorted().joined(separator: ", ") + ")"
        }
        return reason + "; `tck list` shows every test"
    }
}

/// One slice of the suite for spreading a run over N machines: `--shard I/N`, I from 1 to N.
/// A test's shard depends only on its name (FNV-1a 64 of the UTF-8 bytes, mod N), so every test is in
/// exactly one shard whatever the order of the catalog or which other tests exist.
public struct Shard: Equatable, Sendable, CustomStringConvertible {
    public static let maximumCount = 10_000

    /// 1-based.
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) throws(SelectionError) {
        guard count >= 1, count <= Shard.maximumCount else {
            throw SelectionError("shard count \(count) is outside 1…\(Shard.maximumCount)")
        }
        guard index >= 1, index <= count else {
            throw SelectionError("shard \(index)/\(count): the index must be from 1 to \(count)")
        }
        self.index = index
        self.count = count
    }

    /// Parses "I/N", e.g. "2/5".
    public static func parse(_ text: String) throws(SelectionError) -> Shard {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]),
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }) else {
            throw SelectionError("'\(text)' is not a shard; use I/N, e.g. --shard 2/5")
        }
        return try Shard(index: index, count: count)
    }

    public func contains(testName: String) -> Bool {
        Int(Shard.fnv1a(testName) % UInt64(count)) == index - 1
    }

    public var description: String { "\(index)/\(count)" }

    /// FNV-1a, 64-bit, over the UTF-8 bytes.
    public static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }
}

public struct SelectionError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
