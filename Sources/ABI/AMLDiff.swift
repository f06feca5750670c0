import Foundation

/// DSDT/SSDT differences in ASL terms: both versions go through the caller's disassembler (tck: iasl)
/// and the change gets a bounded unified diff of the ASL as `detail`, plus object-level changes
/// ("DSDT device \_SB.PCI0.S08 added (_HID PNP0A03)") found by scanning the ASL text.
public enum AMLDiff {
    public static let maximumDiffLines = 200

    /// The changes for a DSDT/SSDT whose content differs: the byte note carrying the ASL diff as detail,
    /// then one change per device added, removed or with a different _HID.
    static func compare(key: String, _ a: [UInt8], _ b: [UInt8], note: String,
                        disassembler: (any ASLDisassembler)?) -> [ABIChange] {
        guard let disassembler, let before = disassembler.disassemble(a), let after = disassembler.disassemble(b) else {
            return [ABIChange(area: "acpi", item: "\(key) content", kind: .changed, old: nil, new: note, compatibility: .breaking)]
        }
        // Judged on the whole diff, shown cut to `maximumDiffLines`.
        let full = unifiedDiff(before, after, oldLabel: "old/\(key).dsl", newLabel: "new/\(key).dsl", maximumLines: .max)
        let fullLines = full.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let diff = truncated(fullLines, to: maximumDiffLines).joined(separator: "\n")
        // Only added ASL lines (a new object, a new package entry): what the guest saw before is all still
        // there, as with an added device or MADT entry. Anything removed or rewritten may break a guest.
        let onlyAdditions = !full.isEmpty && !fullLines.contains { $0.hasPrefix("-") && !$0.hasPrefix("--- ") }
        // Every device and scope with the same body, line for line, only the order of sibling devices
        // differs (libvirt's -device isa-serial against QEMU's -serial: COM1 elsewhere among the ISA
        // devices): the namespace a guest builds is the same, only its enumeration order.
        let onlyReordered = !onlyAdditions && bodies(in: before) == bodies(in: after)
        let compatible = onlyAdditions || onlyReordered
        var changes = [ABIChange(area: "acpi", item: "\(key) content", kind: .changed, old: nil,
                                 new: onlyAdditions ? note + " (ASL lines only added)"
                                    : onlyReordered ? note + " (the same objects, in another order)" : note,
                                 compatibility: compatible ? .compatible : .breaking, detail: diff)]
        changes += ABIDiff.map(area: "acpi", label: "\(key) device", devices(in: before), devices(in: after))
        return changes
    }

    /// Device path → "_HID X" (or "device"), found by following Scope/Device blocks through the braces.
    static func devices(in asl: String) -> [String: String] {
        var devices: [String: String] = [:]
        walk(asl) { rawLine, trimmed, scope, opened in
            if let opened, opened.isDevice { devices[opened.path] = devices[opened.path] ?? "device" }
            if trimmed.hasPrefix("Name (_HID"), devices[scope] != nil,
               let id = quoted(String(rawLine)) ?? trimmed.split(separator: ",").dropFirst().first.map({
                   $0.trimmingCharacters(in: CharacterSet(charactersIn: " )")) }) {
                devices[scope] = "_HID \(id)"
            }
        }
        return devices
    }

    /// Scope or device path → its own ASL lines in order (those of devices inside it excluded, and the
    /// lines that only open or close a block left out): two tables with equal bodies differ at most in
    /// the order of sibling objects.
    static func bodies(in asl: String) -> [String: [String]] {
        var bodies: [String: [String]] = [:]
        walk(asl) { _, trimmed, scope, opened in
            if opened == nil && !trimmed.isEmpty && trimmed != "{" && trimmed != "}" {
                bodies[scope, default: []].append(trimmed)
            }
        }
        return bodies
    }

    /// Walks ASL line by line through its Scope/Device blocks. `visit` gets the raw line, its code
    /// (comments and strings removed, trimmed), the path of the block it is in (`\` at the top), and the
    /// block a `Scope (`/`Device (` on this line opens.
    private static func walk(_ asl: String,
                             _ visit: (_ rawLine: Substring, _ trimmed: String, _ scope: String,
                                       _ opened: (path: String, isDevice: Bool)?) -> Void) {
        var stack: [String?] = []
        var pending: String?
        for rawLine in asl.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = code(rawLine)
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            let scope = (stack.last(where: { $0 != nil }) ?? nil) ?? "\\"
            var opened: (path: String, isDevice: Bool)?
            for opener in ["Scope (", "Device ("] where trimmed.hasPrefix(opener) {
                let name = trimmed.dropFirst(opener.count).prefix { $0 != ")" && $0 != "," }
                let named = path(String(name), in: scope == "\\" ? nil : scope)
                pending = named
                opened = (named, opener == "Device (")
            }
            visit(rawLine, trimmed, scope, opened)
            for character in line {
                if character == "{" {
                    stack.append(pending)
                    pending = nil
                } else if character == "}", !stack.isEmpty {
                    stack.removeLast()
                }
            }
        }
    }

    private static func path(_ name: String, in scope: String?) -> String {
        if name.hasPrefix("\\") { return name }
        var base = scope ?? "\\"
        var rest = Substring(name)
        while rest.hasPrefix("^") {
            rest = rest.dropFirst()
            if let dot = base.lastIndex(of: ".") { base = String(base[..<dot]) } else { base = "\\" }
        }
        return base == "\\" ? "\\" + rest : base + "." + rest
    }

    /// The line without `//` comments and quoted strings (their braces are not structure).
    private static func code(_ line: Substring) -> String {
        var out = ""
        var inString = false
        var previous: Character = " "
        for character in line {
            if inString { if character == "\"" { inString = false }; continue }
            if character == "\"" { inString = true; continue }
            if character == "/", previous == "/" { out.removeLast(); break }
            out.append(character)
            previous = character
        }
        return out
    }

    private static func quoted(_ line: String) -> String? {
        guard let start = line.firstIndex(of: "\"") else { return nil }
        let rest = line[line.index(after: start)...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }

    /// A unified diff (3 lines of context) of two texts, cut after `maximumDiffLines` lines.
    public static func unifiedDiff(_ a: String, _ b: String, oldLabel: String, newLabel: String,
                                   maximumLines: Int = maximumDiffLines) -> String {
        let x = a.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let y = b.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // Common prefix and suffix first, so the quadratic part only sees the region that changed.
        var prefix = 0
        while prefix < x.count, prefix < y.count, x[prefix] == y[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < x.count - prefix, suffix < y.count - prefix, x[x.count - 1 - suffix] == y[y.count - 1 - suffix] { suffix += 1 }
        let xs = Array(x[prefix..<(x.count - suffix)]), ys = Array(y[prefix..<(y.count - suffix)])
        typealias Op = DiffOp
        var ops: [Op] = (0..<prefix).map { .same($0, $0) }
        if xs.count * ys.count > 4_000_000 {
            ops += (0..<xs.count).map { .delete(prefix + $0) } + (0..<ys.count).map { .insert(prefix + $0) }
        } else {
            // Longest common subsequence table, then walk it forwards.
            let width = ys.count + 1
            var lcs = [Int32](repeating: 0, count: (xs.count + 1) * width)
            for i in stride(from: xs.count - 1, through: 0, by: -1) {
                for j in stride(from: ys.count - 1, through: 0, by: -1) {
                    lcs[i * width + j] = xs[i] == ys[j] ? lcs[(i + 1) * width + j + 1] + 1
                        : max(lcs[(i + 1) * width + j], lcs[i * width + j + 1])
                }
            }
            var i = 0, j = 0
            while i < xs.count || j < ys.count {
                if i < xs.count, j < ys.count, xs[i] == ys[j] { ops.append(.same(prefix + i, prefix + j)); i += 1; j += 1 }
                else if i < xs.count, j == ys.count || lcs[(i + 1) * width + j] >= lcs[i * width + j + 1] { ops.append(.delete(prefix + i)); i += 1 }
                else { ops.append(.insert(prefix + j)); j += 1 }
            }
        }
        ops += (0..<suffix).map { .same(x.count - suffix + $0, y.count - suffix + $0) }

        // Group into hunks with 3 lines of context.
        let context = 3
        let changed = ops.indices.filter { if case .same = ops[$0] { return false }; return true }
        guard !changed.isEmpty else { return "" }
        var lines = ["--- \(oldLabel)", "+++ \(newLabel)"]
        var hunkStart = max(0, changed[0] - context), hunkEnd = min(ops.count, changed[0] + context + 1)
        var hunks: [(Int, Int)] = []
        for index in changed.dropFirst() {
            if index - context <= hunkEnd { hunkEnd = min(ops.count, index + context + 1) }
            else { hunks.append((hunkStart, hunkEnd)); hunkStart = index - context; hunkEnd = min(ops.count, index + context + 1) }
        }
        hunks.append((hunkStart, hunkEnd))
        for (start, end) in hunks {
            var oldStart = 0, newStart = 0, oldCount = 0, newCount = 0
            var body: [String] = []
            var first = true
            for op in ops[start..<end] {
                switch op {
                case let .same(i, j):
                    if first { oldStart = i; newStart = j }
                    oldCount += 1; newCount += 1; body.append(" " + x[i])
                case let .delete(i):
                    if first { oldStart = i; newStart = positionInNew(ops, start) }
                    oldCount += 1; body.append("-" + x[i])
                case let .insert(j):
                    if first { newStart = j; oldStart = positionInOld(ops, start) }
                    newCount += 1; body.append("+" + y[j])
                }
                first = false
            }
            lines.append("@@ -\(oldStart + 1),\(oldCount) +\(newStart + 1),\(newCount) @@")
            lines += body
        }
        return truncated(lines, to: maximumLines).joined(separator: "\n")
    }

    private static func truncated(_ lines: [String], to maximumLines: Int) -> [String] {
        guard lines.count > maximumLines else { return lines }
        let cut = lines.count - maximumLines
        return Array(lines.prefix(maximumLines)) + ["… \(cut) more diff line\(cut == 1 ? "" : "s") not shown"]
    }

    private static func positionInNew(_ ops: [DiffOp], _ at: Int) -> Int {
        var count = 0
        for op in ops[..<at] { switch op { case .same, .insert: count += 1; case .delete: break } }
        return count
    }
    private static func positionInOld(_ ops: [DiffOp], _ at: Int) -> Int {
        var count = 0
        for op in ops[..<at] { switch op { case .same, .delete: count += 1; case .insert: break } }
        return count
    }

    enum DiffOp { case same(Int, Int), delete(Int), insert(Int) }
}
