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
///
/// What was not compared is never silently equal: each masked group (`ABIDiffResult.maskedGroups`, one
/// per rule and side) is a skipped testcase `masked: <rule>` (` (<name> only)` when only one fingerprint
/// masked it) whose `<skipped message>` counts and names the items and says why; the suite's and the
/// file's `skipped` attributes count these testcases.
public enum ABIDiffJUnit {
    public enum Gate: Sendable { case breaking, anyChange }

    public static func render(_ result: ABIDiffResult, gate: Gate = .breaking, name: String? = nil) -> String {
        let suite = testsuite(result, gate: gate, name: name)
        let count = { (attribute: String) in Int(suite.attribute(forName: attribute)?.stringValue ?? "0") ?? 0 }
        let root = Markup.element("testsuites", ["name": "tck abi", "tests": String(count("tests")), "failures": String(count("failures")),
                                                 "errors": "0", "skipped": String(count("skipped"))], [suite])
        return Markup.xmlDocument(root)
    }

    /// Several comparisons in one file (`tck abi check`: one suite per machine type).
    public static func render(_ results: [(name: String, result: ABIDiffResult)], gate: Gate) -> String {
        let suites = results.map { testsuite($0.result, gate: gate, name: $0.name) }
        let count = { (attribute: String) in
            suites.reduce(0) { $0 + (Int($1.attribute(forName: attribute)?.stringValue ?? "0") ?? 0) }
        }
        return Markup.xmlDocument(Markup.element("testsuites", ["name": "tck abi", "tests": String(count("tests")),
                                                                "failures": String(count("failures")), "errors": "0",
                                                                "skipped": String(count("skipped"))], suites))
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
        let skipped = maskedCases(result, classname: "abi.\(suiteName)")
        cases += skipped
        let properties = Markup.element("properties", [:], [
            Markup.element("property", ["name": "old", "value": result.old]),
            Markup.element("property", ["name": "new", "value": result.new]),
        ] + result.contextChanges.map { Markup.element("property", ["name": "context", "value": $0]) })
        return Markup.element("testsuite", [
            "name": suiteName, "tests": String(cases.count), "failures": String(failures), "errors": "0",
            "skipped": String(skipped.count), "time": "0",
        ], [properties] + cases + [Markup.element("system-out", text: result.text)])
    }

    /// One skipped testcase per masked group: "masked: <rule>" (+ " (<name> only)"), the message counting and
    /// naming the items (the first 20, then "… K more") and saying why; its system-out lists every item.
    static func maskedCases(_ result: ABIDiffResult, classname: String) -> [XMLElement] {
        result.maskedGroups.map { group in
            let count = group.items.count
            let side = switch group.side {
            case .both: ""
            case .old: " (\(result.old) only)"
            case .new: " (\(result.new) only)"
            }
            var list = group.items.prefix(20).joined(separator: ", ")
            if count > 20 { list += ", … \(count - 20) more" }
            let message = "\(count) item\(count == 1 ? "" : "s") not compared: \(list); \(group.why)"
            let body = (["rule: \(group.rule)\(side)", "why: \(group.why)"] + group.items).joined(separator: "\n")
            return Markup.element("testcase", ["classname": classname, "name": "masked: \(group.rule)\(side)", "time": "0"], [
                Markup.element("skipped", ["message": ReportText.line(message)]),
                Markup.element("system-out", text: body),
            ])
        }
    }

    private static func lines(_ changes: [ABIChange]) -> String {
        changes.map { change in
            var line = "[\(change.compatibility.rawValue)] \(change.summary)"
            if let waiver = change.waiver { line += " (waived: \(waiver): \(change.waiverReason ?? ""))" }
            return line
        }.joined(separator: "\n")
    }
}
