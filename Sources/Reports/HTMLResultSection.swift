#if canImport(FoundationXML)
import FoundationXML
#else
import Foundation
#endif
import TCK

/// One result's detail section: outcome, reason, expectation, cases, data records, console log,
/// diagnostics and the exact command line. Logs and data are in `<details>`, so the page reads fully
/// without JavaScript; an unexpected result has its console open.
///
/// DOM contract: `<section class="result" id="result-<driver>-<test>" data-driver data-test
/// data-outcome data-expected>`.
enum HTMLResultSection {
    static func section(_ result: TestResult) -> XMLElement {
        var children: [XMLNode] = [heading(result)]
        children.append(Markup.element("p", ["class": "reason"], text: result.reason))
        children.append(facts(result))
        if !result.protocolErrors.isEmpty {
            children.append(Markup.element("ul", ["class": "problems"], result.protocolErrors.map {
                Markup.element("li", text: "protocol: " + $0)
            }))
        }
        if !result.cases.isEmpty { children.append(cases(result.cases)) }
        if !result.data.isEmpty { children.append(data(result.data)) }
        children.append(console(result))
        if !result.diagnostics.isEmpty {
            children.append(Markup.element("details", ["class": "diagnostics", "open": result.expected ? nil : "open"], [
                Markup.element("summary", text: "Diagnostics (VMM stderr)"),
                Markup.element("pre", ["class": "log"], text: result.diagnostics),
            ]))
        }
        children.append(Markup.element("div", ["class": "command"], [
            Markup.element("span", ["class": "groups"], text: "Command line"),
            Markup.element("pre", ["class": "cmd"], text: ReportFormat.shellCommand(result.commandLine)),
        ]))
        return Markup.element("section", [
            "class": result.expected ? "result" : "result unexpected",
            "id": ReportFormat.resultID(driver: result.driver, test: result.test),
            "data-driver": result.driver, "data-test": result.test,
            "data-outcome": result.outcome.rawValue, "data-expected": String(result.expected),
        ], children)
    }

    private static func heading(_ result: TestResult) -> XMLElement {
        var children: [XMLNode] = [
            Markup.element("span", ["class": "badge \(OutcomeStyle.cssClass(result.outcome))"], text: OutcomeStyle.label(result.outcome)),
            Markup.element("span", ["class": "mono"], text: result.test),
            Markup.element("span", ["class": "on"], text: "on"),
            Markup.element("span", [:], text: result.driver),
        ]
        if !result.expected {
            children.append(Markup.element("span", ["class": "badge o-fail"], text: "unexpected"))
        }
        children.append(Markup.element("a", ["class": "back", "href": "#matrix"], text: "↑ matrix"))
        return Markup.element("h3", [:], children)
    }

    private static func facts(_ result: TestResult) -> XMLElement {
        var rows: [(String, String)] = [
            ("Outcome", result.outcome.rawValue + (result.expected ? " (as expected)" : " (unexpected)")),
            ("Expectation", ReportFormat.expectation(result.expectation)),
            ("Kernel", result.kernel),
        ]
        if !result.groups.isEmpty { rows.append(("Groups", result.groups.joined(separator: ", "))) }
        rows.append(("Duration", ReportFormat.seconds(result.durationSeconds) + " s"))
        rows.append(("Exit", result.exitDescription))
        var nodes: [XMLNode] = []
        for (term, value) in rows {
            nodes.append(Markup.element("dt", text: term))
            if term == "Expectation", let link = result.expectation.link, isWebLink(link) {
                nodes.append(Markup.element("dd", [:], [
                    Markup.text(ReportFormat.expectation(Expectation(outcome: result.expectation.outcome,
                                                                     reason: result.expectation.reason)) + " "),
                    Markup.element("a", ["href": link], text: link),
                ]))
            } else {
                nodes.append(Markup.element("dd", text: value))
            }
        }
        return Markup.element("dl", ["class": "facts"], nodes)
    }

    /// Only http(s) links become `href`s: a catalog link such as `javascript:…` stays plain text.
    private static func isWebLink(_ link: String) -> Bool {
        let lower = link.lowercased()
        return (lower.hasPrefix("https://") || lower.hasPrefix("http://")) && !link.contains(where: \.isWhitespace)
    }

    private static func cases(_ cases: [CaseResult]) -> XMLElement {
        let rows = cases.map { item in
            let outcome: Outcome = switch item.status { case .pass: .pass; case .fail: .fail; case .skip: .skip }
            return Markup.element("tr", ["data-status": item.status.rawValue], [
                Markup.element("td", [:], [
                    Markup.element("span", ["class": "badge \(OutcomeStyle.cssClass(outcome))"], text: item.status.rawValue),
                ]),
                Markup.element("td", ["class": "mono"], text: item.name),
                Markup.element("td", text: item.message ?? ""),
            ])
        }
        return Markup.element("table", ["class": "cases"], [
            Markup.element("thead", [:], [Markup.element("tr", [:], [
                Markup.element("th", text: "Status"), Markup.element("th", text: "Case"), Markup.element("th", text: "Message"),
            ])]),
            Markup.element("tbody", [:], rows),
        ])
    }

    private static func data(_ records: [DataRecord]) -> XMLElement {
        let rows = records.map { record in
            Markup.element("tr", [:], [
                Markup.element("td", ["class": "mono"], text: record.key),
                Markup.element("td", ["class": "mono"], text: record.value),
            ])
        }
        return Markup.element("details", ["class": "data"], [
            Markup.element("summary", text: "Data records (\(records.count))"),
            Markup.element("table", [:], [Markup.element("tbody", [:], rows)]),
        ])
    }

    private static func console(_ result: TestResult) -> XMLElement {
        let text = ReportFormat.console(result)
        let lines = text.isEmpty ? 0 : text.split(separator: "\n", omittingEmptySubsequences: false).count
            - (text.hasSuffix("\n") ? 1 : 0)
        var summary = "Console log (\(lines) line\(lines == 1 ? "" : "s")"
        if result.consoleTruncated { summary += ", cut at the capture limit" }
        summary += ")"
        return Markup.element("details", ["class": "console", "open": result.expected ? nil : "open"], [
            Markup.element("summary", text: summary),
            Markup.element("pre", ["class": "log"], text: text.isEmpty ? "(no console output)" : text),
        ])
    }
}
