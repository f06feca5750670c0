import Foundation

/// One reviewed, accepted ABI difference (`Reports/abi/waivers.cfg`; docs/abi-fingerprint.md#waivers).
public struct ABIWaiver: Equatable, Sendable {
    public var name: String
    /// The machine type it applies to (the newer fingerprint's `machine`), or a glob such as `*`.
    public var machine: String
    /// The exact change item ("CPUID.80000007.0:EDX[8] invtsc") or a glob of it ("PCI 00:01.0 *").
    public var item: String
    public var reason: String
    public var link: String?
    /// Where the waiver starts in its file, for messages.
    public var line: Int

    public init(name: String, machine: String, item: String, reason: String, link: String? = nil, line: Int = 0) {
        self.name = name
        self.machine = machine
        self.item = item
        self.reason = reason
        self.link = link
        self.line = line
    }

    public func applies(toMachine machine: String) -> Bool { Glob.matches(self.machine, machine) }
    public func matches(_ change: ABIChange) -> Bool { Glob.matches(item, change.item) }
}

public struct WaiverError: Error, Equatable, CustomStringConvertible, Sendable {
    public var file: String
    public var line: Int
    public var message: String
    public var description: String { line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)" }
}

/// The waiver file: INI style like the suite catalog. `[waiver-name]` sections with `machine`, `item`,
/// `reason` (required) and `link` (optional); `#`/`;` comment lines. Loading is strict: an unknown or
/// repeated key, a repeated section, a missing required key or an empty value is a `WaiverError` naming
/// the file and line.
public enum ABIWaivers {
    public static let keys = ["machine", "item", "reason", "link"]
    public static let maximumBytes = 1 << 20

    public static func load(path: String) throws(WaiverError) -> [ABIWaiver] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WaiverError(file: path, line: 0, message: "cannot read the waiver file")
        }
        guard data.count <= maximumBytes else {
            throw WaiverError(file: path, line: 0, message: "the waiver file is \(data.count) bytes, over the \(maximumBytes >> 10) KiB limit")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw WaiverError(file: path, line: 0, message: "the waiver file is not valid UTF-8 text")
        }
        return try parse(text: text, file: path)
    }

    public static func parse(text: String, file: String = "waivers") throws(WaiverError) -> [ABIWaiver] {
        func fail(_ line: Int, _ message: String) -> WaiverError { WaiverError(file: file, line: line, message: message) }
        struct Section { var name: String; var line: Int; var values: [String: (String, Int)] = [:] }
        var sections: [Section] = []
        var seen: [String: Int] = [:]
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        for (index, raw) in lines.enumerated() {
            let number = index + 1
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else { throw fail(number, "section header '\(line)' has no closing ']'") }
                let name = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                guard !name.isEmpty, name.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0)) }) else {
                    throw fail(number, "waiver name '\(name)' is not a name of [A-Za-z0-9_.-]+")
                }
                if let first = seen[name] { throw fail(number, "waiver [\(name)] appears twice (first on line \(first))") }
                seen[name] = number
                sections.append(Section(name: name, line: number))
                continue
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw fail(number, "expected 'key = value', a [waiver-name] or a comment, found '\(line)'")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard !sections.isEmpty else { throw fail(number, "key '\(key)' is outside any [waiver]") }
            let name = sections[sections.count - 1].name
            guard keys.contains(key) else {
                throw fail(number, "unknown key '\(key)' in [\(name)] (known keys: \(keys.joined(separator: ", ")))")
            }
            if let first = sections[sections.count - 1].values[key] {
                throw fail(number, "key '\(key)' appears twice in [\(name)] (first on line \(first.1))")
            }
            guard !value.isEmpty else { throw fail(number, "'\(key)' in [\(name)] is empty") }
            sections[sections.count - 1].values[key] = (value, number)
        }
        return try sections.map { section throws(WaiverError) in
            for key in ["machine", "item", "reason"] where section.values[key] == nil {
                throw fail(section.line, "[\(section.name)] has no '\(key)' (a waiver needs machine, item and reason)")
            }
            return ABIWaiver(name: section.name, machine: section.values["machine"]!.0, item: section.values["item"]!.0,
                             reason: section.values["reason"]!.0, link: section.values["link"]?.0, line: section.line)
        }
    }

    /// Marks the changes the waivers accept (the first matching waiver in file order wins) and records the
    /// waivers for `machine` that matched nothing in `result.unusedWaivers`.
    public static func apply(_ waivers: [ABIWaiver], to result: inout ABIDiffResult, machine: String) {
        let relevant = waivers.filter { $0.applies(toMachine: machine) }
        var used = Set<String>()
        for index in result.changes.indices {
            guard let waiver = relevant.first(where: { $0.matches(result.changes[index]) }) else { continue }
            result.changes[index].waiver = waiver.name
            result.changes[index].waiverReason = waiver.reason + (waiver.link.map { " (\($0))" } ?? "")
            used.insert(waiver.name)
        }
        result.unusedWaivers = relevant.map(\.name).filter { !used.contains($0) }
    }
}

/// Shell-style wildcards, deliberately only `*` (any run of characters) and `?` (one character): change
/// items contain brackets ("EDX[8]"), which must match literally.
enum Glob {
    static func matches(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern.unicodeScalars), t = Array(text.unicodeScalars)
        var pi = 0, ti = 0, star = -1, mark = 0
        while ti < t.count {
            if pi < p.count, p[pi] == "?" || (p[pi] != "*" && p[pi] == t[ti]) {
                pi += 1; ti += 1
            } else if pi < p.count, p[pi] == "*" {
                star = pi; mark = ti; pi += 1
            } else if star >= 0 {
                pi = star + 1; mark += 1; ti = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}
