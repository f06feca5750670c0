import ABI
import Foundation

/// A committed baseline: the fingerprint of one machine type, `<directory>/<machine>.json`.
public struct ABIBaseline: Sendable {
    public var name: String
    public var fingerprint: Fingerprint
    public var path: String

    public init(name: String, fingerprint: Fingerprint, path: String) {
        self.name = name
        self.fingerprint = fingerprint
        self.path = path
    }
}

/// The baselines directory (Reports/abi): one `<machine>.json` per machine type.
public enum ABIBaselines {
    public static func path(directory: String, machine: String) -> String { "\(directory)/\(machine).json" }

    /// Every `*.json` in `directory`, read, in version order (swiftvm-1.2 before swiftvm-1.10).
    public static func list(_ directory: String) throws -> [ABIBaseline] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }
        return try names.map { name throws(FingerprintFileError) in
            let path = "\(directory)/\(name)"
            return ABIBaseline(name: String(name.dropLast(5)), fingerprint: try FingerprintFile.read(path), path: path)
        }.sorted { versionOrder($0.name, $1.name) }
    }

    /// "swiftvm-1.2" before "swiftvm-1.10": digit runs compare as numbers, other runs as text, and a
    /// number sorts before text at the same place.
    public static func versionOrder(_ a: String, _ b: String) -> Bool {
        let x = parts(a), y = parts(b)
        for (p, q) in zip(x, y) where p != q {
            switch (p, q) {
            case let (.number(m), .number(n)): return m < n
            case let (.text(s), .text(t)): return s < t
            case (.number, .text): return true
            case (.text, .number): return false
            }
        }
        return x.count < y.count
    }

    enum Part: Equatable { case number(Int), text(String) }

    static func parts(_ text: String) -> [Part] {
        var result: [Part] = []
        var current = ""
        var digits = false
        func flush() {
            guard !current.isEmpty else { return }
            // A digit run too long for Int still orders after every shorter one.
            result.append(digits ? .number(Int(current) ?? Int.max) : .text(current))
            current = ""
        }
        for character in text {
            let isDigit = character.isASCII && character.isNumber
            if isDigit != digits { flush() }
            digits = isDigit
            current.append(character)
        }
        flush()
        return result
    }
}
