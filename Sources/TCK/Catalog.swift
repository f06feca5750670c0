import Foundation

/// The suite catalog (TestGuests/suite.cfg; format in docs/catalog.md): an INI-style file of
/// `[test-name]` sections with `key = value` lines, a `[defaults]` section, `#`/`;` comment lines.
/// Loading is strict: an unknown or duplicate key or section, a bad value, an unknown driver name or a
/// missing kernel is a `CatalogError` naming the file and line.
public enum Catalog {
    public static let defaultsSection = "defaults"
    /// A larger file is refused before it is parsed (the suite's own is a few KiB).
    public static let maximumBytes = 1 << 20
    static let testKeys = ["kernel", "groups", "description", "machine", "cpus", "memory", "cmdline", "timeout", "expect", "xfail", "disk", "migrate", "sleeps"]
    static let defaultKeys = ["groups", "machine", "cpus", "memory", "timeout"]
    static let perDriverKeys = ["expect", "xfail", "machine"]

    /// Reads and parses `path`, checking that every kernel exists as `<kernelDirectory>/<kernel>.elf`.
    public static func load(path: String, kernelDirectory: String, knownDrivers: Set<String>) throws(CatalogError)
        -> [CatalogEntry] {
        let tooLarge = { (size: Int) in
            CatalogError(file: path, line: 0, message: "the catalog is \(size) bytes, over the \(maximumBytes >> 10) KiB limit")
        }
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > maximumBytes {
            throw tooLarge(size)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CatalogError(file: path, line: 0, message: "cannot read the catalog file")
        }
        guard data.count <= maximumBytes else { throw tooLarge(data.count) }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CatalogError(file: path, line: 0, message: "the catalog is not valid UTF-8 text")
        }
        return try parse(text: text, file: path, kernelDirectory: kernelDirectory, knownDrivers: knownDrivers)
    }

    /// Parses catalog text. `file` is only used in errors; with `kernelDirectory` nil kernels are not checked.
    public static func parse(text: String, file: String = "catalog", kernelDirectory: String? = nil,
                             knownDrivers: Set<String>) throws(CatalogError) -> [CatalogEntry] {
        let fail = { (line: Int, message: String) in CatalogError(file: file, line: line, message: message) }
        let sections = try lex(text, fail: fail, knownDrivers: knownDrivers)
        var defaults = CatalogEntry(name: defaultsSection, kernel: defaultsSection)
        if let section = sections.first(where: { $0.name == defaultsSection }) {
            try apply(section, to: &defaults, fail: fail)
        }
        var entries: [CatalogEntry] = []
        for section in sections where section.name != defaultsSection {
            var entry = defaults
            entry.name = section.name
            entry.kernel = section.name
            try apply(section, to: &entry, fail: fail)
            if let directory = kernelDirectory {
                let path = (directory as NSString).appendingPathComponent(entry.kernel + ".elf")
                var isDirectory: ObjCBool = false
                if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) || isDirectory.boolValue {
                    let line = section.values["kernel"]?.line ?? section.line
                    throw fail(line, "kernel '\(entry.kernel)' of [\(section.name)] not found: \(path) does not exist (build the kernels first)")
                }
            }
            entries.append(entry)
        }
        return entries
    }

    struct Section {
        var name: String
        var line: Int
        var values: [String: (value: String, line: Int)] = [:]
    }

    /// Lines → sections, checking syntax, names, duplicates and which keys are allowed where.
    private static func lex(_ text: String, fail: (Int, String) -> CatalogError, knownDrivers: Set<String>)
        throws(CatalogError) -> [Section] {
        var sections: [Section] = []
        var sectionLines: [String: Int] = [:]
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        for (index, rawLine) in lines.enumerated() {
            let number = index + 1
            let line = CatalogValues.trim(rawLine)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else { throw fail(number, "section header '\(line)' has no closing ']'") }
                let name = CatalogValues.trim(line.dropFirst().dropLast())
                guard CatalogValues.isSimpleName(name) else {
                    throw fail(number, "section name '\(name)' is not a test name of [A-Za-z0-9_.-]+")
                }
                if let first = sectionLines[name] {
                    throw fail(number, "section [\(name)] appears twice (first on line \(first))")
                }
                sectionLines[name] = number
                sections.append(Section(name: name, line: number))
                continue
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw fail(number, "expected 'key = value', a [section] or a comment, found '\(line)'")
            }
            let key = CatalogValues.trim(line[..<equals])
            let value = CatalogValues.trim(line[line.index(after: equals)...])
            guard !sections.isEmpty else { throw fail(number, "key '\(key)' is outside any [section]") }
            let section = sections[sections.count - 1]
            try checkKey(key, in: section.name, line: number, fail: fail, knownDrivers: knownDrivers)
            if let first = section.values[key] {
                throw fail(number, "key '\(key)' appears twice in [\(section.name)] (first on line \(first.line))")
            }
            sections[sections.count - 1].values[key] = (value, number)
        }
        return sections
    }

    private static func checkKey(_ key: String, in section: String, line: Int, fail: (Int, String) -> CatalogError,
                                 knownDrivers: Set<String>) throws(CatalogError) {
        if section == defaultsSection {
            guard defaultKeys.contains(key) else {
                throw fail(line, "key '\(key)' is not allowed in [defaults] (allowed: \(defaultKeys.joined(separator: ", ")))")
            }
            return
        }
        if testKeys.contains(key) { return }
        let parts = key.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        if parts.count == 2, perDriverKeys.contains(String(parts[0])) {
            guard knownDrivers.contains(String(parts[1])) else {
                let known = knownDrivers.sorted().joined(separator: ", ")
                throw fail(line, "unknown driver '\(parts[1])' in key '\(key)' (known drivers: \(known))")
            }
            return
        }
        let allowed = (testKeys + perDriverKeys.map { "\($0).<driver>" }).joined(separator: ", ")
        throw fail(line, "unknown key '\(key)' in [\(section)] (known keys: \(allowed))")
    }

    /// Parses one section's values into `entry`, in a fixed key order so errors are deterministic.
    private static func apply(_ section: Section, to entry: inout CatalogEntry, fail: (Int, String) -> CatalogError)
        throws(CatalogError) {
        if let kernel = section.values["kernel"] {
            guard CatalogValues.isSimpleName(kernel.value) else {
                throw fail(kernel.line, "kernel '\(kernel.value)' is not a kernel base name of [A-Za-z0-9_.-]+ (no path, no .elf)")
            }
            entry.kernel = kernel.value
        }
        if let groups = try value("groups", section, fail, CatalogValues.groups) { entry.groups = groups }
        if let description = section.values["description"] { entry.description = description.value }
        if let machine = try value("machine", section, fail, CatalogValues.machine) { entry.defaultMachine = machine }
        if let cpus = try value("cpus", section, fail, CatalogValues.cpus) { entry.cpus = cpus }
        if let memory = try value("memory", section, fail, CatalogValues.memory) { entry.memoryBytes = memory }
        if let commandLine = try value("cmdline", section, fail, CatalogValues.commandLine) { entry.commandLine = commandLine }
        if let timeout = try value("timeout", section, fail, CatalogValues.timeout) { entry.timeoutSeconds = timeout }
        if let disk = try value("disk", section, fail, CatalogValues.disk) { entry.disk = disk }
        if let migrate = try value("migrate", section, fail, CatalogValues.yesNo) { entry.migrate = migrate }
        if let sleeps = try value("sleeps", section, fail, CatalogValues.yesNo) { entry.sleeps = sleeps }
        if let expectation = try expectation(section, suffix: "", fail) { entry.defaultExpectation = expectation }
        let drivers = Set(section.values.keys.compactMap { key in
            perDriverKeys.lazy.compactMap { key.hasPrefix($0 + ".") ? String(key.dropFirst($0.count + 1)) : nil }.first
        })
        for driver in drivers.sorted() {
            if let expectation = try expectation(section, suffix: "." + driver, fail) {
                entry.expectations[driver] = expectation
            }
            if let machine = try value("machine." + driver, section, fail, CatalogValues.machine) {
                entry.machines[driver] = machine
            }
        }
    }

    private static func value<T>(_ key: String, _ section: Section, _ fail: (Int, String) -> CatalogError,
                                 _ parse: (String) -> Result<T, CatalogValues.Problem>) throws(CatalogError) -> T? {
        guard let (text, line) = section.values[key] else { return nil }
        switch parse(text) {
        case .success(let parsed): return parsed
        case .failure(let problem): throw fail(line, "bad value for '\(key)' in [\(section.name)]: \(problem.sentence)")
        }
    }

    /// `expect<suffix>` or `xfail<suffix>`, not both.
    private static func expectation(_ section: Section, suffix: String, _ fail: (Int, String) -> CatalogError)
        throws(CatalogError) -> Expectation? {
        let expect = try value("expect" + suffix, section, fail, CatalogValues.expect)
        let xfail = try value("xfail" + suffix, section, fail, CatalogValues.xfail)
        if expect != nil, xfail != nil {
            let lines = [section.values["expect" + suffix], section.values["xfail" + suffix]].compactMap { $0?.line }
            throw fail(lines.max() ?? section.line,
                       "[\(section.name)] has both 'expect\(suffix)' and 'xfail\(suffix)'; keep one")
        }
        return xfail ?? expect
    }
}
