#if canImport(FoundationXML)
import FoundationXML
#else
import Foundation
#endif
import ABI

/// Renders an ABI diff as JUnit XML: one `<testsuite>` per comparison, one `<testcase>` per ABI area
/// (every area, so CI shows the passing ones too). An area fails when it has a change that is not
/// allowed: in `.breaking` mode (`tck abi diff`) a breaking change no waiver accepts; in `.anyChange`
/// mode (`tck abi check`, where a machine type must match its baseline exactly) any change no waiver
/// accepts. The failure message lists the items; the body lists every change of the area.
public enum ABIDiffJUnit {
    public enum Gate: Sendable { case breaking, anyChange }

    public static func render(_ result: ABIDiffResult, gate: Gate = .breaking, name: String? = nil) -> String {
        let suite = testsuite(result, gate: gate, name: name)
        let failures = Int(suite.attribute(forName: "failures")?.stringValue ?? "0") ?? 0
        let tests = Int(suite.attribute(forName: "tests")?.stringValue ?? "0") ?? 0
        let root = Markup.element("testsuites", ["name": "tck abi", "tests": String(tests), "failures": String(failures),
                                                 "errors": "0", "skipped": "0"], [suite])
        return Markup.xmlDocument(root)
    }

    /// Several comparisons in one file (`tck abi check`: one suite per machine type).
    public static func render(_ results: [(name: String, result: ABIDiffResult)], gate: Gate) -> String {
        let suites = results.map { testsuite($0.result, gate: gate, name: $0.name) }
        let count = { (attribute: String) in
            suites.reduce(0) { $0 + (Int($1.attribute(forName: attribute)?.stringValue ?? "0") ?? 0) }
        }
        return Markup.xmlDocument(Markup.element("testsuites", ["name": "tck abi", "tests": String(count("tests")),
                                                                "failures": String(count("failures")), "errors": "0", "skipped": "0"], suites))
    }

    public static func failing(_ change: ABIChange, gate: Gate) -> Bool {
        guard !change.isWaived else { return false }
        return gate == .anyChange || change.compatibility == .breaking
    }

    static func testsuite(_ result: ABIDiffResult, gate: Gate, name: String?) -> XMLElement {
        let suiteName = name ?? "abi \(result.old) → \(result.new)"
        var cases: [XMLNode] = []
        var failures = 0
        for area in ABIDiffHTML.areasInOrder(result) {
            let changes = result.changes.filter { $0.area == area }
            let bad = changes.filter { failing($0, gate: gate) }
            var children: [XMLNode] = []
            if !bad.isEmpty {
                failures += 1
                let what = gate == .breaking ? "breaking" : "unwaived"
                var message = "\(bad.count) \(what) change\(bad.count == 1 ? "" : "s"): " + bad.prefix(20).map(\.summary).joined(separator: "; ")
                if bad.count > 20 { message += "; … \(bad.count - 20) more" }
                children.append(Markup.element("failure", ["message": ReportText.line(message), "type": "abi-\(what)"],
                                               text: lines(changes)))
            }
            if !changes.isEmpty { children.append(Markup.element("system-out", text: lines(changes))) }
            cases.append(Markup.element("testcase", ["classname": "abi.\(suiteName)", "name": area, "time": "0"], children))
        }
        if !result.unusedWaivers.isEmpty {
            let message = "unused waiver\(result.unusedWaivers.count == 1 ? "" : "s") (stale, remove): " + result.unusedWaivers.joined(separator: ", ")
            var children: [XMLNode] = []
            if gate == .anyChange {
                failures += 1
                children.append(Markup.element("failure", ["message": ReportText.line(message), "type": "abi-unused-waiver"], text: message))
            } else {
                children.append(Markup.element("system-out", text: message))
            }
            cases.append(Markup.element("testcase", ["classname": "abi.\(suiteName)", "name": "waivers", "time": "0"], children))
        }
        let properties = Markup.element("properties", [:], [
            Markup.element("property", ["name": "old", "value": result.old]),
            Markup.element("property", ["name": "new", "value": result.new]),
        ] + result.contextChanges.map { Markup.element("property", ["name": "context", "value": $0]) })
        return Markup.element("testsuite", [
            "name": suiteName, "tests": String(cases.count), "failures": String(failures), "errors": "0", "skipped": "0", "time": "0",
        ], [properties] + cases + [Markup.element("system-out", text: result.text)])
    }

    private static func lines(_ changes: [ABIChange]) -> String {
        changes.map { change in
            var line = "[\(change.compatibility.rawValue)] \(change.summary)"
            if let waiver = change.waiver { line += " (waived: \(waiver): \(change.waiverReason ?? ""))" }
            return line
        }.joined(separator: "\n")
    }
}
