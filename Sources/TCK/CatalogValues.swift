import Quantities
/// A problem in the suite catalog, with where it is: "suite.cfg:12: unknown key 'cpu' in [smp-4] …".
public struct CatalogError: Error, Equatable, Sendable, CustomStringConvertible {
    public var file: String
    /// 1-based line; 0 when the problem is the file as a whole (unreadable, not UTF-8).
    public var line: Int
    /// One sentence a user can act on.
    public var message: String

    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String { line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)" }
}

/// Value parsers for catalog keys. Each returns nil (or a problem sentence) for a bad value; the
/// catalog adds file, line and key. Kept in TCK so it does not depend on the Machine module.
enum CatalogValues {
    static let maximumCPUs = 255
    static let minimumMemory: UInt64 = 1 << 20
    static let maximumMemory: UInt64 = 1 << 40
    static let maximumTimeout: Double = 3600
    /// The boot-information area holds a command line of at most 2 KiB including its NUL.
    static let maximumCommandLineBytes = 2047

    /// `[A-Za-z0-9_.-]+`: test, kernel and group names (no '/', so a kernel cannot name another directory).
    static func isSimpleName(_ text: some StringProtocol) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"):
                true
            default:
                false
            }
        }
    }

    /// A machine type name, interpreted by the driver (swiftvm: `swiftvm machines`; qemu: `-M`).
    static func machine(_ text: String) -> Result<String, Problem> {
        isSimpleName(Substring(text)) ? .success(text)
            : .failure(Problem("'\(text)' is not a machine type name of [A-Za-z0-9_.-]+"))
    }

    static func cpus(_ text: String) -> Result<Int, Problem> {
        guard let value = Quantities.decimal(Substring(text)), value >= 1, value <= UInt64(maximumCPUs) else {
            return .failure(Problem("'\(text)' is not a vCPU count from 1 to \(maximumCPUs)"))
        }
        return .success(Int(value))
    }

    static func memory(_ text: String) -> Result<UInt64, Problem> {
        guard let bytes = Quantities.byteSize(text) else {
            return .failure(Problem("'\(text)' is not a size (use e.g. 64M, 512MiB, 1G)"))
        }
        guard bytes >= minimumMemory, bytes <= maximumMemory else {
            return .failure(Problem("\(text) is outside 1M…1T"))
        }
        guard bytes % 4096 == 0 else {
            return .failure(Problem("\(text) is not a multiple of 4 KiB"))
        }
        return .success(bytes)
    }

    /// `<size> <content> [qcow2 [backing] [compressed]] [readonly]`: size 512 B…1 GiB in whole sectors,
    /// content `pattern` or `zero`; the option words in any order, each at most once.
    static func disk(_ text: String) -> Result<DiskSpec, Problem> {
        let usage = "disk = <size> pattern|zero [qcow2 [backing] [compressed]] [readonly], e.g. 1M pattern"
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard words.count >= 2 else {
            return .failure(Problem(words.isEmpty ? "a disk needs a size and a content (\(usage))"
                                                  : "'\(text)' has a size but no content (\(usage))"))
        }
        guard let bytes = Quantities.byteSize(words[0]) else {
            return .failure(Problem("'\(words[0])' is not a size (\(usage))"))
        }
        guard bytes >= DiskSpec.minimumBytes, bytes <= DiskSpec.maximumBytes else {
            return .failure(Problem("disk size \(words[0]) is outside 512…1G"))
        }
        guard bytes % DiskSpec.sectorBytes == 0 else {
            return .failure(Problem("disk size \(words[0]) is not a multiple of the 512-byte sector"))
        }
        guard let content = DiskSpec.Content(rawValue: words[1]) else {
            let known = DiskSpec.Content.allCases.map(\.rawValue).joined(separator: " or ")
            return .failure(Problem("'\(words[1])' is not a disk content (\(known))"))
        }
        var spec = DiskSpec(sizeBytes: bytes, content: content)
        var seen: Set<String> = []
        for word in words.dropFirst(2) {
            guard seen.insert(word).inserted else { return .failure(Problem("disk option '\(word)' is given twice")) }
            switch word {
            case "readonly": spec.readOnly = true
            case "qcow2": spec.format = .qcow2
            case "backing": spec.backing = true
            case "compressed": spec.compressed = true
            default: return .failure(Problem("'\(word)' is not a disk option (readonly, qcow2, backing, compressed)"))
            }
        }
        if (spec.backing || spec.compressed) && spec.format != .qcow2 {
            return .failure(Problem("'backing' and 'compressed' need 'qcow2' (\(usage))"))
        }
        return .success(spec)
    }

    /// `yes` or `no` (the `migrate` key).
    static func yesNo(_ text: String) -> Result<Bool, Problem> {
        switch text {
        case "yes": .success(true)
        case "no": .success(false)
        default: .failure(Problem("'\(text)' is not yes or no"))
        }
    }

    static func timeout(_ text: String) -> Result<Double, Problem> {
        guard let value = Quantities.seconds(text) else {
            return .failure(Problem("'\(text)' is not a duration (use e.g. 10s, 500ms, 2m)"))
        }
        guard value <= maximumTimeout else {
            return .failure(Problem("\(text) is longer than the 1-hour limit"))
        }
        return .success(value)
    }

    static func groups(_ text: String) -> Result<[String], Problem> {
        var groups: [String] = []
        for word in text.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
            guard isSimpleName(word) else { return .failure(Problem("group '\(word)' is not of [A-Za-z0-9_.-]+")) }
            guard !groups.contains(String(word)) else { return .failure(Problem("group '\(word)' is listed twice")) }
            groups.append(String(word))
        }
        return .success(groups)
    }

    /// `pass`, `crash`, `timeout` or `error` (the last for kernels that garble the protocol on purpose).
    static func expect(_ text: String) -> Result<Expectation, Problem> {
        switch text {
        case "pass": .success(.pass)
        case "crash": .success(Expectation(outcome: .crash))
        case "timeout": .success(Expectation(outcome: .timeout))
        case "error": .success(Expectation(outcome: .error))
        default: .failure(Problem("'\(text)' is not an expectation (pass, crash, timeout or error; use xfail = <reason> for an expected failure)"))
        }
    }

    /// `<reason> [| <link>]`.
    static func xfail(_ text: String) -> Result<Expectation, Problem> {
        let parts = text.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
        let reason = trim(parts[0])
        let link = parts.count > 1 ? trim(parts[1]) : nil
        guard !reason.isEmpty else { return .failure(Problem("xfail needs a reason: xfail = <reason> [| <link>]")) }
        if let link, link.isEmpty { return .failure(Problem("xfail has '|' but no link after it")) }
        return .success(Expectation(outcome: .xfail, reason: reason, link: link))
    }

    static func commandLine(_ text: String) -> Result<String, Problem> {
        guard text.utf8.count <= maximumCommandLineBytes else {
            return .failure(Problem("the command line is \(text.utf8.count) bytes, over the \(maximumCommandLineBytes)-byte limit"))
        }
        return .success(text)
    }

    static func trim(_ text: Substring) -> String {
        String(text.drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }

    /// Plain decimal digits only (no sign), at most 19 of them.
    struct Problem: Error {
        var sentence: String
        init(_ sentence: String) { self.sentence = sentence }
    }
}
