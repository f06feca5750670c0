// fuzz-catalog: the input, decoded as UTF-8 (bad bytes become U+FFFD), is a suite catalog.
// Catalog.parse(text:) without the kernel-directory check, known drivers swiftvm and qemu.
//
// Invariants: every entry obeys the documented value bounds (docs/catalog.md): simple names, unique
// tests, 1–255 vCPUs, 1 MiB–1 TiB page-multiple memory, a timeout in (0, 1 h], a command line of at
// most 2047 bytes, unique groups, per-driver expectations only for known drivers; at most one entry
// per section header; an error names a line of the file and renders its message. Then a glob selection
// taken from the file's first line must select a subset, in catalog order.
import FuzzSupport
import TCK

private let drivers: Set<String> = ["swiftvm", "qemu"]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
    let entries: [CatalogEntry]
    do {
        entries = try Catalog.parse(text: text, file: "fuzz.cfg", knownDrivers: drivers)
    } catch {
        require(error.line >= 1 && error.line <= lines.count, "error on line \(error.line) of \(lines.count)")
        require(!error.description.isEmpty, "empty CatalogError message")
        return 0
    }
    let headers = lines.filter { $0.drop { $0 == " " || $0 == "\t" }.hasPrefix("[") }.count
    require(entries.count <= headers, "\(entries.count) entries from \(headers) section headers")
    require(Set(entries.map(\.name)).count == entries.count, "duplicate test names")
    for entry in entries {
        require(isSimpleName(entry.name) && entry.name != Catalog.defaultsSection, "test name '\(entry.name)'")
        require(isSimpleName(entry.kernel), "kernel name '\(entry.kernel)'")
        require((1...255).contains(entry.cpus), "\(entry.cpus) vCPUs")
        require(entry.memoryBytes >= 1 << 20 && entry.memoryBytes <= 1 << 40 && entry.memoryBytes % 4096 == 0,
                "memory \(entry.memoryBytes)")
        require(entry.timeoutSeconds.isFinite && entry.timeoutSeconds > 0 && entry.timeoutSeconds <= 3600,
                "timeout \(entry.timeoutSeconds)")
        require(entry.commandLine.utf8.count <= 2047, "command line of \(entry.commandLine.utf8.count) bytes")
        require(Set(entry.groups).count == entry.groups.count && entry.groups.allSatisfy(isSimpleName), "groups \(entry.groups)")
        require(Set(entry.expectations.keys).isSubset(of: drivers), "expectations for \(entry.expectations.keys)")
        for expectation in [entry.defaultExpectation] + Array(entry.expectations.values) {
            require([.pass, .xfail, .crash, .timeout, .error].contains(expectation.outcome), "expectation \(expectation.outcome)")
            require(expectation.outcome != .xfail || !(expectation.reason ?? "").isEmpty, "xfail without a reason")
        }
    }
    let pattern = lines.first.map { String($0.prefix(64)) } ?? "*"
    let selected = Selection(filters: [pattern]).apply(to: entries)
    var remaining = entries[...]
    for entry in selected {
        guard let index = remaining.firstIndex(where: { $0.name == entry.name }) else {
            require(false, "selection is not an ordered subset")
            return 0
        }
        remaining = remaining[(index + 1)...]
    }
    return 0
}

/// `[A-Za-z0-9_.-]+` (docs/catalog.md).
private func isSimpleName(_ text: String) -> Bool {
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
